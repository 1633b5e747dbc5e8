"""The scope guard: no scope, no rows; each role sees exactly its own tenant's rows."""

import pytest

from offload.accounts.acting import acting_for_user
from offload.tenancy.models import Asset, Client, Contact, ServiceAgreement
from offload.tenancy.scoping import ScopeError, activate, system_scope

pytestmark = pytest.mark.django_db


def names(model, world, key):
    with activate(acting_for_user(world.user(key)).scope):
        return sorted(str(o) for o in model.objects.all())


def test_query_without_scope_raises(world):
    """A tenant-owned model queried outside any scope raises instead of returning every tenant's rows."""
    with pytest.raises(ScopeError):
        list(Client.objects.all())


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("msp_owner", ["Alpha One", "Alpha Two"]),
        ("technician", ["Alpha One", "Alpha Two"]),
        ("technician_limited", ["Alpha One"]),
        ("provider_admin", ["Alpha One", "Alpha Two", "Bravo One"]),
        ("noc_agent", ["Alpha One", "Alpha Two", "Bravo One"]),
        ("client_admin", ["Alpha One"]),
        ("client_user", ["Alpha One"]),
    ],
)
def test_each_role_sees_its_clients(world, key, expected):
    """Staff see their MSP's clients, a provider only covered clients, a client person only their client."""
    assert names(Client, world, key) == expected


def test_client_user_sees_only_own_contact_and_assets(world):
    """A client user sees their own contact record and the devices assigned to them, nothing else."""
    assert names(Contact, world, "client_user") == ["Alpha One Bob Example"]
    assert names(Asset, world, "client_user") == []
    assert len(names(Contact, world, "client_admin")) == 2


def test_provider_sees_only_its_own_agreements(world):
    """Provider staff see their agreements, never another provider's agreement with the same MSP."""
    with activate(acting_for_user(world.user("provider_admin")).scope):
        assert {a.provider_id for a in ServiceAgreement.objects.all()} == {world.provider.id}


def test_ended_agreement_hides_the_msp(world, system):
    """When an agreement ends, the provider's staff stop seeing that MSP's clients at once."""
    ServiceAgreement.objects.filter(msp=world.msp_b, provider=world.provider).update(status="ended")
    with activate(acting_for_user(world.user("noc_agent")).scope):
        assert sorted(c.name for c in Client.objects.all()) == ["Alpha One", "Alpha Two"]


def test_system_scope_for_one_msp_stays_inside_it(world):
    """System work done for one MSP (filing its mail) cannot see another MSP's rows, even unfiltered."""
    with system_scope("test: act for MSP A", msp_id=world.msp_a.id) as scope:
        assert scope.is_system
        assert not scope.is_unrestricted
        assert sorted(c.name for c in Client.objects.all()) == ["Alpha One", "Alpha Two"]
        assert not Contact.objects.filter(client=world.clients["b1"]).exists()
    with system_scope("test: every tenant"):
        assert Client.objects.count() == 5
