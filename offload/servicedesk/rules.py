"""Who may do what on tickets, as `rules` permissions keyed on the acting membership's role.

Reading is decided by the scope (which tickets exist for the actor); these rules decide writing.
Services check them and raise PermissionDenied; views and templates may ask the same questions
to hide buttons. The role is read from the active Scope, and only when that scope is this very
user's (a service called with one user inside another user's scope gets no rights).
"""

from __future__ import annotations

import rules

from offload.accounts.choices import Role
from offload.tenancy.scoping import active_scope_or_none

# Staff who work tickets: reply, note, assign, move through the workflow, log time.
AGENT_ROLES = frozenset(
    {Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN, Role.NOC_LEAD, Role.NOC_AGENT}
)
# Staff who run the desk: merge, split, bulk changes, categories, matrix, shared canned replies.
DESK_MANAGER_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.NOC_LEAD})
CLIENT_ROLE_NAMES = frozenset({Role.CLIENT_ADMIN, Role.CLIENT_USER})
# Everyone who may open a ticket (finance and provider admins read, they do not raise tickets).
REQUESTER_ROLES = AGENT_ROLES | CLIENT_ROLE_NAMES


def acting_role(user) -> str:
    """The role `user` acts in right now, or "" when the active scope is not theirs."""
    scope = active_scope_or_none()
    if scope is None or user is None or scope.user_id != getattr(user, "pk", None):
        return ""
    return scope.role


@rules.predicate
def is_agent(user, obj=None) -> bool:
    return acting_role(user) in AGENT_ROLES


@rules.predicate
def is_desk_manager(user, obj=None) -> bool:
    return acting_role(user) in DESK_MANAGER_ROLES


@rules.predicate
def is_requester_role(user, obj=None) -> bool:
    return acting_role(user) in REQUESTER_ROLES


@rules.predicate
def is_client(user, obj=None) -> bool:
    return acting_role(user) in CLIENT_ROLE_NAMES


rules.add_perm("servicedesk.open_ticket", is_requester_role)
rules.add_perm("servicedesk.reply_ticket", is_agent | is_client)
rules.add_perm("servicedesk.note_ticket", is_agent)
rules.add_perm("servicedesk.work_ticket", is_agent)
# A client may close their ticket or reopen it; every other transition is staff work.
rules.add_perm("servicedesk.close_ticket", is_agent | is_client)
rules.add_perm("servicedesk.reopen_ticket", is_agent | is_client)
rules.add_perm("servicedesk.watch_ticket", is_agent)
rules.add_perm("servicedesk.merge_ticket", is_desk_manager)
rules.add_perm("servicedesk.split_ticket", is_desk_manager)
rules.add_perm("servicedesk.bulk_update_tickets", is_desk_manager)
rules.add_perm("servicedesk.log_time", is_agent)
rules.add_perm("servicedesk.manage_desk", is_desk_manager)


# SLA calendars and policies, webhooks: the MSP's owner and service managers; agents read SLA setup.
SLA_MANAGER_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER})


@rules.predicate
def is_sla_manager(user, obj=None) -> bool:
    return acting_role(user) in SLA_MANAGER_ROLES


rules.add_perm("servicedesk.view_sla", is_agent)
rules.add_perm("servicedesk.manage_sla", is_sla_manager)
rules.add_perm("servicedesk.manage_webhooks", is_sla_manager)
