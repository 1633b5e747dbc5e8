"""Who may change what: the tenancy rules per role, and their role names against the Role choices."""

from __future__ import annotations

import pytest
import rules

from offload.accounts.acting import acting_for_user
from offload.accounts.choices import MSP_ROLES
from offload.tenancy import rules as tenancy_rules
from offload.tenancy.scoping import activate

pytestmark = pytest.mark.django_db

CAN_MANAGE_CLIENTS = {"msp_owner", "service_manager"}
CAN_KEEP_RECORDS = {"msp_owner", "service_manager", "technician", "technician_limited"}
ALL_KEYS = [
    "provider_admin",
    "noc_lead",
    "noc_agent",
    "msp_owner",
    "service_manager",
    "technician",
    "technician_limited",
    "finance",
    "client_admin",
    "client_user",
]


def test_rule_role_names_are_real_msp_roles():
    """tenancy cannot import accounts' Role, so its role names are checked against it here."""
    assert {str(r) for r in MSP_ROLES} >= tenancy_rules.RECORD_KEEPER_ROLES


@pytest.mark.parametrize("key", ALL_KEYS)
def test_write_permissions_per_role(world, key):
    """Owners and service managers manage clients; technicians keep records; everyone else reads only."""
    user = world.user(key)
    with activate(acting_for_user(user).scope):
        assert rules.has_perm("tenancy.add_client", user) == (key in CAN_MANAGE_CLIENTS)
        assert rules.has_perm("tenancy.change_client", user, world.clients["a1"]) == (
            key in CAN_MANAGE_CLIENTS
        )
        for model in ("site", "contact", "asset"):
            assert rules.has_perm(f"tenancy.add_{model}", user) == (key in CAN_KEEP_RECORDS)
            assert rules.has_perm(f"tenancy.change_{model}", user) == (key in CAN_KEEP_RECORDS)


def test_rules_do_not_lend_one_users_scope_to_another(world):
    """A permission is only granted to the user whose scope is active, not to someone else asking."""
    owner, finance = world.user("msp_owner"), world.user("finance")
    with activate(acting_for_user(owner).scope):
        assert not rules.has_perm("tenancy.add_client", finance)
