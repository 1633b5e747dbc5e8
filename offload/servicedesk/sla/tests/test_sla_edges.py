"""The cases sla-cases.md asks to add on top, with answers derived by hand in each docstring,
plus the engine's own rules (overrides, warnings, stages, pauses while breached)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from offload.core.businesstime import Calendar, Holidays
from offload.servicedesk.sla import (
    AgentReplied,
    AutoAcknowledged,
    Clock,
    ClockState,
    Created,
    CustomerMessaged,
    DueOverridden,
    PlanRecorded,
    Policy,
    PolicyChanged,
    Resolved,
    StatusChanged,
    Target,
    TargetSpec,
    evaluate_sla,
)

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")
EU1 = Calendar.workdays("Europe/Berlin", ("09:00", "17:00"))


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def evaluate(*events, policy, calendar=EU1, now=None):
    return evaluate_sla(policy=policy, calendar=calendar, timeline=list(events), now=now or events[-1].at)


def test_dst_berlin_spring_with_a_two_day_target_and_elapsed_time():
    """Berlin, created Fri 2024-03-29 15:00 CET, resolution 16 h on 09-17: deadline Tue 15:00 CEST
    (13:00 UTC); at Mon 2024-04-01 12:00 CEST 2 h (Fri) + 3 h (Mon) = 300 minutes have elapsed."""
    report = evaluate(
        Created(berlin(2024, 3, 29, 15, 0)), policy=Policy.of(resolution=960), now=berlin(2024, 4, 1, 12, 0)
    )
    resolution = report[Clock.RESOLUTION]
    assert resolution.deadline == dt.datetime(2024, 4, 2, 13, 0, tzinfo=UTC)
    assert resolution.elapsed_minutes == 300


def test_dst_sydney_autumn_with_a_two_day_target_and_pause():
    """Sydney 09-17, created Fri 2024-04-05 16:00 AEDT, resolution 10 h: Fri 1 h, Mon 8 h, Tue 1 h →
    Tue 10:00 AEST; paused Mon 2024-04-08 10:00-11:00 AEST (the day after the switch) → Tue 11:00 AEST
    = Tue 01:00 UTC."""
    calendar = Calendar.workdays("Australia/Sydney", ("09:00", "17:00"))
    report = evaluate(
        Created(dt.datetime(2024, 4, 5, 16, tzinfo=SYDNEY)),
        StatusChanged(dt.datetime(2024, 4, 8, 10, tzinfo=SYDNEY), "waiting on vendor", pausing=True),
        StatusChanged(dt.datetime(2024, 4, 8, 11, tzinfo=SYDNEY), "in progress", pausing=False),
        policy=Policy.of(resolution=600),
        calendar=calendar,
    )
    assert report[Clock.RESOLUTION].deadline == dt.datetime(2024, 4, 9, 1, 0, tzinfo=UTC)
    assert report[Clock.RESOLUTION].paused_minutes == 60


def test_client_calendar_in_another_zone_splits_breaks_in_its_own_zone():
    """A New York client: created 14:00 UTC (10:00 NY, 16:00 for a Berlin agent), FR 120 → 16:00 UTC;
    a pause 23:30-01:30 New York time lies on one UTC date but two New York dates, split at NY midnight."""
    calendar = Calendar.workdays("America/New_York", ("09:00", "17:00"))
    report = evaluate(
        Created(dt.datetime(2024, 6, 3, 14, tzinfo=UTC)),
        StatusChanged(dt.datetime(2024, 6, 3, 23, 30, tzinfo=NEW_YORK), "waiting", pausing=True),
        StatusChanged(dt.datetime(2024, 6, 4, 1, 30, tzinfo=NEW_YORK), "open", pausing=False),
        policy=Policy.of(first_response=120, resolution=600),
        calendar=calendar,
    )
    assert report[Clock.FIRST_RESPONSE].deadline == dt.datetime(2024, 6, 3, 16, tzinfo=UTC)
    assert [(b.day.day, b.local_start, b.local_end) for b in report.breaks] == [
        (3, "23:30", "24:00"),
        (4, "00:00", "01:30"),
    ]
    assert report[Clock.RESOLUTION].paused_minutes == 0  # the pause was in closed time


def test_night_frame_calendar_through_the_engine():
    """Night desk Mon-Fri 22-06 Berlin: created Fri 23:00, FR 8 h: 7 h until Sat 06:00, no weekend
    frames, 1 h from Mon 22:00 → Mon 23:00."""
    night = Calendar.workdays("Europe/Berlin", ("22:00", "06:00"))
    report = evaluate(Created(berlin(2024, 6, 14, 23)), policy=Policy.of(first_response=480), calendar=night)
    assert report[Clock.FIRST_RESPONSE].deadline == berlin(2024, 6, 17, 23, 0)


def test_two_frames_and_a_holiday_through_the_engine():
    """09-12 + 13-17 with Wed 25 Dec closed: Tue 24 Dec 16:30 + 3 h: Tue 30 min, Thu 09-11:30 → 11:30."""
    calendar = Calendar.workdays(
        "Europe/Berlin", ("09:00", "12:00"), ("13:00", "17:00"), holidays=Holidays.of(recurring=["12-25"])
    )
    report = evaluate(
        Created(berlin(2024, 12, 24, 16, 30)), policy=Policy.of(resolution=180), calendar=calendar
    )
    assert report[Clock.RESOLUTION].deadline == berlin(2024, 12, 26, 11, 30)


def test_24x7_target_runs_through_midnight():
    """24x7: created 23:50 with 20 minutes → due 00:10; at 00:00 exactly 10 minutes have run."""
    policy = Policy.of(first_response=20, business_hours=False)
    report = evaluate(Created(berlin(2024, 6, 12, 23, 50)), policy=policy, now=berlin(2024, 6, 13, 0, 0))
    first = report[Clock.FIRST_RESPONSE]
    assert first.deadline == berlin(2024, 6, 13, 0, 10)
    assert (first.elapsed_minutes, first.state) == (10, ClockState.RUNNING)


def test_pause_outside_business_hours_costs_nothing_but_is_in_the_ledger():
    """Mon 16:00 + 2 h is Tue 10:00; a pause Mon 18:00 → Tue 08:00 leaves it there (0 paused minutes)
    while the ledger still records the 14-hour break."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 16)),
        StatusChanged(berlin(2024, 6, 10, 18), "waiting on client", pausing=True),
        StatusChanged(berlin(2024, 6, 11, 8), "open", pausing=False),
        policy=Policy.of(first_response=120),
    )
    first = report[Clock.FIRST_RESPONSE]
    assert first.deadline == berlin(2024, 6, 11, 10, 0)
    assert first.paused_minutes == 0
    assert sum((b.duration for b in report.breaks), dt.timedelta()) == dt.timedelta(hours=14)


