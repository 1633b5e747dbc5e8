"""Bulk actions on many tickets at once, with a fixed number of queries however many are chosen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk import events
from offload.servicedesk.choices import TicketStatus, Transition
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.selectors import invalidate_queue_counts
from offload.servicedesk.services.guards import require, workable_clients
from offload.servicedesk.services.tickets import STATUS_FIELDS, apply_status

MAX_BULK = 500


@dataclass
class BulkResult:
    """What a bulk action did: the tickets changed, and why each refused one was refused."""

    updated: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def bulk_update(
    *,
    actor: User | None,
    ticket_ids: Iterable[int],
    assignee: User | None = None,
    transition: str | None = None,
) -> BulkResult:
    """Assign to `assignee` and/or apply `transition` to every chosen ticket the actor sees.

    Tickets outside the scope are reported as `not_found`, tickets whose status refuses the
    transition with the refusal's code; the others change together in one transaction. Each
    step is one query for all tickets: lock and read, update, history, timeline events.
    """
    require(actor, "servicedesk.bulk_update_tickets")
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if not ids or len(ids) > MAX_BULK:
        raise DomainError(f"Choose between 1 and {MAX_BULK} tickets.", code="invalid_selection")
    if assignee is None and transition is None:
        raise DomainError("Choose an assignee or a status change.", code="nothing_to_do")
    if transition is not None and (transition not in Transition.values or transition == Transition.ASSIGN):
        raise DomainError(f"Unknown transition {transition!r}.", code="unknown_transition")
    result = BulkResult()
    now = timezone.now()
    with transaction.atomic():
        tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
        seen = {t.pk for t in tickets}
        result.refused.update({i: "not_found" for i in ids if i not in seen})
        allowed: dict[int, tuple[bool, frozenset[int]]] = {}
        if assignee is not None:
            allowed = {
                msp_id: workable_clients(assignee, msp_id=msp_id) for msp_id in {t.msp_id for t in tickets}
            }
        changed: list[Ticket] = []
        built: list[TicketEntry] = []
        for ticket in tickets:
            before = {"assignee": ticket.assignee_id, "status": ticket.status}
            refusal = _apply(ticket, assignee=assignee, transition=transition, allowed=allowed, now=now)
            if refusal is not None:
                result.refused[ticket.pk] = refusal
                continue
            changed.append(ticket)
            result.updated.append(ticket.pk)
            after = {"assignee": ticket.assignee_id, "status": ticket.status}
            built.append(
                events.build_event(
                    ticket=ticket,
                    actor=actor,
                    at=now,
                    event=events.ASSIGNED if assignee is not None else events.STATUS_CHANGED,
                    data={"bulk": True, "transition": transition or "assign", "from": before, "to": after},
                )
            )
        if changed:
            bulk_update_with_history(
                changed,
                Ticket,
                ["assignee", *STATUS_FIELDS],
                default_user=actor if actor else None,
                default_date=now,
                default_change_reason="bulk update",
            )
            events.record_events(built)
            for msp_id in {t.msp_id for t in changed}:
                invalidate_queue_counts(msp_id)
    return result


def _apply(
    ticket: Ticket,
    *,
    assignee: User | None,
    transition: str | None,
    allowed: dict[int, tuple[bool, frozenset[int]]],
    now: datetime,
) -> str | None:
    """Change `ticket` in memory; the refusal code if it cannot take the change."""
    if assignee is not None:
        every, clients = allowed[ticket.msp_id]
        if not every and ticket.client_id not in clients:
            return "not_a_colleague"
        refusal = ticket.refusal(Transition.ASSIGN)
        if refusal is not None:
            return refusal.code
        ticket.assignee = assignee
        if ticket.status in {TicketStatus.NEW, TicketStatus.TRIAGED}:
            apply_status(ticket, TicketStatus.ASSIGNED, at=now)
    if transition is not None:
        refusal = ticket.refusal(transition)
        if refusal is not None:
            return refusal.code
        apply_status(ticket, ticket.target_of(transition), at=now)
    ticket.updated_at = now
    return None
