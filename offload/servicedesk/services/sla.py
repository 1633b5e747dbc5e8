"""SLA: configuration services (calendars, policies, who gets which) and the per-ticket clocks.

The clocks are computed by the pure engine (`offload.servicedesk.sla.evaluate_sla`) from the
ticket's whole timeline — its thread's event rows and replies — every time, so a priority or
policy change re-measures from the start and the pause ledger (derived from the status history)
survives it. `evaluate_ticket_sla` stores the result (TicketSla, TicketClock, TicketPause),
records `sla.warning` / `sla.breached` on the timeline exactly once each (under a row lock, so
the timer task and the sweeper may both run), sends notifications (held until business hours
when the policy says so) and schedules the next timer. Rules: docs/adr/0004-sla-clock.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from offload.accounts.choices import CLIENT_ROLES
from offload.accounts.models import Membership, User
from offload.core.businesstime import Calendar, is_open, next_open, parse_ical_holidays
from offload.core.errors import DomainError
from offload.servicedesk import events
from offload.servicedesk.choices import DONE_STATUSES, EntryKind, Priority, TicketStatus
from offload.servicedesk.models import (
    BusinessCalendar,
    CalendarAssignment,
    ClientSlaPolicy,
    SlaPolicy,
    Ticket,
    TicketClock,
    TicketEntry,
    TicketPause,
    TicketSla,
)
from offload.servicedesk.models.sla import TARGET_NAMES
from offload.servicedesk.services.guards import require
from offload.servicedesk.sla import (
    AgentReplied,
    Clock,
    ClockResult,
    ClockState,
    Closed,
    Created,
    CustomerMessaged,
    Event,
    Policy,
    PolicyChanged,
    Reopened,
    Resolved,
    SlaReport,
    StatusChanged,
    evaluate_sla,
)
from offload.tenancy.models import MSP, Client, Site

log = logging.getLogger(__name__)

SLA_WARNING = "sla.warning"
SLA_BREACHED = "sla.breached"
SLA_EVENTS = frozenset({SLA_WARNING, SLA_BREACHED})
# Events on the thread that can change a clock; everything else (notes, watchers, time) cannot.
_CLOCK_EVENTS = frozenset(
    {events.CREATED, events.STATUS_CHANGED, events.ASSIGNED, events.FIELDS_CHANGED, events.MERGED_INTO}
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_TARGET_MINUTES = 60 * 24 * 365


# --- configuration --------------------------------------------------------------------------------


def _clean_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A calendar spec checked by building it; answered in the engine's own normal form."""
    try:
        return Calendar.from_spec(spec).to_spec()
    except (ValueError, KeyError, TypeError) as exc:
        message = str(exc) or "This is not a valid calendar."
        if "No time zone found" in message or "ZoneInfo" in type(exc).__name__:
            message = "Use an IANA time zone such as Europe/Berlin."
        raise DomainError(f"Invalid calendar: {message}", code="invalid_calendar", field="spec") from exc
    except Exception as exc:  # zoneinfo raises its own errors for unknown zone names
        raise DomainError(
            "Invalid calendar: use an IANA time zone such as Europe/Berlin.",
            code="invalid_calendar",
            field="spec",
        ) from exc


def _unique_default(row: BusinessCalendar | SlaPolicy) -> None:
    if row.is_default:
        type(row).objects.filter(msp_id=row.msp_id, is_default=True).exclude(pk=row.pk).update(
            is_default=False
        )


def _save_named(row: BusinessCalendar | SlaPolicy) -> None:
    try:
        with transaction.atomic():
            _unique_default(row)
            row.save()
    except IntegrityError as exc:
        raise DomainError("That name is taken.", code="duplicate", field="name") from exc


def create_calendar(
    *, actor: User | None, msp: MSP, name: str, spec: dict[str, Any], is_default: bool = False
) -> BusinessCalendar:
    """Add a business calendar to `msp` (SLA managers)."""
    require(actor, "servicedesk.manage_sla")
    name = " ".join(name.split())[:120]
    if not name:
        raise DomainError("A calendar needs a name.", code="required", field="name")
    row = BusinessCalendar(msp=msp, name=name, spec=_clean_spec(spec), is_default=is_default)
    _save_named(row)
    return row


