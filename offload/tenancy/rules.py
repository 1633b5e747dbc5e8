"""Who may change what in tenancy, as `rules` permissions (autodiscovered at start-up).

Reading is decided by the scope (what a role sees); these rules decide writing. Views ask
`rules.has_perm("tenancy.change_client", user, client)` and refuse on the server; templates use
the same answers only to hide buttons.

The acting role reaches tenancy as a string on the active `Scope` (tenancy sits below accounts,
which owns the `Role` choices); `offload/console/tests/test_rules.py` proves these names match.
"""

from __future__ import annotations

import rules

from offload.tenancy.scoping import active_scope_or_none

# MSP roles that manage the client list (owner, service manager) and the client records under it.
CLIENT_MANAGER_ROLES = frozenset({"msp_owner", "service_manager"})
# MSP roles that maintain sites, contacts and assets.
RECORD_KEEPER_ROLES = CLIENT_MANAGER_ROLES | {"technician"}


def _acting_msp_role(user) -> str:
    """The role `user` acts in for the current request, if it is an MSP role of this very user."""
    scope = active_scope_or_none()
    if scope is None or scope.kind != "msp" or user is None or scope.user_id != getattr(user, "pk", None):
        return ""
    return scope.role


@rules.predicate
def manages_clients(user, obj=None) -> bool:
    return _acting_msp_role(user) in CLIENT_MANAGER_ROLES


@rules.predicate
def keeps_records(user, obj=None) -> bool:
    return _acting_msp_role(user) in RECORD_KEEPER_ROLES


rules.add_perm("tenancy.add_client", manages_clients)
rules.add_perm("tenancy.change_client", manages_clients)
for _model in ("site", "contact", "asset"):
    rules.add_perm(f"tenancy.add_{_model}", keeps_records)
    rules.add_perm(f"tenancy.change_{_model}", keeps_records)