def test_pause_across_a_policy_change_keeps_ledger_and_elapsed():
    """Created Mon 09:00, resolution 480 (P3); paused 10:00; priority raised at 11:00 to 240 (P1) while
    paused; resumed 12:00. Elapsed 60 is kept, the pause counts: deadline 12:00 + 180 = 15:00.
    While still paused at 11:30 the deadline is unknown (None) and 180 minutes remain."""
    p1 = Policy.of("P1", resolution=240)
    events = [
        Created(berlin(2024, 6, 10, 9)),
        StatusChanged(berlin(2024, 6, 10, 10), "waiting on vendor", pausing=True),
        PolicyChanged(berlin(2024, 6, 10, 11), p1),
    ]
    paused = evaluate(*events, policy=Policy.of("P3", resolution=480), now=berlin(2024, 6, 10, 11, 30))
    assert paused[Clock.RESOLUTION].state is ClockState.PAUSED
    assert paused[Clock.RESOLUTION].deadline is None
    assert (paused[Clock.RESOLUTION].elapsed_minutes, paused[Clock.RESOLUTION].remaining_minutes) == (60, 180)
    assert paused.next_deadline is None
    resumed = evaluate(
        *events,
        StatusChanged(berlin(2024, 6, 10, 12), "in progress", pausing=False),
        policy=Policy.of("P3", resolution=480),
    )
    assert resumed[Clock.RESOLUTION].deadline == berlin(2024, 6, 10, 15, 0)
    assert [(p.start, p.end) for p in resumed.pauses] == [(berlin(2024, 6, 10, 10), berlin(2024, 6, 10, 12))]


