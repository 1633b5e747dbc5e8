"""Domain events of a ticket, written as system rows of its thread (the timeline and the audit).

Every service that changes a ticket records what happened here, in its own transaction. Later
side effects (notifications, webhooks, SLA re-evaluation) subscribe to `ticket_event_committed`,
which is sent only after the transaction commits — a rolled-back change notifies nobody, and the
listener gets ids to reload rather than objects that may be stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from offload.servicedesk.choices import EntryKind, Visibility
from offload.servicedesk.models import Ticket, TicketEntry

# Sent after commit with `entry_ids` (list[int]) and `events` (list[str]): the hook for side effects.
# Also `refs`: (entry id, msp id, ticket id, event or kind) per entry, as recorded, so that a
# subscriber that only needs which tickets of which MSP need not reload the rows (one query less
# per subscriber and commit); `ticket_kinds`: {ticket id: kind} for the tickets the recording
# service held in memory. Subscribers must accept their absence (older senders, tests).
ticket_event_committed = Signal()

CREATED = "ticket.created"
FIELDS_CHANGED = "ticket.fields_changed"
ASSIGNED = "ticket.assigned"
STATUS_CHANGED = "ticket.status_changed"
REPLIED = "ticket.replied"
NOTED = "ticket.noted"
ATTACHED = "ticket.attachment_added"
WATCHER_ADDED = "ticket.watcher_added"
MERGED_INTO = "ticket.merged_into"
MERGED_FROM = "ticket.merged_from"
SPLIT_TO = "ticket.split_to"
SPLIT_FROM = "ticket.split_from"
TIME_LOGGED = "ticket.time_logged"

# End users see these happen to their ticket; everything else is staff-only timeline.
PUBLIC_EVENTS = frozenset({CREATED, STATUS_CHANGED, MERGED_INTO})


def build_event(
    *, ticket: Ticket, actor: Any, event: str, data: dict[str, Any] | None = None, at: datetime | None = None
) -> TicketEntry:
    """An unsaved system row for `event` on `ticket` (bulk services save many in one query)."""
    return TicketEntry(
        msp_id=ticket.msp_id,
        ticket=ticket,
        kind=EntryKind.EVENT,
        visibility=Visibility.PUBLIC if event in PUBLIC_EVENTS else Visibility.MSP_INTERNAL,
        author_user=actor if getattr(actor, "pk", None) else None,
        event=event,
        data=data or {},
        created_at=at or timezone.now(),
    )


def record_event(
    *, ticket: Ticket, actor: Any, event: str, data: dict[str, Any] | None = None, at: datetime | None = None
) -> TicketEntry:
    """Write one system row on `ticket`'s timeline and announce it after commit."""
    entry = build_event(ticket=ticket, actor=actor, event=event, data=data, at=at)
    entry.save(force_insert=True)
    announce([entry])
    return entry


def record_events(entries: Iterable[TicketEntry]) -> list[TicketEntry]:
    """Save many built events in one query and announce them after commit."""
    rows = TicketEntry.objects.bulk_create(list(entries))
    announce(rows)
    return rows


def announce(entries: list[TicketEntry]) -> None:
    """Send `ticket_event_committed` for `entries` once the surrounding transaction commits."""
    if not entries:
        return
    entry_ids = [e.pk for e in entries if e.pk is not None]
    names = [e.event or e.kind for e in entries]
    refs = [(e.pk, e.msp_id, e.ticket_id, e.event or e.kind) for e in entries if e.pk is not None]
    ticket_field = TicketEntry._meta.get_field("ticket")
    kinds = {e.ticket_id: e.ticket.kind for e in entries if ticket_field.is_cached(e)}
    transaction.on_commit(
        lambda: ticket_event_committed.send(
            sender=Ticket, entry_ids=entry_ids, events=names, refs=refs, ticket_kinds=kinds
        )
    )
