"""Stored SLA clocks of real tickets: from the thread's events to TicketClock rows, the pause
ledger, timeline events (exactly once) and notifications held until business hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from offload.servicedesk.models import TicketClock, TicketEntry, TicketPause, TicketSla
from offload.servicedesk.services import sla
from offload.servicedesk.services.entries import add_reply
from offload.servicedesk.services.tickets import open_ticket, transition_ticket, update_ticket_fields
from offload.servicedesk.sla_tasks import recompute_ticket_sla, sweep_sla
from offload.servicedesk.tests.sla.helpers import drain
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
UTC = dt.UTC


def office(zone: str, start: str = "09:00", end: str = "17:00") -> dict:
    return {"zone": zone, "week": {d: [[start, end]] for d in ("mon", "tue", "wed", "thu", "fri")}}


def targets(**minutes: int) -> dict:
    return {
        "first_response": {"minutes": minutes.get("fr", 60)},
        "resolution": {"minutes": minutes.get("res", 480)},
    }


@pytest.fixture
def desk(world):
    """MSP A with a Berlin office calendar (default) and a default policy: P3 60/480, P1 15/120."""
    with system_scope("SLA setup", msp_id=world.msp_a.pk):
        calendar = sla.create_calendar(
            actor=None, msp=world.msp_a, name="Berlin office", spec=office("Europe/Berlin"), is_default=True
        )
        policy = sla.create_policy(
            actor=None,
            msp=world.msp_a,
            name="Standard",
            is_default=True,
            targets={"p3": targets(fr=120, res=480), "p1": targets(fr=15, res=120)},
            warn_at=[75],
            notify_in_business_hours=True,
        )
    return world, calendar, policy


def local(zone: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def open_at(world, when: dt.datetime, client: str = "a1", priority: str = "p3", **kwargs):
    with system_scope("open", msp_id=world.msp_a.pk), time_machine.travel(when, tick=False):
        return open_ticket(
            actor=None, client=world.clients[client], subject="Mail is down", priority=priority, **kwargs
        )


def evaluate(world, ticket, when: dt.datetime):
    with system_scope("evaluate", msp_id=world.msp_a.pk), time_machine.travel(when, tick=False):
        return sla.evaluate_ticket_sla(ticket_id=ticket.pk)


def clocks(world, ticket) -> dict[str, TicketClock]:
    with system_scope("read", msp_id=world.msp_a.pk):
        return {c.clock: c for c in TicketClock.objects.filter(ticket=ticket)}


def sla_events(world, ticket, name: str) -> list[TicketEntry]:
    with system_scope("read", msp_id=world.msp_a.pk):
        return list(TicketEntry.objects.filter(ticket=ticket, event=name))


def test_a_new_ticket_gets_its_clocks_stored_through_the_event_listener(
    desk, django_capture_on_commit_callbacks
):
    """Opening a ticket queues an evaluation after commit; the worker stores deadline and elapsed time."""
    world, _calendar, _policy = desk
    when = local(BERLIN, 2024, 3, 4, 10, 0)  # a Monday
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_at(world, when)
    with time_machine.travel(when + dt.timedelta(minutes=30), tick=False):
        drain()
    stored = clocks(world, ticket)
    assert stored["first_response"].deadline == local(BERLIN, 2024, 3, 4, 12, 0)
    assert stored["first_response"].state == "running"
    assert stored["first_response"].elapsed_minutes == 30
    # 480 business minutes: 7 hours on Monday, the eighth on Tuesday morning.
    assert stored["resolution"].deadline == local(BERLIN, 2024, 3, 5, 10, 0)
    with system_scope("read", msp_id=world.msp_a.pk):
        state = TicketSla.objects.get(ticket=ticket)
    # The first thing to watch: the 75% warning of the first response (90 of 120 minutes).
    assert state.next_check_at == local(BERLIN, 2024, 3, 4, 11, 30)


def test_waiting_on_client_pauses_the_clock_and_writes_the_ledger(desk):
    """Time waiting on the client is a ledger row and pushes the deadline out by what it took."""
    world, _calendar, _policy = desk
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0))
    with system_scope("work", msp_id=world.msp_a.pk):
        with time_machine.travel(local(BERLIN, 2024, 3, 4, 10, 10), tick=False):
            transition_ticket(actor=None, ticket=ticket, transition="triage")
        with time_machine.travel(local(BERLIN, 2024, 3, 4, 10, 30), tick=False):
            transition_ticket(actor=None, ticket=ticket, transition="wait_on_client")
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 11, 0))
    assert clocks(world, ticket)["first_response"].state == "paused"
    assert clocks(world, ticket)["first_response"].deadline is None
    with system_scope("customer", msp_id=world.msp_a.pk):
        add_reply(
            actor=None,
            ticket=ticket,
            body="Here is the log",
            author_contact=world.contacts["a1"][0],
            at=local(BERLIN, 2024, 3, 4, 11, 30),
        )
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 11, 45))
    with system_scope("read", msp_id=world.msp_a.pk):
        ledger = list(TicketPause.objects.filter(ticket=ticket).values_list("status", "business_minutes"))
    assert ledger == [("waiting_on_client", 60)]
    first_response = clocks(world, ticket)["first_response"]
    assert first_response.state == "running"
    assert first_response.deadline == local(BERLIN, 2024, 3, 4, 13, 0)
    assert first_response.paused_minutes == 60


def test_priority_change_recalculates_deadlines_and_keeps_the_pause_ledger(desk):
    """Raising P3 to P1 re-measures from creation on the P1 targets; the earlier pause still counts."""
    world, _calendar, _policy = desk
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0))
    with system_scope("work", msp_id=world.msp_a.pk):
        with time_machine.travel(local(BERLIN, 2024, 3, 4, 10, 5), tick=False):
            transition_ticket(actor=None, ticket=ticket, transition="triage")
            transition_ticket(actor=None, ticket=ticket, transition="wait_on_client")
        with time_machine.travel(local(BERLIN, 2024, 3, 4, 10, 35), tick=False):
            transition_ticket(actor=None, ticket=ticket, transition="start_work")
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 10, 40))
    before = clocks(world, ticket)["resolution"]
    assert before.deadline == local(BERLIN, 2024, 3, 5, 10, 30)  # 480 min + 30 paused
    with (
        system_scope("work", msp_id=world.msp_a.pk),
        time_machine.travel(local(BERLIN, 2024, 3, 4, 10, 50), tick=False),
    ):
        update_ticket_fields(actor=None, ticket=ticket, changes={"priority": "p1"})
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 10, 55))
    after = clocks(world, ticket)["resolution"]
    # 120 business minutes from 10:00, plus the 30 paused: 12:30.
    assert after.target_minutes == 120
    assert after.deadline == local(BERLIN, 2024, 3, 4, 12, 30)
    with system_scope("read", msp_id=world.msp_a.pk):
        assert list(TicketPause.objects.filter(ticket=ticket).values_list("status", "business_minutes")) == [
            ("waiting_on_client", 30)
        ]


def test_breach_is_recorded_once_when_timer_and_sweeper_both_run(desk):
    """The deadline's timer task and the sweeper both evaluate a breached ticket: one sla.breached event."""
    world, _calendar, _policy = desk
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0), priority="p1")
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 10, 5))  # timers set; none of them runs
    late = local(BERLIN, 2024, 3, 4, 10, 30)  # first response (15 min) is 15 minutes late
    with time_machine.travel(late, tick=False):
        assert sweep_sla.call() == 1  # the sweeper heals the missed timer...
        recompute_ticket_sla.call(world.msp_a.pk, ticket.pk)  # ...and then the late timer runs
        assert sweep_sla.call() == 0
    breaches = sla_events(world, ticket, sla.SLA_BREACHED)
    assert [b.data["clock"] for b in breaches] == ["first_response"]
    assert breaches[0].visibility == "msp_internal"
    assert clocks(world, ticket)["first_response"].state == "breached"