def update_calendar(
    *, actor: User | None, calendar: BusinessCalendar, changes: dict[str, Any]
) -> BusinessCalendar:
    """Change a calendar's name, spec or default flag; the tickets on it are re-evaluated."""
    require(actor, "servicedesk.manage_sla")
    if "name" in changes and changes["name"] is not None:
        calendar.name = " ".join(str(changes["name"]).split())[:120]
        if not calendar.name:
            raise DomainError("A calendar needs a name.", code="required", field="name")
    if changes.get("spec") is not None:
        calendar.spec = _clean_spec(changes["spec"])
    if changes.get("is_default") is not None:
        calendar.is_default = bool(changes["is_default"])
    _save_named(calendar)
    _reevaluate_open(msp_id=calendar.msp_id)
    return calendar


def import_ical_holidays(*, actor: User | None, calendar: BusinessCalendar, ical: bytes | str) -> int:
    """Add the all-day events of an iCal file as holidays of `calendar`; returns how many were new."""
    require(actor, "servicedesk.manage_sla")
    try:
        found = parse_ical_holidays(ical)
    except Exception as exc:  # icalendar raises ValueError and friends for broken files
        raise DomainError("This is not an iCal file we can read.", code="invalid_ical", field="file") from exc
    spec = dict(calendar.spec)
    before = set(spec.get("holidays", [])) | set(spec.get("recurring_holidays", []))
    spec["holidays"] = sorted(set(spec.get("holidays", [])) | {d.isoformat() for d in found.dates})
    spec["recurring_holidays"] = sorted(
        set(spec.get("recurring_holidays", [])) | {f"{m:02d}-{d:02d}" for m, d in found.recurring}
    )
    calendar.spec = _clean_spec(spec)
    calendar.save(update_fields=["spec", "updated_at"])
    after = set(calendar.spec.get("holidays", [])) | set(calendar.spec.get("recurring_holidays", []))
    _reevaluate_open(msp_id=calendar.msp_id)
    return len(after - before)


def delete_calendar(*, actor: User | None, calendar: BusinessCalendar) -> None:
    """Remove a calendar no client or site uses."""
    require(actor, "servicedesk.manage_sla")
    if CalendarAssignment.objects.filter(calendar=calendar).exists():
        raise DomainError("Clients or sites still use this calendar.", code="in_use")
    calendar.delete()
    _reevaluate_open(msp_id=calendar.msp_id)