def test_manual_override_sticks_through_a_priority_change():
    """FR 60 from Mon 09:00; due set by hand at 09:10 to 15:00; priority changed at 09:20 to FR 30:
    the deadline stays 15:00. A later pause 12:00-13:00 pushes it to 16:00 (pauses stop the clock,
    overrides included - decided in ADR 0004)."""
    created = Created(berlin(2024, 6, 10, 9))
    override = DueOverridden(berlin(2024, 6, 10, 9, 10), Target.FIRST_RESPONSE, due=berlin(2024, 6, 10, 15))
    change = PolicyChanged(berlin(2024, 6, 10, 9, 20), Policy.of("P1", first_response=30))
    report = evaluate(created, override, change, policy=Policy.of("P3", first_response=60))
    assert report[Clock.FIRST_RESPONSE].deadline == berlin(2024, 6, 10, 15)
    assert report[Clock.FIRST_RESPONSE].overridden
    paused = evaluate(
        created,
        override,
        change,
        StatusChanged(berlin(2024, 6, 10, 12), "waiting on client", pausing=True),
        StatusChanged(berlin(2024, 6, 10, 13), "open", pausing=False),
        policy=Policy.of("P3", first_response=60),
    )
    assert paused[Clock.FIRST_RESPONSE].deadline == berlin(2024, 6, 10, 16)


def test_priority_change_before_an_override_does_not_beat_it():
    """A priority change first, then a manual due date: the due date applies."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        PolicyChanged(berlin(2024, 6, 10, 9, 5), Policy.of("P1", first_response=30)),
        DueOverridden(berlin(2024, 6, 10, 9, 10), Target.FIRST_RESPONSE, due=berlin(2024, 6, 11, 10)),
        policy=Policy.of("P3", first_response=60),
    )
    assert report[Clock.FIRST_RESPONSE].deadline == berlin(2024, 6, 11, 10)
    assert report[Clock.FIRST_RESPONSE].target_minutes == 8 * 60 + 60


def test_policy_change_after_a_met_target_does_not_rewrite_it():
    """A first response met at 09:30 under P3 (60 min) stays met with +30 after a change to P1 (15 min)."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        AgentReplied(berlin(2024, 6, 10, 9, 30)),
        PolicyChanged(berlin(2024, 6, 10, 10), Policy.of("P1", first_response=15)),
        policy=Policy.of("P3", first_response=60),
    )
    first = report[Clock.FIRST_RESPONSE]
    assert (first.state, first.difference_minutes, first.target_minutes) == (ClockState.MET, 30, 60)


def test_calendar_change_keeps_elapsed_business_time():
    """Created Mon 09:00 Berlin, FR 180; at 10:00 the ticket moves to a New York site (60 min used):
    the remaining 120 run on New York hours from 09:00 NY (15:00 Berlin) → 11:00 NY."""
    new_york = Calendar.workdays("America/New_York", ("09:00", "17:00"))
    policy = Policy.of(first_response=180)
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        PolicyChanged(berlin(2024, 6, 10, 10), policy, calendar=new_york),
        policy=policy,
    )
    assert report[Clock.FIRST_RESPONSE].deadline == dt.datetime(2024, 6, 10, 11, tzinfo=NEW_YORK)


def test_auto_acknowledgement_is_not_a_response():
    """An automatic acknowledgement stops neither the first-response nor the update clock."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        AutoAcknowledged(berlin(2024, 6, 10, 9, 0, 5)),
        policy=Policy.of(first_response=60, update=120),
        now=berlin(2024, 6, 10, 9, 30),
    )
    assert report[Clock.FIRST_RESPONSE].state is ClockState.RUNNING
    assert report[Clock.FIRST_RESPONSE].achieved_at is None
    assert len(report[Clock.UPDATE].cycles) == 1


def test_stages_only_move_forward():
    """Recording a plan also completes the first response; resolving completes an open plan."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        PlanRecorded(berlin(2024, 6, 10, 9, 40)),
        policy=Policy.of(first_response=60, plan=120, resolution=480),
    )
    assert report[Clock.FIRST_RESPONSE].achieved_minutes == 40
    assert report[Clock.PLAN].achieved_minutes == 40
    resolved = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        Resolved(berlin(2024, 6, 10, 10)),
        policy=Policy.of(first_response=30, plan=120, resolution=480),
    )
    assert resolved[Clock.PLAN].state is ClockState.MET
    assert resolved[Clock.FIRST_RESPONSE].state is ClockState.BREACHED


