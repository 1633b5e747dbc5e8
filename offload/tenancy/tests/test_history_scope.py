"""Audit history is tenant data: history rows obey the same scope as the rows they record."""

import pytest
from django.apps import apps

from offload.accounts.acting import acting_for_user
from offload.tenancy.models import MSP, Client, Contact, ServiceAgreement
from offload.tenancy.scoping import ScopeError, activate, is_tenant_model, system_scope

pytestmark = pytest.mark.django_db


def scope_of(world, key):
    return activate(acting_for_user(world.user(key)).scope)


def history_models():
    """Every historical model (and m2m history model) simple-history registered for our apps."""
    return [
        m for m in apps.get_models() if m.__module__.startswith("offload.") and hasattr(m, "instance_type")
    ]


def test_every_tenant_models_history_is_scoped():
    """A tenant-owned model's history cannot be read around the scope guard, now or in future models."""
    found = history_models()
    assert found, "no historical models found"
    for model in found:
        tracked = model.instance_type
        if hasattr(model, "history"):  # m2m history: guarded through its parent's history row
            tracked = model._meta.get_field("history").related_model.instance_type
        if is_tenant_model(tracked):
            assert is_tenant_model(model), f"{model.__name__} is not scoped: use TenantHistoricalRecords"


def test_history_without_scope_raises(world):
    """Reading history outside any scope raises, like reading the live rows."""
    with pytest.raises(ScopeError):
        list(Client.history.all())
    with pytest.raises(ScopeError):
        list(Client.history.model.objects.all())


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("msp_owner", {"Alpha One", "Alpha Two"}),
        ("technician_limited", {"Alpha One"}),
        ("provider_admin", {"Alpha One", "Alpha Two", "Bravo One"}),
        ("client_admin", {"Alpha One"}),
    ],
)
def test_client_history_is_scoped(world, key, expected):
    """Each role sees the change history of exactly the clients it sees, by both entry points."""
    with system_scope("rename to create history"):
        for client in Client.objects.all():
            client.notes = "changed"
            client.save()
    with scope_of(world, key):
        via_descriptor = {h.name for h in Client.history.all()}
        via_model = {h.name for h in Client.history.model.objects.all()}
        assert via_descriptor == expected
        assert via_model == expected
        assert Client.history.count() == 2 * len(expected)


def test_history_of_a_foreign_deleted_row_stays_hidden(world):
    """A deleted foreign client's last history row is not visible either (deletion rows keep tenant keys)."""
    foreign_id = world.clients["c1"].id
    with system_scope("delete a foreign client"):
        Client.objects.get(id=foreign_id).delete()
    with scope_of(world, "msp_owner"):
        assert not Client.history.filter(id=foreign_id).exists()
        assert "FOREIGN" not in " ".join(h.name for h in Client.history.all())


def test_client_user_sees_only_own_contact_history(world):
    """A client user's contact history is limited to their own contact, like the live rows."""
    with scope_of(world, "client_user"):
        names = {h.first_name for h in Contact.history.all()}
    assert names == {"Alpha One Bob"}


def test_msp_history_is_scoped(world):
    """MSP history (keyed by the MSP's own id) shows only the acting MSP."""
    with scope_of(world, "msp_owner"):
        assert {h.name for h in MSP.history.all()} == {"Acme IT"}


def test_instance_history_and_agreement_m2m_history_are_scoped(world):
    """An agreement's history, and which clients each version covered, follow the scope too."""
    with scope_of(world, "provider_admin"):
        agreement = ServiceAgreement.objects.get(msp=world.msp_b)
        records = list(agreement.history.all())
        assert records
        covered = {row.client_id for row in records[0].clients.all()}
        assert covered == {world.clients["b1"].id}
        m2m = type(records[0]).clients.model
        assert {row.history.msp_id for row in m2m.objects.all()} <= {world.msp_a.id, world.msp_b.id}
    with scope_of(world, "msp_owner"):
        assert not ServiceAgreement.history.filter(msp=world.msp_b).exists()
        assert m2m.objects.count() == 0  # MSP A's agreement covers all clients: no m2m rows


def test_history_is_written_outside_any_scope(world):
    """Loaders and migrations save rows with no scope active; history is still recorded."""
    with system_scope("read a client"):
        client = Client.objects.get(id=world.clients["a1"].id)
    client.notes = "saved with no scope"
    client.save()
    with system_scope("check"):
        assert client.history.first().notes == "saved with no scope"