def test_warning_waits_for_the_next_business_minute(desk):
    """A 24x7 target's warning reached at night is recorded and mailed when the office opens."""
    world, _calendar, policy = desk
    with system_scope("policy", msp_id=world.msp_a.pk):
        sla.update_policy(
            actor=None,
            policy=policy,
            changes={"targets": {"p2": {"resolution": {"minutes": 480, "business_hours": False}}}},
        )
    with system_scope("assignee", msp_id=world.msp_a.pk):
        technician = world.user("technician")
    ticket = open_at(world, local(BERLIN, 2024, 3, 5, 2, 0), priority="p2", assignee=technician)
    # 75% of 8 hours is reached at 08:00; the office opens at 09:00.
    evaluate(world, ticket, local(BERLIN, 2024, 3, 5, 8, 30))
    assert sla_events(world, ticket, sla.SLA_WARNING) == []
    with system_scope("read", msp_id=world.msp_a.pk):
        assert TicketSla.objects.get(ticket=ticket).next_check_at == local(BERLIN, 2024, 3, 5, 9, 0)
    mail.outbox.clear()
    evaluate(world, ticket, local(BERLIN, 2024, 3, 5, 9, 0))
    warnings = sla_events(world, ticket, sla.SLA_WARNING)
    assert [(w.data["clock"], w.data["percent"]) for w in warnings] == [("resolution", 75)]
    assert warnings[0].created_at == local(BERLIN, 2024, 3, 5, 9, 0)
    assert clocks(world, ticket)["resolution"].warned_percents == [75]


