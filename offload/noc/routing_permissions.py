"""Who may read and change the scope matrix and routing rules, and who triages tickets.

The MSP decides what its NOC may take (owners and service managers edit, technicians and the NOC
read); technicians triage and approve hand-overs. The role is the acting scope's, as in
offload.servicedesk.rules.
"""

from __future__ import annotations

import rules

from offload.accounts.choices import Role
from offload.servicedesk.rules import acting_role

ROUTING_EDITOR_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER})
ROUTING_READER_ROLES = ROUTING_EDITOR_ROLES | {Role.TECHNICIAN, Role.NOC_LEAD, Role.NOC_AGENT}
TRIAGER_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN})


@rules.predicate
def is_routing_editor(user, obj=None) -> bool:
    return acting_role(user) in ROUTING_EDITOR_ROLES


@rules.predicate
def is_routing_reader(user, obj=None) -> bool:
    return acting_role(user) in ROUTING_READER_ROLES


@rules.predicate
def is_triager(user, obj=None) -> bool:
    return acting_role(user) in TRIAGER_ROLES


rules.add_perm("noc.view_routing", is_routing_reader)
rules.add_perm("noc.manage_routing", is_routing_editor)
rules.add_perm("noc.triage_ticket", is_triager)
