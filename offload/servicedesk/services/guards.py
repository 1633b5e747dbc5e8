"""Small checks every service shares: permissions, and who a client actor is."""

from __future__ import annotations

import rules

from offload.accounts.choices import CLIENT_ROLES, MSP_ROLES
from offload.accounts.models import Membership, User
from offload.core.errors import DomainError, PermissionDenied
from offload.servicedesk.models import Ticket
from offload.servicedesk.rules import AGENT_ROLES, acting_role
from offload.tenancy.choices import AgreementStatus
from offload.tenancy.models import Contact, ServiceAgreement
from offload.tenancy.scoping import active_scope_or_none, system_scope


def require(actor: User | None, permission: str, obj: object = None) -> None:
    """Raise PermissionDenied unless `actor`, in the role they act in now, holds `permission`."""
    scope = active_scope_or_none()
    if actor is None and scope is not None and scope.is_system:
        return  # system work (mail intake, alerts, loaders) acts for nobody and is trusted
    if not rules.has_perm(permission, actor, obj):
        raise PermissionDenied(
            f"Your role may not do this ({permission.split('.', 1)[-1].replace('_', ' ')}).",
            code="permission_denied",
        )


def is_client_actor(actor: User | None) -> bool:
    return acting_role(actor) in CLIENT_ROLES


def acting_contact(actor: User, *, msp_id: int) -> Contact | None:
    """The contact a client-role actor is at `msp_id`'s client, or None for staff."""
    if not is_client_actor(actor):
        return None
    membership = (
        Membership.objects.filter(user=actor, msp_id=msp_id, role__in=list(CLIENT_ROLES), is_active=True)
        .select_related("contact")
        .first()
    )
    return membership.contact if membership else None


def workable_clients(user: User, *, msp_id: int) -> tuple[bool, frozenset[int]]:
    """Which of `msp_id`'s clients `user` may be given work for: (all of them?, else these ids).

    MSP agents of that MSP qualify unless limited to some clients; provider agents qualify while
    an active agreement with the MSP covers the client. Finance and client roles never do.
    """
    clients: set[int] = set()
    with system_scope("whether a colleague may work a ticket is decided from their memberships"):
        memberships = Membership.objects.filter(user=user, is_active=True, role__in=list(AGENT_ROLES))
        for membership in memberships.prefetch_related("limited_to_clients"):
            if membership.role in MSP_ROLES:
                if membership.msp_id != msp_id:
                    continue
                limited = {c.id for c in membership.limited_to_clients.all()}
                if not limited:
                    return True, frozenset()
                clients |= limited
                continue
            if membership.provider_id is None:
                continue
            agreements = ServiceAgreement.objects.filter(
                provider_id=membership.provider_id, msp_id=msp_id, status=AgreementStatus.ACTIVE
            ).prefetch_related("clients")
            for agreement in agreements:
                if agreement.covers_all_clients:
                    return True, frozenset()
                clients |= {c.id for c in agreement.clients.all()}
    return False, frozenset(clients)


def check_can_work_on(user: User, ticket: Ticket) -> None:
    """Refuse to assign (or add as watcher) someone who cannot see and work this ticket."""
    every, clients = workable_clients(user, msp_id=ticket.msp_id)
    if not every and ticket.client_id not in clients:
        raise DomainError(
            f"{user} does not work for this ticket's client.", code="not_a_colleague", field="assignee"
        )