def test_warning_mail_goes_to_the_assignee_inside_business_hours(desk, django_capture_on_commit_callbacks):
    """The warning mail reaches the assignee, named by the ticket's reference."""
    world, _calendar, _policy = desk
    with system_scope("assignee", msp_id=world.msp_a.pk):
        technician = world.user("technician")
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0), assignee=technician)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 11, 35))
    sent = [m for m in mail.outbox if "SLA warning" in m.subject]
    assert len(sent) == 1
    assert sent[0].to == [technician.email]
    assert ticket.reference in sent[0].subject


def test_site_calendar_wins_over_client_calendar_which_wins_over_the_msp_default(desk):
    """Site → client → MSP default → 24x7 in the MSP's zone."""
    world, default, _policy = desk
    with system_scope("calendars", msp_id=world.msp_a.pk):
        client = world.clients["a1"]
        site = client.sites.first()
        night = sla.create_calendar(
            actor=None, msp=world.msp_a, name="Night", spec=office("Europe/Berlin", "22:00", "06:00")
        )
        sydney = sla.create_calendar(
            actor=None, msp=world.msp_a, name="Sydney", spec=office("Australia/Sydney")
        )
        assert sla.calendar_for(msp=world.msp_a, client_id=client.pk, site_id=site.pk)[0] == default
        sla.assign_calendar(actor=None, client=client, calendar=sydney)
        assert sla.calendar_for(msp=world.msp_a, client_id=client.pk, site_id=site.pk)[0] == sydney
        sla.assign_calendar(actor=None, client=client, site=site, calendar=night)
        assert sla.calendar_for(msp=world.msp_a, client_id=client.pk, site_id=site.pk)[0] == night
        assert sla.calendar_for(msp=world.msp_a, client_id=client.pk, site_id=None)[0] == sydney
        other = world.clients["a2"]
        assert sla.calendar_for(msp=world.msp_a, client_id=other.pk, site_id=None)[0] == default
        default.is_default = False
        default.save()
        row, fallback = sla.calendar_for(msp=world.msp_a, client_id=other.pk, site_id=None)
        assert row is None
        assert fallback.always_open
        assert fallback.zone == world.msp_a.time_zone


def test_client_policy_overrides_the_msp_default(desk):
    """A client with its own policy is measured on it; the others on the MSP's default."""
    world, _calendar, default = desk
    with system_scope("policies", msp_id=world.msp_a.pk):
        gold = sla.create_policy(
            actor=None, msp=world.msp_a, name="Gold", targets={"p3": targets(fr=30, res=240)}
        )
        sla.set_client_policy(actor=None, client=world.clients["a1"], policy=gold)
        assert sla.policy_for(msp_id=world.msp_a.pk, client_id=world.clients["a1"].pk) == gold
        assert sla.policy_for(msp_id=world.msp_a.pk, client_id=world.clients["a2"].pk) == default
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0))
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 10, 1))
    assert clocks(world, ticket)["first_response"].deadline == local(BERLIN, 2024, 3, 4, 10, 30)


def test_dst_spring_forward_in_berlin(desk):
    """Northern hemisphere: a deadline over the March switch lands on the right local morning."""
    world, _calendar, _policy = desk
    # Friday 29 March 2024, 16:00 CET; the clocks go forward on Sunday 31 March.
    ticket = open_at(world, local(BERLIN, 2024, 3, 29, 16, 0))
    evaluate(world, ticket, local(BERLIN, 2024, 3, 29, 16, 5))
    deadline = clocks(world, ticket)["first_response"].deadline
    assert deadline == local(BERLIN, 2024, 4, 1, 10, 0)
    assert deadline.astimezone(UTC).hour == 8  # CEST is UTC+2 now, it was UTC+1 at creation


