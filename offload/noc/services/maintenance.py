"""Recurring maintenance: save schedules, and turn due occurrences into NOC tickets exactly once.

`generate_due_maintenance` is the periodic job. For each active schedule whose next ticket is due
it locks the schedule row, creates one `MaintenanceOccurrence` per due moment (unique per
schedule and moment, so a second scheduler, a retried task or a re-run finds the row and opens
nothing), opens the ticket, attaches the schedule's runbook and offers the ticket to the NOC.
A scheduler that was down catches up at most CATCH_UP into the past.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import rules
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.models import User
from offload.core.errors import DomainError, NotFound
from offload.core.tasks.periodic import periodic
from offload.noc.models import MaintenanceOccurrence, MaintenanceSchedule, Runbook
from offload.noc.recurrence import RecurrenceError, check_rule, check_zone, next_occurrence, occurrences
from offload.noc.services.delegation import offer_delegation
from offload.noc.services.runbooks import attach_runbook
from offload.servicedesk.choices import TicketKind, TicketSource
from offload.servicedesk.models import Category, Ticket
from offload.servicedesk.rules import acting_role
from offload.servicedesk.services.guards import require
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.models import Asset, Client, Site
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

CATCH_UP = dt.timedelta(days=7)
SCHEDULE_EDITORS = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN})


@rules.predicate
def _edits_schedules(user: Any, obj: Any = None) -> bool:
    return acting_role(user) in SCHEDULE_EDITORS


rules.add_perm("noc.change_maintenance", _edits_schedules)


def access_schedule(schedule_id: int | str) -> MaintenanceSchedule:
    try:
        return MaintenanceSchedule.objects.select_related("client", "runbook", "category").get(
            pk=int(str(schedule_id))
        )
    except (MaintenanceSchedule.DoesNotExist, ValueError):
        raise NotFound("No schedule matches the given query.") from None


def _next_due(schedule: MaintenanceSchedule, after: dt.datetime) -> dt.datetime | None:
    moment = next_occurrence(
        rule=schedule.rrule,
        starts_on=schedule.starts_on,
        at_time=schedule.at_time,
        zone_name=schedule.time_zone,
        after=after,
    )
    return None if moment is None else moment - dt.timedelta(minutes=schedule.lead_minutes)


def save_schedule(
    *,
    actor: User | None,
    client: Client,
    title: str,
    rrule: str,
    starts_on: dt.date,
    at_time: dt.time,
    time_zone: str,
    description: str = "",
    site: Site | None = None,
    asset: Asset | None = None,
    category: Category | None = None,
    runbook: Runbook | None = None,
    lead_minutes: int = 0,
    send_to_noc: bool = True,
    is_active: bool = True,
    schedule: MaintenanceSchedule | None = None,
    now: dt.datetime | None = None,
) -> MaintenanceSchedule:
    """Create or change a schedule; the rule and zone are checked and the next due time computed."""
    require(actor, "noc.change_maintenance")
    if not Client.objects.filter(pk=client.pk).exists():
        raise NotFound("No client matches the given query.")
    title = " ".join(title.split())[:200]
    if not title:
        raise DomainError("A schedule needs a title.", code="required", field="title")
    try:
        rule = check_rule(rrule)
        check_zone(time_zone)
    except RecurrenceError as exc:
        raise DomainError(str(exc), code="invalid", field="rrule") from exc
    for place, field in ((site, "site"), (asset, "asset")):
        if place is not None and place.client_id != client.pk:
            raise DomainError(f"That {field} is not at this client.", code="invalid", field=field)
    for owned, field in ((category, "category"), (runbook, "runbook")):
        if owned is not None and owned.msp_id != client.msp_id:
            raise DomainError(f"Unknown {field}.", code="invalid", field=field)
    if not 0 <= lead_minutes <= 60 * 24 * 14:
        raise DomainError("Lead time is between 0 and 14 days.", code="invalid", field="lead_minutes")
    now = now or timezone.now()
    if schedule is None:
        schedule = MaintenanceSchedule(
            msp_id=client.msp_id, created_by=actor if getattr(actor, "pk", None) else None
        )
    schedule.client = client
    schedule.site = site
    schedule.asset = asset
    schedule.title = title
    schedule.description = description
    schedule.category = category
    schedule.runbook = runbook
    schedule.rrule = rule
    schedule.starts_on = starts_on
    schedule.at_time = at_time
    schedule.time_zone = time_zone
    schedule.lead_minutes = lead_minutes
    schedule.send_to_noc = send_to_noc
    schedule.is_active = is_active
    # The next ticket is the first occurrence whose opening time is still ahead.
    schedule.next_due_at = (
        _next_due(schedule, now + dt.timedelta(minutes=lead_minutes)) if is_active else None
    )
    schedule.save()
    return schedule


def upcoming(
    schedule: MaintenanceSchedule, *, count: int = 5, now: dt.datetime | None = None
) -> list[dt.datetime]:
    """The next `count` occurrences, for the schedule page ("next: Mon 2 Feb 06:00")."""
    moments: list[dt.datetime] = []
    after = now or timezone.now()
    for _ in range(count):
        moment = next_occurrence(
            rule=schedule.rrule,
            starts_on=schedule.starts_on,
            at_time=schedule.at_time,
            zone_name=schedule.time_zone,
            after=after,
        )
        if moment is None:
            break
        moments.append(moment)
        after = moment
    return moments


def _open_occurrence(schedule: MaintenanceSchedule, moment: dt.datetime, now: dt.datetime) -> Ticket | None:
    """Create the occurrence row and its ticket, or nothing if the row already exists."""
    try:
        with transaction.atomic():
            occurrence = MaintenanceOccurrence.objects.create(
                msp_id=schedule.msp_id, schedule=schedule, occurs_at=moment, created_at=now
            )
    except IntegrityError:
        return None
    local = moment.astimezone(check_zone(schedule.time_zone))
    ticket = open_ticket(
        actor=None,
        client=schedule.client,
        site=schedule.site,
        asset=schedule.asset,
        subject=f"{schedule.title} — {local:%a %d %b %Y %H:%M}",
        description=schedule.description or schedule.title,
        source=TicketSource.SCHEDULE,
        kind=TicketKind.MAINTENANCE,
        category=schedule.category,
        at=now,
    )
    occurrence.ticket = ticket
    occurrence.save(update_fields=["ticket"])
    if schedule.runbook_id and schedule.runbook is not None and schedule.runbook.is_active:
        attach_runbook(actor=None, ticket=ticket, runbook=schedule.runbook, at=now)
    if schedule.send_to_noc:
        try:
            with transaction.atomic():
                offer_delegation(actor=None, ticket=ticket, note=f"Scheduled maintenance: {schedule.title}")
        except DomainError as exc:  # no active agreement, say: the MSP keeps the ticket
            log.warning("maintenance ticket %s not offered to the NOC: %s", ticket.reference, exc)
    return ticket


def generate_for_schedule(schedule_id: int, *, now: dt.datetime | None = None) -> list[Ticket]:
    """Open the tickets of every due occurrence of one schedule (inside its MSP's system scope)."""
    now = now or timezone.now()
    opened: list[Ticket] = []
    with transaction.atomic():
        schedule = (
            MaintenanceSchedule.objects.select_for_update(of=("self",))
            .select_related("client", "site", "asset", "category", "runbook")
            .filter(pk=schedule_id, is_active=True)
            .first()
        )
        if schedule is None:
            return opened
        last = schedule.occurrences.order_by("-occurs_at").values_list("occurs_at", flat=True).first()
        if last is None:
            # Nothing generated yet: start just before the first occurrence computed on saving.
            if schedule.next_due_at is None:
                return opened
            last = schedule.next_due_at + dt.timedelta(minutes=schedule.lead_minutes, microseconds=-1)
        window_start = max(last, now - CATCH_UP)
        horizon = now + dt.timedelta(minutes=schedule.lead_minutes)
        for moment in occurrences(
            rule=schedule.rrule,
            starts_on=schedule.starts_on,
            at_time=schedule.at_time,
            zone_name=schedule.time_zone,
            after=window_start,
            until=horizon,
        ):
            ticket = _open_occurrence(schedule, moment, now)
            if ticket is not None:
                opened.append(ticket)
        schedule.next_due_at = _next_due(schedule, horizon)
        schedule.save(update_fields=["next_due_at"])
    return opened


def generate_due_maintenance(*, now: dt.datetime | None = None) -> int:
    """System job: open the tickets of every schedule that is due; returns how many were opened."""
    now = now or timezone.now()
    with system_scope("maintenance: which schedules are due"):
        due = list(
            MaintenanceSchedule.objects.filter(is_active=True, next_due_at__lte=now).values_list(
                "id", "msp_id"
            )
        )
    opened = 0
    for schedule_id, msp_id in due:
        with system_scope("maintenance: open the schedule's tickets", msp_id=msp_id):
            try:
                opened += len(generate_for_schedule(schedule_id, now=now))
            except Exception:  # one broken schedule must not stop the others; the next tick retries
                log.exception("maintenance schedule %s failed", schedule_id)
    return opened


@periodic("*/5 * * * *")
@task(queue_name="default")
def generate_maintenance_tickets() -> int:
    return generate_due_maintenance()
