"""Logging time on tickets (priced by later issues)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk import events
from offload.servicedesk.choices import WorkType
from offload.servicedesk.models import Ticket, TicketEntry, TimeEntry
from offload.servicedesk.services.guards import require

MAX_MINUTES = 24 * 60


def log_time(
    *,
    actor: User,
    ticket: Ticket,
    minutes: int,
    started_at: datetime | None = None,
    is_billable: bool = True,
    work_type: str = WorkType.REMOTE_SUPPORT,
    note: str = "",
    entry: TicketEntry | None = None,
) -> TimeEntry:
    """Record `minutes` of the actor's work on `ticket`; records `ticket.time_logged` (staff only).

    Without `started_at` the work is taken to have just ended. Minutes are kept raw: rounding
    and minimums belong to invoicing.
    """
    require(actor, "servicedesk.log_time", ticket)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        raise DomainError(
            f"Minutes must be between 1 and {MAX_MINUTES}.", code="invalid_minutes", field="minutes"
        )
    if work_type not in WorkType.values:
        raise DomainError(f"Unknown work type {work_type!r}.", code="invalid_choice", field="work_type")
    if entry is not None and entry.ticket_id != ticket.pk:
        raise DomainError("That message belongs to another ticket.", code="foreign_reference", field="entry")
    now = timezone.now()
    started_at = started_at or now - timedelta(minutes=minutes)
    if started_at > now + timedelta(minutes=5):
        raise DomainError("Time cannot be logged in the future.", code="in_future", field="started_at")
    with transaction.atomic():
        time_entry = TimeEntry.objects.create(
            msp_id=ticket.msp_id,
            ticket=ticket,
            user=actor,
            entry=entry,
            minutes=minutes,
            started_at=started_at,
            is_billable=is_billable,
            work_type=work_type,
            note=note[:5000],
        )
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=events.TIME_LOGGED,
            data={
                "time_entry": time_entry.pk,
                "minutes": minutes,
                "is_billable": is_billable,
                "work_type": work_type,
            },
        )
    return time_entry