def test_dst_autumn_in_sydney_on_a_client_calendar(desk):
    """Southern hemisphere: a client on a Sydney calendar over the April switch (AEDT → AEST)."""
    world, _calendar, _policy = desk
    with system_scope("calendar", msp_id=world.msp_a.pk):
        sydney = sla.create_calendar(
            actor=None, msp=world.msp_a, name="Sydney", spec=office("Australia/Sydney")
        )
        sla.assign_calendar(actor=None, client=world.clients["a2"], calendar=sydney)
    # Friday 5 April 2024, 16:00 AEDT (UTC+11); Sunday 7 April the clocks go back to UTC+10.
    ticket = open_at(world, local(SYDNEY, 2024, 4, 5, 16, 0), client="a2")
    evaluate(world, ticket, local(SYDNEY, 2024, 4, 5, 16, 5))
    deadline = clocks(world, ticket)["first_response"].deadline
    assert deadline == local(SYDNEY, 2024, 4, 8, 10, 0)
    assert deadline.astimezone(UTC) == dt.datetime(2024, 4, 8, 0, 0, tzinfo=UTC)
    with system_scope("read", msp_id=world.msp_a.pk):
        assert TicketSla.objects.get(ticket=ticket).zone == "Australia/Sydney"


def test_closing_stops_the_timers(desk):
    """A closed ticket has no next check: the sweeper leaves it alone."""
    world, _calendar, _policy = desk
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0))
    with (
        system_scope("work", msp_id=world.msp_a.pk),
        time_machine.travel(local(BERLIN, 2024, 3, 4, 10, 20), tick=False),
    ):
        transition_ticket(actor=None, ticket=ticket, transition="close")
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 10, 30))
    with system_scope("read", msp_id=world.msp_a.pk):
        state = TicketSla.objects.get(ticket=ticket)
    assert state.is_closed
    assert state.next_check_at is None
    assert clocks(world, ticket)["first_response"].state == "stopped"


def test_sla_events_do_not_trigger_another_evaluation(desk, django_capture_on_commit_callbacks):
    """Recording sla.breached announces it (webhooks see it) but queues no further re-evaluation."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    world, _calendar, _policy = desk
    ticket = open_at(world, local(BERLIN, 2024, 3, 4, 10, 0), priority="p1")
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 11, 0))
    assert len(sla_events(world, ticket, sla.SLA_BREACHED)) == 1
    recomputes = DBTaskResult.objects.filter(task_path__endswith="recompute_ticket_sla")
    # Only the timer for the next check (the resolution's 75% warning) is queued, none in answer to
    # the breach event itself.
    assert [r.run_after for r in recomputes] == [local(BERLIN, 2024, 3, 4, 11, 30)]
    assert get_date_max() not in [r.run_after for r in recomputes]


def test_an_imported_ticket_without_a_creation_event_is_measured_from_its_creation(desk):
    """Rows written without events (imports, factories) still evaluate: the priority at creation is
    the first change's old value, the start is the ticket's creation."""
    from offload.servicedesk.choices import EntryKind
    from offload.servicedesk.tests import factories as sf

    world, _calendar, _policy = desk
    created = local(BERLIN, 2024, 3, 4, 10, 0)
    with system_scope("import", msp_id=world.msp_a.pk):
        ticket = sf.TicketFactory(client=world.clients["a1"], priority="p1", created_at=created)
        sf.TicketEntryFactory(
            ticket=ticket,
            kind=EntryKind.EVENT,
            visibility="msp_internal",
            event="ticket.fields_changed",
            data={"changes": {"priority": ["p3", "p1"]}},
            created_at=local(BERLIN, 2024, 3, 4, 11, 0),
        )
    evaluate(world, ticket, local(BERLIN, 2024, 3, 4, 11, 5))
    first_response = clocks(world, ticket)["first_response"]
    assert first_response.started_at == created
    # P3 (120 min) for an hour, then P1 (15 min): the P1 deadline had already passed at 10:15.
    assert first_response.target_minutes == 15
    assert first_response.state == "breached"
