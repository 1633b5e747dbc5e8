"""Recurring maintenance: schedules open NOC tickets with their runbook, exactly once per occurrence."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from offload.core.errors import DomainError, PermissionDenied
from offload.noc.models import Delegation, MaintenanceOccurrence, TicketRunbook
from offload.noc.services import maintenance as mx
from offload.noc.services import runbooks as rb
from offload.servicedesk.choices import TicketKind, TicketSource
from offload.servicedesk.models import Ticket
from offload.tenancy.scoping import system_scope

UTC = dt.UTC
MONDAY_JAN_5 = dt.datetime(2026, 1, 5, 5, 0, tzinfo=UTC)  # 06:00 in Berlin


def _schedule(world, acting_as, **overrides):
    owner = world.user("msp_owner")
    values = {
        "client": world.clients["a1"],
        "title": "Patch the file server",
        "rrule": "FREQ=MONTHLY;BYDAY=1MO",
        "starts_on": dt.date(2026, 1, 1),
        "at_time": dt.time(6, 0),
        "time_zone": "Europe/Berlin",
        "now": dt.datetime(2026, 1, 1, tzinfo=UTC),
    }
    values.update(overrides)
    with acting_as("msp_owner"):
        return mx.save_schedule(actor=owner, **values)


def _site_of(world, key):
    with system_scope("test data"):
        return world.clients[key].sites.first()


def _tickets():
    with system_scope("test check"):
        return list(Ticket.objects.filter(kind=TicketKind.MAINTENANCE).order_by("id"))


@pytest.mark.django_db
def test_a_due_occurrence_opens_one_noc_ticket_with_its_runbook(world, acting_as):
    """On the first Monday at 06:00 Berlin time the schedule opens a maintenance ticket for the
    client, with the schedule's runbook attached and offered to the NOC; the next run is a month on."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        runbook = rb.save_runbook(
            actor=owner, msp_id=world.msp_a.pk, name="Patching", steps=[{"title": "Snapshot first"}]
        )
    schedule = _schedule(world, acting_as, runbook=runbook, lead_minutes=60)
    assert schedule.next_due_at == MONDAY_JAN_5 - dt.timedelta(hours=1)

    assert mx.generate_due_maintenance(now=MONDAY_JAN_5 - dt.timedelta(hours=2)) == 0
    assert mx.generate_due_maintenance(now=MONDAY_JAN_5 - dt.timedelta(minutes=59)) == 1
    [ticket] = _tickets()
    assert (ticket.client_id, ticket.source, ticket.kind) == (
        world.clients["a1"].pk,
        TicketSource.SCHEDULE,
        TicketKind.MAINTENANCE,
    )
    assert ticket.subject == "Patch the file server — Mon 05 Jan 2026 06:00"
    with system_scope("test check"):
        assert TicketRunbook.objects.get(ticket=ticket).name == "Patching"
        assert Delegation.objects.filter(ticket=ticket, is_active=True).exists()
        schedule.refresh_from_db()
    assert schedule.next_due_at == dt.datetime(2026, 2, 2, 4, 0, tzinfo=UTC)  # 06:00 CET minus the lead


@pytest.mark.django_db
def test_a_rerun_or_a_second_scheduler_never_opens_a_duplicate(world, acting_as):
    """Running the job again for the same moment, or for a schedule whose due time was reset by a
    restarted scheduler, finds the occurrence and opens nothing."""
    schedule = _schedule(world, acting_as)
    assert mx.generate_due_maintenance(now=MONDAY_JAN_5) == 1
    assert mx.generate_due_maintenance(now=MONDAY_JAN_5) == 0
    with system_scope("a restarted scheduler lost its place"):
        schedule.refresh_from_db()
        schedule.next_due_at = MONDAY_JAN_5 - dt.timedelta(days=1)
        schedule.save(update_fields=["next_due_at"])
    assert mx.generate_due_maintenance(now=MONDAY_JAN_5 + dt.timedelta(minutes=5)) == 0
    assert len(_tickets()) == 1


@pytest.mark.django_db
def test_a_scheduler_down_for_weeks_catches_up_only_a_week(world, acting_as):
    """A daily schedule whose scheduler was down for three weeks opens the last week's tickets,
    not three weeks of stale ones."""
    _schedule(world, acting_as, rrule="FREQ=DAILY", at_time=dt.time(9, 0), time_zone="UTC")
    opened = mx.generate_due_maintenance(now=dt.datetime(2026, 1, 22, 9, 30, tzinfo=UTC))
    assert opened == 7
    assert _tickets()[0].subject.startswith("Patch the file server — Fri 16 Jan 2026")


@pytest.mark.django_db
def test_bad_rules_and_foreign_sites_are_refused(world, acting_as):
    """A rule that cannot be read, an unknown zone or a site of another client is refused with the field."""
    for overrides, field in (
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"time_zone": "Mars/Olympus"}, "rrule"),
        ({"site": _site_of(world, "a2")}, "site"),
    ):
        with pytest.raises(DomainError) as refused:
            _schedule(world, acting_as, **overrides)
        assert refused.value.field == field


@pytest.mark.django_db
def test_clients_and_finance_cannot_schedule_work(world, acting_as):
    """Only MSP owners, service managers and technicians create schedules."""
    for role in ("client_admin", "finance"):
        with acting_as(role), pytest.raises(PermissionDenied):
            mx.save_schedule(
                actor=world.user(role),
                client=world.clients["a1"],
                title="x",
                rrule="FREQ=DAILY",
                starts_on=dt.date(2026, 1, 1),
                at_time=dt.time(9),
                time_zone="UTC",
            )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database (SQLite's in-memory test database is one writer)",
)
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_open_one_ticket(world, acting_as):
    """Two workers running the job at the same moment (a second scheduler) open the ticket once."""
    _schedule(world, acting_as)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(mx.generate_due_maintenance(now=MONDAY_JAN_5))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    with system_scope("test check"):
        assert MaintenanceOccurrence.objects.count() == 1
        assert Ticket.objects.filter(kind=TicketKind.MAINTENANCE).count() == 1
