"""Who held a ticket's clock: its client-facing time split by holder, and SLA breaches attributed.

The split is read from the ticket's own timeline (status changes and delegation events), so it
needs no bookkeeping of its own and stays right when it is re-read later:

- waiting on client / waiting on vendor: the client or the vendor holds it;
- otherwise the NOC while a delegation is offered (its accept window), accepted or rejected back
  to it, and the MSP the rest of the time (including review of completed work);
- the clock stops when the ticket is resolved or closed, and runs again when it is reopened.

Minutes are business minutes of the ticket's SLA calendar when it has one, else calendar minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from offload.core.businesstime import Calendar, business_minutes_between
from offload.noc.choices import Holder
from offload.servicedesk import events as sd_events
from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.models import Ticket, TicketClock, TicketEntry, TicketSla

NOC_HOLDS = {"delegation.offered", "delegation.accepted", "delegation.rejected"}
MSP_HOLDS = {
    "delegation.completed",
    "delegation.declined",
    "delegation.returned",
    "delegation.approved",
    "delegation.cancelled",
}
STOPPED = {TicketStatus.RESOLVED, TicketStatus.CLOSED}
HOLDER_EVENTS = sorted({sd_events.STATUS_CHANGED, *NOC_HOLDS, *MSP_HOLDS})


@dataclass(frozen=True)
class Span:
    holder: str
    start: dt.datetime
    end: dt.datetime
    minutes: int


@dataclass
class HolderSplit:
    """Minutes per holder, the spans they come from, and breaches with the holder at that moment."""

    minutes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Holder.values, 0))
    spans: list[Span] = field(default_factory=list)
    breaches: list[dict[str, object]] = field(default_factory=list)
    business_minutes: bool = False

    @property
    def total(self) -> int:
        return sum(self.minutes.values())

    def rows(self) -> list[dict[str, object]]:
        """(holder, label, minutes, percent) rows for a table or a bar."""
        total = self.total or 1
        return [
            {"holder": h, "label": Holder(h).label, "minutes": m, "percent": round(100 * m / total)}
            for h, m in self.minutes.items()
        ]

    def holder_at(self, moment: dt.datetime) -> str | None:
        for span in self.spans:
            if span.start <= moment < span.end:
                return span.holder
        return self.spans[-1].holder if self.spans and moment >= self.spans[-1].end else None


def _measure(calendar: Calendar | None, a: dt.datetime, b: dt.datetime) -> int:
    if b <= a:
        return 0
    if calendar is None:
        return int((b - a).total_seconds() // 60)
    return business_minutes_between(calendar, a, b)


def split_from_events(
    *,
    created_at: dt.datetime,
    initial_status: str,
    timeline: Iterable[tuple[dt.datetime, str, dict]],
    now: dt.datetime,
    calendar: Calendar | None = None,
) -> HolderSplit:
    """The split for a ticket created at `created_at`, given its (at, event, data) rows in order."""
    split = HolderSplit(business_minutes=calendar is not None)
    status = initial_status
    base = Holder.MSP
    cursor = created_at

    def holder() -> str | None:
        if status in STOPPED:
            return None
        if status == TicketStatus.WAITING_ON_CLIENT:
            return Holder.CLIENT
        if status == TicketStatus.WAITING_ON_VENDOR:
            return Holder.VENDOR
        return base

    def close(until: dt.datetime) -> None:
        who = holder()
        if who is not None and until > cursor:
            minutes = _measure(calendar, cursor, until)
            split.minutes[who] += minutes
            split.spans.append(Span(who, cursor, until, minutes))

    for at, event, data in timeline:
        at = max(at, cursor)
        close(at)
        cursor = at
        if event == sd_events.STATUS_CHANGED:
            status = str(data.get("to") or status)
        elif event in NOC_HOLDS:
            base = Holder.NOC
        elif event in MSP_HOLDS:
            base = Holder.MSP
    close(max(now, cursor))
    return split


def _ticket_calendar(ticket: Ticket) -> Calendar | None:
    sla = TicketSla.objects.filter(ticket=ticket).select_related("calendar").first()
    if sla is None or sla.calendar is None:
        return None
    try:
        return sla.calendar.calendar()
    except (ValueError, KeyError, TypeError):
        return None


def holder_split(ticket: Ticket, *, now: dt.datetime | None = None) -> HolderSplit:
    """The ticket's client-facing time by holder, with its SLA breaches attributed (3 queries)."""
    now = now or timezone.now()
    end = (ticket.closed_at or ticket.resolved_at) if ticket.status in STOPPED else None
    rows: Sequence[tuple[dt.datetime, str, dict]] = list(
        TicketEntry.objects.filter(ticket=ticket, event__in=HOLDER_EVENTS)
        .order_by("created_at", "id")
        .values_list("created_at", "event", "data")
    )
    split = split_from_events(
        created_at=ticket.created_at,
        initial_status=TicketStatus.NEW,
        timeline=rows,
        now=end or now,
        calendar=_ticket_calendar(ticket),
    )
    for clock in TicketClock.objects.filter(ticket=ticket, state="breached").order_by("deadline"):
        if clock.deadline is None:
            continue
        split.breaches.append(
            {"clock": clock.clock, "deadline": clock.deadline, "holder": split.holder_at(clock.deadline)}
        )
    return split