def _clean_targets(targets: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for priority, row in (targets or {}).items():
        if priority not in Priority.values or not isinstance(row, dict):
            raise DomainError(f"Unknown priority {priority!r}.", code="invalid_targets", field="targets")
        clean_row = {}
        for name, target in row.items():
            if name not in TARGET_NAMES:
                raise DomainError(f"Unknown target {name!r}.", code="invalid_targets", field="targets")
            if target is None:
                continue
            minutes = target.get("minutes") if isinstance(target, dict) else None
            if not isinstance(minutes, int) or not 0 < minutes <= MAX_TARGET_MINUTES:
                raise DomainError(
                    "Targets are whole minutes, at least 1.", code="invalid_targets", field="targets"
                )
            clean_row[name] = {"minutes": minutes, "business_hours": bool(target.get("business_hours", True))}
        clean[priority] = clean_row
    return clean


def _clean_policy_fields(policy: SlaPolicy, data: dict[str, Any]) -> None:
    if data.get("name") is not None:
        policy.name = " ".join(str(data["name"]).split())[:120]
        if not policy.name:
            raise DomainError("A policy needs a name.", code="required", field="name")
    if data.get("targets") is not None:
        policy.targets = _clean_targets(data["targets"])
    if data.get("warn_at") is not None:
        warn = sorted({int(p) for p in data["warn_at"]})
        if any(not 0 < p < 100 for p in warn):
            raise DomainError("Warnings are percentages between 1 and 99.", code="invalid", field="warn_at")
        policy.warn_at = warn
    if data.get("notify_in_business_hours") is not None:
        policy.notify_in_business_hours = bool(data["notify_in_business_hours"])
    if data.get("pausing_statuses") is not None:
        statuses = sorted(set(data["pausing_statuses"]))
        allowed = set(TicketStatus.values) - set(DONE_STATUSES)
        if any(s not in allowed for s in statuses):
            raise DomainError(
                "Only open statuses can pause the clocks.", code="invalid", field="pausing_statuses"
            )
        policy.pausing_statuses = statuses
    if data.get("is_default") is not None:
        policy.is_default = bool(data["is_default"])


def create_policy(*, actor: User | None, msp: MSP, **data: Any) -> SlaPolicy:
    """Add an SLA policy to `msp` (SLA managers)."""
    require(actor, "servicedesk.manage_sla")
    policy = SlaPolicy(msp=msp, name="")
    _clean_policy_fields(policy, data)
    if not policy.name:
        raise DomainError("A policy needs a name.", code="required", field="name")
    _save_named(policy)
    _reevaluate_open(msp_id=msp.pk)
    return policy


def update_policy(*, actor: User | None, policy: SlaPolicy, changes: dict[str, Any]) -> SlaPolicy:
    """Change a policy; every open ticket it governs is re-measured from its whole history."""
    require(actor, "servicedesk.manage_sla")
    _clean_policy_fields(policy, changes)
    _save_named(policy)
    _reevaluate_open(msp_id=policy.msp_id)
    return policy


def delete_policy(*, actor: User | None, policy: SlaPolicy) -> None:
    require(actor, "servicedesk.manage_sla")
    if ClientSlaPolicy.objects.filter(policy=policy).exists():
        raise DomainError("Clients still use this policy.", code="in_use")
    policy.delete()
    _reevaluate_open(msp_id=policy.msp_id)


def assign_calendar(
    *, actor: User | None, client: Client, calendar: BusinessCalendar | None, site: Site | None = None
) -> CalendarAssignment | None:
    """Give `client` (or one of its sites) its own calendar; None returns it to the fallback."""
    require(actor, "servicedesk.manage_sla")
    if site is not None and site.client_id != client.pk:
        raise DomainError("That site belongs to another client.", code="foreign_reference", field="site")
    if calendar is not None and calendar.msp_id != client.msp_id:
        raise DomainError("No such calendar.", code="foreign_reference", field="calendar")
    with transaction.atomic():
        CalendarAssignment.objects.filter(client=client, site=site).delete()
        row = None
        if calendar is not None:
            row = CalendarAssignment.objects.create(
                msp_id=client.msp_id, client=client, site=site, calendar=calendar
            )
    _reevaluate_open(msp_id=client.msp_id, client_id=client.pk)
    return row


def set_client_policy(*, actor: User | None, client: Client, policy: SlaPolicy | None) -> None:
    """Give `client` its own SLA policy (None: the MSP's default applies)."""
    require(actor, "servicedesk.manage_sla")
    if policy is not None and policy.msp_id != client.msp_id:
        raise DomainError("No such policy.", code="foreign_reference", field="policy")
    with transaction.atomic():
        ClientSlaPolicy.objects.filter(client=client).delete()
        if policy is not None:
            ClientSlaPolicy.objects.create(msp_id=client.msp_id, client=client, policy=policy)
    _reevaluate_open(msp_id=client.msp_id, client_id=client.pk)


def _reevaluate_open(*, msp_id: int, client_id: int | None = None) -> None:
    """Queue re-evaluation of the open tickets a configuration change may move (after commit)."""
    from offload.servicedesk.sla_tasks import recompute_ticket_sla

    def enqueue() -> None:
        queryset = TicketSla.objects.filter(msp_id=msp_id, is_closed=False)
        if client_id is not None:
            queryset = queryset.filter(ticket__client_id=client_id)
        for ticket_id in queryset.values_list("ticket_id", flat=True)[:5000]:
            recompute_ticket_sla.enqueue(msp_id, ticket_id)

    transaction.on_commit(enqueue)


# --- what applies to a ticket ---------------------------------------------------------------------


def calendar_for(
    *, msp: MSP, client_id: int, site_id: int | None
) -> tuple[BusinessCalendar | None, Calendar]:
    """The site's calendar, else the client's, else the MSP's default, else 24x7 in the MSP's zone."""
    rows = list(
        CalendarAssignment.objects.filter(client_id=client_id).select_related("calendar").order_by("site_id")
    )
    chosen = next((r.calendar for r in rows if site_id is not None and r.site_id == site_id), None)
    chosen = chosen or next((r.calendar for r in rows if r.site_id is None), None)
    chosen = chosen or BusinessCalendar.objects.filter(msp_id=msp.pk, is_default=True).first()
    if chosen is not None:
        try:
            return chosen, chosen.calendar()
        except (ValueError, KeyError):
            log.warning("calendar %s is invalid; using 24x7", chosen.pk)
    return None, Calendar.twenty_four_seven(msp.time_zone or "UTC")


def policy_for(*, msp_id: int, client_id: int) -> SlaPolicy | None:
    """The client's own policy, else the MSP's default, else none (no clocks)."""
    override = ClientSlaPolicy.objects.filter(client_id=client_id).select_related("policy").first()
    if override is not None:
        return override.policy
    return SlaPolicy.objects.filter(msp_id=msp_id, is_default=True).first()


# --- the timeline ---------------------------------------------------------------------------------


def _status(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("status")
    return value if isinstance(value, str) else None


def build_timeline(
    *,
    ticket: Ticket,
    policy: SlaPolicy,
    calendar: Calendar,
    entries: Iterable[TicketEntry],
    calendar_of_site: Callable[[int | None], Calendar],
) -> tuple[Policy, list[Event]]:
    """The engine's view of `ticket`: the policy at creation and its events, oldest first."""
    pausing = set(policy.pausing_statuses or [])
    rows = sorted(entries, key=lambda e: (e.created_at, e.pk or 0))
    customers = _customer_user_ids(ticket, rows)
    # The priority at creation: the creation event says; else the first priority change's "from";
    # else (nothing ever changed) the ticket's priority now.
    created_priority: str | None = next(
        (r.data.get("priority") for r in rows if r.kind == EntryKind.EVENT and r.event == events.CREATED),
        None,
    )
    if not created_priority:
        changes = [
            r.data["changes"]["priority"]
            for r in rows
            if r.event == events.FIELDS_CHANGED and "priority" in (r.data or {}).get("changes", {})
        ]
        created_priority = changes[0][0] if changes else ticket.priority
    start_policy = policy.engine_policy(created_priority)
    # The ticket starts the timeline, never later than anything that happened to it (imported rows).
    opened = min([ticket.created_at, *(r.created_at for r in rows)])
    timeline: list[Event] = [Created(at=opened, pausing=False)]
    current_priority, current_site = created_priority, None
    for row in rows:
        at = row.created_at
        if row.kind == EntryKind.REPLY:
            if row.author_contact_id or (row.author_user_id and row.author_user_id in customers):
                timeline.append(CustomerMessaged(at=at))
            elif row.author_user_id:
                timeline.append(AgentReplied(at=at))
            continue
        if row.kind != EntryKind.EVENT:
            continue
        data = row.data or {}
        if row.event == events.CREATED:
            continue
        if row.event in {events.STATUS_CHANGED, events.ASSIGNED, events.MERGED_INTO}:
            before = _status(data.get("from"))
            after = TicketStatus.CLOSED if row.event == events.MERGED_INTO else _status(data.get("to"))
            if after is None or after == before:
                continue
            if after == TicketStatus.RESOLVED:
                timeline.append(Resolved(at=at))
            elif after == TicketStatus.CLOSED:
                timeline.append(Closed(at=at))
            else:
                if before in DONE_STATUSES:
                    timeline.append(Reopened(at=at))
                timeline.append(StatusChanged(at=at, status=after, pausing=after in pausing))
        elif row.event == events.FIELDS_CHANGED:
            changes = data.get("changes", {})
            new_priority = changes["priority"][1] if "priority" in changes else current_priority
            new_site = changes["site"][1] if "site" in changes else current_site
            if new_priority != current_priority or "site" in changes:
                timeline.append(
                    PolicyChanged(
                        at=at,
                        policy=policy.engine_policy(new_priority),
                        calendar=calendar_of_site(new_site) if "site" in changes else None,
                    )
                )
            current_priority, current_site = new_priority, new_site
    # The engine wants chronological order; rows written in one transaction share an instant.
    timeline.sort(key=lambda e: e.at)
    return start_policy, timeline


def _customer_user_ids(ticket: Ticket, rows: list[TicketEntry]) -> set[int]:
    authors = {r.author_user_id for r in rows if r.kind == EntryKind.REPLY and r.author_user_id}
    if not authors:
        return set()
    return set(
        Membership.objects.filter(
            user_id__in=authors, msp_id=ticket.msp_id, role__in=list(CLIENT_ROLES)
        ).values_list("user_id", flat=True)
    )


# --- evaluation and storage -----------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Something an SLA notifier is told about: a warning or a breach of one clock."""

    ticket: Ticket
    clock: str
    kind: str  # "warning" or "breach"
    percent: int | None
    deadline: dt.datetime | None


def notify_by_email(notice: Notice) -> None:
    """Mail the assignee (else the team's members) about a warning or breach."""
    ticket = notice.ticket
    recipients: list[str] = []
    if ticket.assignee_id and ticket.assignee and ticket.assignee.email:
        recipients = [ticket.assignee.email]
    elif ticket.team_id and ticket.team:
        recipients = [u.email for u in ticket.team.members.all() if u.email]
    if not recipients:
        return
    what = notice.clock.replace("_", " ")
    if notice.kind == "warning":
        subject = f"[{ticket.reference}] SLA warning: {what} at {notice.percent}%"
    else:
        subject = f"[{ticket.reference}] SLA breached: {what}"
    due = f"Due: {notice.deadline:%Y-%m-%d %H:%M %Z}\n" if notice.deadline else ""
    body = f"{ticket.reference} {ticket.subject}\n{subject.split('] ', 1)[1]}\n{due}"
    brand = getattr(ticket.msp, "brand", None)
    sender = f"{brand.sender_name} <{brand.sender_email}>" if brand else settings.DEFAULT_FROM_EMAIL
    message = EmailMessage(subject=subject, body=body, from_email=sender, to=recipients)
    message.extra_headers["Auto-Submitted"] = "auto-generated"
    try:
        message.send()
    except OSError:  # a mail server that is down must not fail the evaluation; the event is recorded
        log.warning("SLA mail for %s could not be sent", ticket.reference)


# Called for every warning and breach when it is due; other code may append its own notifiers.
NOTIFIERS: list[Callable[[Notice], None]] = [notify_by_email]


def _cycle_key(result: ClockResult) -> str:
    return f"@{result.started_at.isoformat()}" if result.clock is Clock.UPDATE else ""


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def evaluate_ticket_sla(*, ticket_id: int, now: dt.datetime | None = None) -> SlaReport | None:
    """Re-evaluate one ticket's clocks from its whole history and store them (the scope must see it).

    Safe to run any number of times, concurrently too: the TicketSla row is locked, and warnings and
    breaches already recorded are not recorded again. Returns the engine's report (None: no policy).
    """
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_related("msp", "assignee", "team", "msp__brand")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return None
        state = _locked_state(ticket)
        policy = policy_for(msp_id=ticket.msp_id, client_id=ticket.client_id)
        calendar_row, calendar = calendar_for(
            msp=ticket.msp, client_id=ticket.client_id, site_id=ticket.site_id
        )
        if policy is None:
            TicketClock.objects.filter(ticket=ticket).delete()
            state.policy, state.calendar, state.next_deadline, state.next_check_at = (
                None,
                calendar_row,
                None,
                None,
            )
            state.evaluated_at = timezone.now()
            state.save()
            return None
        entries = list(
            TicketEntry.objects.filter(ticket=ticket)
            .filter(kind__in=[EntryKind.REPLY, EntryKind.EVENT])
            .exclude(kind=EntryKind.EVENT, event__in=sorted(SLA_EVENTS))
            .only("id", "kind", "event", "data", "created_at", "author_user_id", "author_contact_id")
        )
        entries = [e for e in entries if e.kind == EntryKind.REPLY or e.event in _CLOCK_EVENTS]
        site_calendars: dict[int | None, Calendar] = {}

        def calendar_of_site(site_id: int | None) -> Calendar:
            if site_id not in site_calendars:
                site_calendars[site_id] = calendar_for(
                    msp=ticket.msp, client_id=ticket.client_id, site_id=site_id
                )[1]
            return site_calendars[site_id]

        # Site changes switch calendars mid-way; the ticket starts on the calendar of its first site.
        first_site = ticket.site_id
        for entry in entries:
            if entry.event == events.FIELDS_CHANGED and "site" in (entry.data or {}).get("changes", {}):
                first_site = entry.data["changes"]["site"][0]
                break
        start_calendar = calendar if first_site == ticket.site_id else calendar_of_site(first_site)
        start_policy, timeline = build_timeline(
            ticket=ticket,
            policy=policy,
            calendar=start_calendar,
            entries=entries,
            calendar_of_site=calendar_of_site,
        )
        moment = max(now or timezone.now(), timeline[-1].at)
        report = evaluate_sla(policy=start_policy, calendar=start_calendar, timeline=timeline, now=moment)
        next_check = _store(ticket, state, report, policy, calendar, calendar_row, moment)
    if next_check is not None and next_check != state_previous_check(state):
        _schedule(ticket.msp_id, ticket.pk, next_check)
    return report


def state_previous_check(state: TicketSla) -> dt.datetime | None:
    return getattr(state, "_previous_check", None)


def _locked_state(ticket: Ticket) -> TicketSla:
    state = TicketSla.objects.select_for_update().filter(ticket=ticket).first()
    if state is None:
        try:
            with transaction.atomic():
                state = TicketSla.objects.create(msp_id=ticket.msp_id, ticket=ticket)
        except IntegrityError:
            pass
        state = TicketSla.objects.select_for_update().get(ticket=ticket)
    state._previous_check = state.next_check_at  # type: ignore[attr-defined]
    return state


def _store(
    ticket: Ticket,
    state: TicketSla,
    report: SlaReport,
    policy: SlaPolicy,
    calendar: Calendar,
    calendar_row: BusinessCalendar | None,
    now: dt.datetime,
) -> dt.datetime | None:
    existing = {c.clock: c for c in TicketClock.objects.filter(ticket=ticket)}
    pending: list[dt.datetime] = []
    notices: list[Notice] = []
    recorded: list[TicketEntry] = []
    for clock, result in report.clocks.items():
        row = existing.pop(clock.value, None) or TicketClock(
            msp_id=ticket.msp_id, ticket=ticket, clock=clock.value
        )
        row.state = result.state.value
        row.target_minutes = result.target_minutes
        row.overridden = result.overridden
        row.started_at = result.started_at
        row.deadline = result.deadline
        row.elapsed_minutes = result.elapsed_minutes
        row.remaining_minutes = result.remaining_minutes
        row.paused_minutes = result.paused_minutes
        row.achieved_at = result.achieved_at
        row.achieved_minutes = result.achieved_minutes
        row.difference_minutes = result.difference_minutes
        row.warnings = [
            {"percent": w.percent, "at": _iso(w.at), "notify_at": _iso(w.notify_at), "reached": w.reached}
            for w in result.warnings
        ]
        cycle = _cycle_key(result)
        warned = list(row.warned or [])
        # The first resolution shares the total resolution's deadline until a reopen, after which
        # it is already achieved: escalating it too would say everything twice.
        live = result.state in {ClockState.RUNNING, ClockState.PAUSED} and clock is not Clock.FIRST_RESOLUTION
        for warning in result.warnings:
            key = f"{warning.percent}{cycle}"
            if key in warned or warning.at is None or warning.notify_at is None:
                continue
            if not live:
                continue
            if warning.notify_at <= now:
                warned.append(key)
                recorded.append(
                    events.build_event(
                        ticket=ticket,
                        actor=None,
                        event=SLA_WARNING,
                        data={
                            "clock": clock.value,
                            "percent": warning.percent,
                            "deadline": _iso(result.deadline),
                            "due_at": _iso(warning.at),
                        },
                        at=now,
                    )
                )
                notices.append(Notice(ticket, clock.value, "warning", warning.percent, result.deadline))
            else:
                pending.append(warning.notify_at)
        row.warned = warned
        if result.state is ClockState.BREACHED and clock is not Clock.FIRST_RESOLUTION:
            key = f"{clock.value}{cycle}"
            if row.breach_key != key:
                row.breach_key = key
                recorded.append(
                    events.build_event(
                        ticket=ticket,
                        actor=None,
                        event=SLA_BREACHED,
                        data={
                            "clock": clock.value,
                            "deadline": _iso(result.deadline),
                            "target_minutes": result.target_minutes,
                            "achieved_minutes": result.achieved_minutes,
                            "difference_minutes": result.difference_minutes,
                        },
                        at=now,
                    )
                )
            if row.breach_notified_key != key:
                notify_at = now
                if policy.notify_in_business_hours and not is_open(calendar, now):
                    notify_at = next_open(calendar, now)
                if notify_at <= now:
                    row.breach_notified_key = key
                    notices.append(Notice(ticket, clock.value, "breach", None, result.deadline))
                else:
                    pending.append(notify_at)
        row.save()
    for stale in existing.values():
        stale.delete()
    _store_pauses(ticket, report)
    if report.next_deadline is not None:
        pending.append(report.next_deadline)
    state.policy = policy
    state.calendar = calendar_row
    state.zone = calendar.zone
    state.next_deadline = report.next_deadline
    state.next_check_at = min(pending) if pending and not report.is_closed else None
    state.evaluated_at = now
    state.is_closed = report.is_closed
    state.save()
    if recorded:
        events.record_events(recorded)
    if notices:
        transaction.on_commit(lambda: _send(notices))
    return state.next_check_at


def _send(notices: list[Notice]) -> None:
    for notice in notices:
        for notifier in NOTIFIERS:
            try:
                notifier(notice)
            except Exception:  # one failing notifier must not stop the others
                log.exception("SLA notifier %r failed", notifier)


def _store_pauses(ticket: Ticket, report: SlaReport) -> None:
    wanted = []
    for pause in report.pauses:
        minutes = sum(
            b.business_minutes
            for b in report.breaks
            if b.start >= pause.start and (pause.end is None or b.end <= pause.end)
        )
        wanted.append((pause.start, pause.end, pause.status, minutes))
    have = [
        (p.started_at, p.ended_at, p.status, p.business_minutes)
        for p in TicketPause.objects.filter(ticket=ticket).order_by("started_at", "id")
    ]
    if have == wanted:
        return
    TicketPause.objects.filter(ticket=ticket).delete()
    TicketPause.objects.bulk_create(
        TicketPause(
            msp_id=ticket.msp_id,
            ticket=ticket,
            started_at=start,
            ended_at=end,
            status=status,
            business_minutes=minutes,
        )
        for start, end, status, minutes in wanted
    )


def _schedule(msp_id: int, ticket_id: int, at: dt.datetime) -> None:
    """A timer: re-evaluate the ticket at `at` (a stale timer finds nothing to do)."""
    from offload.servicedesk.sla_tasks import recompute_ticket_sla

    def enqueue() -> None:
        recompute_ticket_sla.using(run_after=at).enqueue(msp_id, ticket_id)

    transaction.on_commit(enqueue)