def test_breached_clock_stays_breached_while_paused():
    """A clock past its deadline that is then paused reports breached, with the deadline kept."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        StatusChanged(berlin(2024, 6, 10, 11), "waiting on client", pausing=True),
        policy=Policy.of(first_response=60),
        now=berlin(2024, 6, 10, 12),
    )
    assert report[Clock.FIRST_RESPONSE].state is ClockState.BREACHED
    assert report[Clock.FIRST_RESPONSE].deadline == berlin(2024, 6, 10, 10)


def test_update_clock_pauses_and_restarts_on_customer_message():
    """Update 120: agent reply 10:00 starts a cycle; paused 10:30-11:30 waiting on the client; the
    customer writes at 11:30, which starts a new cycle → due 13:30; earlier cycle kept in history."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        AgentReplied(berlin(2024, 6, 10, 10)),
        StatusChanged(berlin(2024, 6, 10, 10, 30), "waiting on client", pausing=True),
        CustomerMessaged(berlin(2024, 6, 10, 11, 30)),
        StatusChanged(berlin(2024, 6, 10, 11, 30), "open", pausing=False),
        policy=Policy.of(update=120),
    )
    update = report[Clock.UPDATE]
    assert update.deadline == berlin(2024, 6, 10, 13, 30)
    assert [c.ended_by for c in update.cycles] == ["agent", "customer", None]
    assert update.cycles[1].state is ClockState.STOPPED
    assert update.paused_minutes == 60


def test_warnings_at_configured_percentages():
    """Resolution 240 from Mon 09:00 with warnings at 50 % and 80 %: due 11:00 and 12:12; at 11:30 the
    first is reached. On business-hours notification, a 24x7 target's 50 % warning at 17:10 is
    delivered at the next open minute, Tue 09:00."""
    report = evaluate(
        Created(berlin(2024, 6, 10, 9)),
        policy=Policy.of(resolution=240, warn_at=(50, 80)),
        now=berlin(2024, 6, 10, 11, 30),
    )
    warnings = report[Clock.RESOLUTION].warnings
    assert [(w.percent, w.at, w.reached) for w in warnings] == [
        (50, berlin(2024, 6, 10, 11), True),
        (80, berlin(2024, 6, 10, 12, 12), False),
    ]
    quiet = evaluate(
        Created(berlin(2024, 6, 10, 16, 40)),
        policy=Policy(
            first_response=TargetSpec(60, business_hours=False), warn_at=(50,), notify_in_business_hours=True
        ),
    )
    (warning,) = quiet[Clock.FIRST_RESPONSE].warnings
    assert (warning.at, warning.notify_at) == (berlin(2024, 6, 10, 17, 10), berlin(2024, 6, 11, 9, 0))


def test_targets_the_policy_does_not_have_are_not_reported():
    """A policy with only a resolution target yields only the two resolution clocks."""
    report = evaluate(Created(berlin(2024, 6, 10, 9)), policy=Policy.of(resolution=60))
    assert set(report.clocks) == {Clock.RESOLUTION, Clock.FIRST_RESOLUTION}


def test_timeline_must_be_ordered_and_not_in_the_future():
    """Out-of-order events, events after `now`, or a missing Created are refused."""
    policy = Policy.of(first_response=60)
    with pytest.raises(ValueError, match="chronological"):
        evaluate(Created(berlin(2024, 6, 10, 9)), AgentReplied(berlin(2024, 6, 10, 8)), policy=policy)
    with pytest.raises(ValueError, match="after"):
        evaluate(Created(berlin(2024, 6, 10, 9)), policy=policy, now=berlin(2024, 6, 10, 8))
    with pytest.raises(ValueError, match="Created"):
        evaluate(AgentReplied(berlin(2024, 6, 10, 9)), policy=policy)
