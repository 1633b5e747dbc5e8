"""Properties of the SLA engine over random timelines of pauses, replies and priority changes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from offload.core.businesstime import Calendar, Holidays
from offload.servicedesk.sla import (
    AgentReplied,
    Clock,
    ClockState,
    Created,
    CustomerMessaged,
    Policy,
    PolicyChanged,
    StatusChanged,
    evaluate_sla,
)

UTC = dt.UTC
CALENDARS = [
    Calendar.workdays(
        "Europe/Berlin", ("09:00", "17:00"), holidays=Holidays.of(recurring=["12-25", "01-01"])
    ),
    Calendar.workdays("Australia/Sydney", ("08:00", "12:00"), ("13:00", "18:00")),
    Calendar.workdays("America/New_York", ("22:00", "06:00")),
    Calendar.twenty_four_seven("Europe/Berlin"),
]
POLICIES = [
    Policy.of("P1", first_response=30, update=60, resolution=240),
    Policy.of("P2", first_response=120, update=240, resolution=960),
    Policy.of("P3", first_response=480, update=960, resolution=4800, business_hours=False),
]


@st.composite
def timelines(draw):
    created = draw(
        st.datetimes(
            min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2025, 12, 1), timezones=st.just(UTC)
        )
    ).replace(microsecond=0)
    moment = created
    events = [Created(created, pausing=draw(st.booleans()))]
    for _ in range(draw(st.integers(0, 10))):
        moment += dt.timedelta(minutes=draw(st.integers(0, 60 * 48)))
        kind = draw(st.sampled_from(["pause", "resume", "agent", "customer", "priority"]))
        if kind == "pause":
            events.append(StatusChanged(moment, "waiting", pausing=True))
        elif kind == "resume":
            events.append(StatusChanged(moment, "open", pausing=False))
        elif kind == "agent":
            events.append(AgentReplied(moment))
        elif kind == "customer":
            events.append(CustomerMessaged(moment))
        else:
            events.append(PolicyChanged(moment, draw(st.sampled_from(POLICIES))))
    now = moment + dt.timedelta(minutes=draw(st.integers(0, 60 * 72)))
    return events, now


def _without_pauses(events):
    return [
        StatusChanged(e.at, e.status, pausing=False)
        if isinstance(e, StatusChanged)
        else Created(e.at)
        if isinstance(e, Created)
        else e
        for e in events
    ]


@settings(max_examples=80, deadline=None)
@given(drawn=timelines(), calendar=st.sampled_from(CALENDARS), policy=st.sampled_from(POLICIES))
def test_pauses_never_increase_elapsed_time(drawn, calendar, policy):
    """Every clock shows no more elapsed time with its pauses than the same timeline without them."""
    events, now = drawn
    paused = evaluate_sla(policy=policy, calendar=calendar, timeline=events, now=now)
    unpaused = evaluate_sla(policy=policy, calendar=calendar, timeline=_without_pauses(events), now=now)
    for clock in (Clock.FIRST_RESPONSE, Clock.RESOLUTION):
        assert paused[clock].elapsed_minutes <= unpaused[clock].elapsed_minutes
        if paused[clock].deadline is not None:
            assert paused[clock].deadline >= unpaused[clock].deadline


@settings(max_examples=80, deadline=None)
@given(
    drawn=timelines(),
    calendar=st.sampled_from(CALENDARS),
    policy=st.sampled_from(POLICIES),
    later=st.integers(0, 60 * 24 * 10),
)
def test_elapsed_time_never_runs_backwards(drawn, calendar, policy, later):
    """Evaluating the same timeline later never shows less elapsed time on any clock."""
    events, now = drawn
    early = evaluate_sla(policy=policy, calendar=calendar, timeline=events, now=now)
    late = evaluate_sla(
        policy=policy, calendar=calendar, timeline=events, now=now + dt.timedelta(minutes=later)
    )
    for clock in (Clock.FIRST_RESPONSE, Clock.FIRST_RESOLUTION, Clock.RESOLUTION):
        assert late[clock].elapsed_minutes >= early[clock].elapsed_minutes


@settings(max_examples=80, deadline=None)
@given(drawn=timelines(), calendar=st.sampled_from(CALENDARS), policy=st.sampled_from(POLICIES))
def test_states_agree_with_deadlines(drawn, calendar, policy):
    """Running clocks are due in the future, breached ones in the past, paused ones have no deadline,
    and the next deadline overall is the earliest running deadline."""
    events, now = drawn
    report = evaluate_sla(policy=policy, calendar=calendar, timeline=events, now=now)
    for result in report.clocks.values():
        if result.state is ClockState.RUNNING:
            assert result.deadline is not None
            assert result.deadline >= now
            assert result.remaining_minutes >= 0
        elif result.state is ClockState.PAUSED:
            assert result.deadline is None
        elif result.state is ClockState.BREACHED and result.achieved_at is None:
            assert result.deadline is not None
            assert result.deadline < now
    running = [r.deadline for r in report.clocks.values() if r.state is ClockState.RUNNING]
    assert report.next_deadline == (min(running) if running else None)