@dataclass(frozen=True)
class HolderReport:
    tickets: int
    totals: dict[str, int]
    breaches: dict[str, int]
    clients: list[tuple[str, dict[str, int]]]
    holders: list[tuple[str, str]]


def msp_holder_report(
    *, since: dt.datetime, now: dt.datetime | None = None, limit: int = 2000
) -> HolderReport:
    """The SLA-by-holder report of the scope's tickets created since `since`: minutes per holder,
    breaches per holder, and per client rows (calendar minutes; three queries whatever the size)."""
    now = now or timezone.now()
    tickets = list(
        Ticket.objects.filter(created_at__gte=since).select_related("client").order_by("-created_at")[:limit]
    )
    ids = [t.pk for t in tickets]
    timelines: dict[int, list[tuple[dt.datetime, str, dict]]] = {pk: [] for pk in ids}
    for ticket_id, at, event, data in (
        TicketEntry.objects.filter(ticket_id__in=ids, event__in=HOLDER_EVENTS)
        .order_by("created_at", "id")
        .values_list("ticket_id", "created_at", "event", "data")
    ):
        timelines[ticket_id].append((at, event, data))
    breaches: dict[int, list[dt.datetime]] = {}
    for ticket_id, deadline in TicketClock.objects.filter(
        ticket_id__in=ids, state="breached", deadline__isnull=False
    ).values_list("ticket_id", "deadline"):
        if deadline is not None:
            breaches.setdefault(ticket_id, []).append(deadline)
    totals = dict.fromkeys(Holder.values, 0)
    breach_totals = dict.fromkeys(Holder.values, 0)
    per_client: dict[str, dict[str, int]] = {}
    for ticket in tickets:
        end = (ticket.closed_at or ticket.resolved_at) if ticket.status in STOPPED else None
        split = split_from_events(
            created_at=ticket.created_at,
            initial_status=TicketStatus.NEW,
            timeline=timelines[ticket.pk],
            now=end or now,
        )
        row = per_client.setdefault(ticket.client.name, dict.fromkeys(Holder.values, 0))
        for holder, minutes in split.minutes.items():
            totals[holder] += minutes
            row[holder] += minutes
        for deadline in breaches.get(ticket.pk, []):
            who = split.holder_at(deadline)
            if who is not None:
                breach_totals[who] += 1
    return HolderReport(
        tickets=len(tickets),
        totals=totals,
        breaches=breach_totals,
        clients=sorted(per_client.items()),
        holders=[(h.value, str(h.label)) for h in Holder],
    )
