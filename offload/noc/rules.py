"""Who may do what with delegations and agreement terms (`rules` permissions keyed on the role).

The MSP's technicians, service managers and owners offer work to the NOC and review it; the
provider's NOC agents and leads accept, decline, complete and return it; provider admins set the
terms of their agreements. The role is the acting scope's, as in offload.servicedesk.rules.
"""

from __future__ import annotations

import rules

from offload.accounts.choices import Role
from offload.servicedesk.rules import acting_role

DELEGATOR_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN})
NOC_WORKER_ROLES = frozenset({Role.NOC_AGENT, Role.NOC_LEAD})
TERMS_EDITOR_ROLES = frozenset({Role.PROVIDER_ADMIN})
TERMS_READER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.NOC_LEAD, Role.MSP_OWNER, Role.SERVICE_MANAGER})


@rules.predicate
def is_delegator(user, obj=None) -> bool:
    return acting_role(user) in DELEGATOR_ROLES


@rules.predicate
def is_noc_worker(user, obj=None) -> bool:
    return acting_role(user) in NOC_WORKER_ROLES


@rules.predicate
def is_terms_editor(user, obj=None) -> bool:
    return acting_role(user) in TERMS_EDITOR_ROLES


@rules.predicate
def is_terms_reader(user, obj=None) -> bool:
    return acting_role(user) in TERMS_READER_ROLES


rules.add_perm("noc.offer_delegation", is_delegator)
rules.add_perm("noc.review_delegation", is_delegator)
rules.add_perm("noc.work_delegation", is_noc_worker)
rules.add_perm("noc.edit_terms", is_terms_editor)
rules.add_perm("noc.view_terms", is_terms_reader | is_terms_editor)
