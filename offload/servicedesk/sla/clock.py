"""The SLA clock engine: from a policy, a calendar and a ticket's timeline to deadlines and states.

A pure function of its inputs (`evaluate_sla`), recomputed from the whole timeline each time, so a
priority change, a corrected resolution time or a late-arriving event can never leave a stale
half-updated clock behind. The models store what it returns. Rules and choices:
docs/adr/0004-sla-clock.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from offload.core.businesstime import (
    Calendar,
    DayPiece,
    Interval,
    add_business_time,
    business_minutes_between,
    business_time_between,
    effective_arrival,
    next_open,
    split_by_local_date,
)
from offload.servicedesk.sla.policy import Clock, ClockState, Policy, Target
from offload.servicedesk.sla.timeline import (
    AgentReplied,
    Closed,
    Created,
    CustomerMessaged,
    DueOverridden,
    Event,
    FirstResponseRecorded,
    PlanRecorded,
    PolicyChanged,
    Reopened,
    ResolutionCorrected,
    Resolved,
    StatusChanged,
)

ZERO = dt.timedelta(0)
MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Pause:
    """A stretch in a pausing status; `end` is None while the ticket is still paused."""

    start: dt.datetime
    end: dt.datetime | None
    status: str


@dataclass(frozen=True)
class Break(DayPiece):
    """The part of a pause on one local date, with the business minutes it took out of that date
    (0 for a pause in closed time: pauses and closed time are never counted twice)."""

    business_minutes: int = 0


@dataclass(frozen=True)
class ClockWarning:
    """A warning threshold of a running clock: due `at` (None while paused), delivered `notify_at`."""

    percent: int
    at: dt.datetime | None
    notify_at: dt.datetime | None
    reached: bool


@dataclass(frozen=True)
class UpdateCycle:
    """One turn of the update clock: from a start (creation, agent reply, customer message, reopen)
    until an agent reply (`ended_by="agent"`), a restart by the customer, a resolution or a close."""

    start: dt.datetime
    end: dt.datetime | None
    ended_by: str | None
    deadline: dt.datetime | None
    achieved_minutes: int | None
    state: ClockState


@dataclass(frozen=True)
class ClockResult:
    """One clock at the moment of evaluation. Minutes are business minutes (started minutes count).

    `difference_minutes` is target - achieved: positive = spare, negative = late.
    `deadline` is None while the clock is paused (it depends on when the pause ends).
    """

    clock: Clock
    target_minutes: int
    overridden: bool
    started_at: dt.datetime
    deadline: dt.datetime | None
    elapsed_minutes: int
    remaining_minutes: int
    achieved_at: dt.datetime | None
    achieved_minutes: int | None
    difference_minutes: int | None
    state: ClockState
    paused_minutes: int
    warnings: tuple[ClockWarning, ...] = ()
    cycles: tuple[UpdateCycle, ...] = ()


@dataclass(frozen=True)
class SlaReport:
    """Every applicable clock of a ticket, the next deadline to watch and the pause ledger."""

    now: dt.datetime
    clocks: Mapping[Clock, ClockResult]
    next_deadline: dt.datetime | None
    is_closed: bool
    pauses: tuple[Pause, ...]
    breaks: tuple[Break, ...]

    def __getitem__(self, clock: Clock) -> ClockResult:
        return self.clocks[clock]


# -- reading the timeline ---------------------------------------------------------------------------


@dataclass
class _Epoch:
    start: dt.datetime
    policy: Policy
    calendar: Calendar


@dataclass
class _Cycle:
    start: dt.datetime
    end: dt.datetime | None = None
    ended_by: str | None = None


@dataclass
class _Facts:
    created: dt.datetime
    epochs: list[_Epoch]
    pauses: list[Pause] = field(default_factory=list)
    overrides: list[DueOverridden] = field(default_factory=list)
    first_response_at: dt.datetime | None = None
    plan_at: dt.datetime | None = None
    first_resolution_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    inactive_since: dt.datetime | None = None
    cycles: list[_Cycle] = field(default_factory=list)
    open_pause: tuple[dt.datetime, str] | None = None

    def end_pause(self, at: dt.datetime) -> None:
        if self.open_pause is not None:
            self.pauses.append(Pause(self.open_pause[0], at, self.open_pause[1]))
            self.open_pause = None

    def end_cycle(self, at: dt.datetime, reason: str, *, restart: bool) -> None:
        current = self.cycles[-1]
        if current.end is None:
            current.end, current.ended_by = at, reason
        if restart:
            self.cycles.append(_Cycle(start=at))


def _check(timeline: Sequence[Event], now: dt.datetime) -> Created:
    if not timeline or not isinstance(timeline[0], Created):
        raise ValueError("a timeline starts with Created")
    for earlier, later in itertools.pairwise(timeline):
        if later.at < earlier.at:
            raise ValueError("timeline events must be in chronological order")
    if timeline[-1].at > now:
        raise ValueError("timeline has events after `now`")
    return timeline[0]


def _read(policy: Policy, calendar: Calendar, timeline: Sequence[Event], now: dt.datetime) -> _Facts:
    created = _check(timeline, now)
    facts = _Facts(created=created.at, epochs=[_Epoch(created.at, policy, calendar)])
    facts.cycles.append(_Cycle(start=created.at))
    if created.pausing:
        facts.open_pause = (created.at, "created")
    for event in timeline[1:]:
        _apply(facts, event)
    if facts.open_pause is not None:
        facts.pauses.append(Pause(facts.open_pause[0], None, facts.open_pause[1]))
    return facts


def _apply(facts: _Facts, event: Event) -> None:
    active = facts.inactive_since is None
    match event:
        case StatusChanged(at=at, status=status, pausing=pausing):
            if pausing and facts.open_pause is None and facts.closed_at is None:
                facts.open_pause = (at, status)
            elif not pausing:
                facts.end_pause(at)
        case AgentReplied(at=at):
            facts.first_response_at = facts.first_response_at or at
            if active:
                facts.end_cycle(at, "agent", restart=True)
        case FirstResponseRecorded(at=at):
            facts.first_response_at = facts.first_response_at or at
        case CustomerMessaged(at=at):
            if active:
                facts.end_cycle(at, "customer", restart=True)
        case PlanRecorded(at=at):
            # Stages only move forward: recording a plan also counts as the first response.
            facts.first_response_at = facts.first_response_at or at
            facts.plan_at = facts.plan_at or at
        case Resolved(at=at) if facts.resolved_at is None:
            facts.first_response_at = facts.first_response_at or at
            facts.plan_at = facts.plan_at or at
            facts.first_resolution_at = facts.first_resolution_at or at
            facts.resolved_at = at
            facts.inactive_since = facts.inactive_since or at
            facts.end_pause(at)
            facts.end_cycle(at, "resolved", restart=False)
        case ResolutionCorrected(resolved_at=corrected) if facts.resolved_at is not None:
            if facts.first_resolution_at == facts.resolved_at:
                facts.first_resolution_at = corrected
            if facts.inactive_since == facts.resolved_at:
                facts.inactive_since = corrected
            facts.resolved_at = corrected
        case Reopened(at=at) if not active:
            facts.resolved_at = facts.closed_at = facts.inactive_since = None
            facts.cycles.append(_Cycle(start=at))
        case Closed(at=at) if facts.closed_at is None:
            facts.end_pause(at)
            facts.closed_at = at
            facts.inactive_since = facts.inactive_since or at
            facts.end_cycle(at, "closed", restart=False)
        case PolicyChanged(at=at, policy=new_policy, calendar=new_calendar):
            facts.epochs.append(_Epoch(at, new_policy, new_calendar or facts.epochs[-1].calendar))
        case DueOverridden():
            facts.overrides.append(event)
        case _:
            pass  # auto-acknowledgements and repeated events change no clock


# -- measuring across policy epochs -----------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """What a clock is measured against: epochs (start, calendar) and the pauses until its end."""

    epochs: tuple[tuple[dt.datetime, Calendar], ...]
    pauses: tuple[Interval, ...]
    paused_from: dt.datetime | None  # start of a pause still open at the end of the span

    def measure(self, a: dt.datetime, b: dt.datetime, *, with_pauses: bool = True) -> dt.timedelta:
        total = ZERO
        pauses = self.pauses if with_pauses else ()
        for index, (start, calendar) in enumerate(self.epochs):
            stop = self.epochs[index + 1][0] if index + 1 < len(self.epochs) else b
            low, high = max(start, a), min(stop, b)
            if high > low:
                total += business_time_between(calendar, low, high, pauses)
        return total

    def deadline(self, a: dt.datetime, budget: dt.timedelta) -> dt.datetime | None:
        """When `budget` of business time since `a` is used up; None if that depends on an open pause."""
        used = ZERO
        result: dt.datetime | None = None
        for index, (start, calendar) in enumerate(self.epochs):
            low = max(start, a)
            if index + 1 < len(self.epochs):
                stop = self.epochs[index + 1][0]
                if stop <= low:
                    continue
                part = business_time_between(calendar, low, stop, self.pauses)
                if used + part < budget:
                    used += part
                    continue
            result = add_business_time(calendar, low, budget - used, self.pauses)
            break
        assert result is not None
        if self.paused_from is not None and result > self.paused_from:
            return None
        return result


def _span(facts: _Facts, target: Target, end: dt.datetime, *, running: bool) -> _Span:
    epochs: list[tuple[dt.datetime, Calendar]] = []
    for epoch in facts.epochs:
        if epoch.start > end and epochs:
            break
        spec = epoch.policy.spec(target)
        calendar = (
            epoch.calendar if spec is None or spec.business_hours else epoch.calendar.as_twenty_four_seven()
        )
        epochs.append((epoch.start, calendar))
    pauses: list[Interval] = []
    paused_from = None
    for pause in facts.pauses:
        if pause.start >= end:
            continue
        if pause.end is None and running:
            paused_from = pause.start
        pauses.append((pause.start, min(pause.end or end, end)))
    return _Span(tuple(epochs), tuple(pauses), paused_from)


def _policy_at(facts: _Facts, moment: dt.datetime) -> Policy:
    policy = facts.epochs[0].policy
    for epoch in facts.epochs:
        if epoch.start <= moment:
            policy = epoch.policy
    return policy


def _budget(
    facts: _Facts, target: Target, span: _Span, start: dt.datetime, end: dt.datetime, since: dt.datetime
) -> tuple[dt.timedelta, bool] | None:
    """The business time allowed: the latest manual due date if any, else the policy's minutes."""
    overrides = [o for o in facts.overrides if o.target is target and since <= o.at <= end]
    if overrides:
        override = overrides[-1]
        if override.due <= override.at:
            return span.measure(start, override.due), True
        # Business time used until the override, plus the open time from then until the due date:
        # with no later pause the deadline is the due date; later pauses push it out.
        calendar = span.epochs[-1][1]
        for epoch_start, epoch_calendar in span.epochs:
            if epoch_start <= override.at:
                calendar = epoch_calendar
        used = span.measure(start, override.at) if override.at > start else ZERO
        return used + business_time_between(calendar, max(override.at, start), override.due), True
    spec = _policy_at(facts, end).spec(target)
    if spec is None:
        return None
    return dt.timedelta(minutes=spec.minutes), False


def _arrival(facts: _Facts, target: Target) -> dt.datetime:
    """When the target's clock starts: the cutoff of a business calendar applies, 24x7 has none."""
    first = facts.epochs[0]
    spec = first.policy.spec(target)
    calendar = (
        first.calendar if spec is None or spec.business_hours else first.calendar.as_twenty_four_seven()
    )
    return effective_arrival(calendar, facts.created)


def _minutes(delta: dt.timedelta) -> int:
    """Whole minutes, a started minute counting as whole (keeps minutes and deadlines in agreement)."""
    return math.ceil(delta / MINUTE - 1e-9)


# -- evaluating clocks ------------------------------------------------------------------------------


def _state(
    *,
    achieved_at: dt.datetime | None,
    stopped_at: dt.datetime | None,
    deadline: dt.datetime | None,
    paused: bool,
    now: dt.datetime,
) -> ClockState:
    if achieved_at is not None:
        return ClockState.MET if deadline is not None and achieved_at <= deadline else ClockState.BREACHED
    if stopped_at is not None:
        return ClockState.BREACHED if deadline is not None and deadline < stopped_at else ClockState.STOPPED
    if deadline is not None and deadline < now:
        return ClockState.BREACHED
    return ClockState.PAUSED if paused else ClockState.RUNNING


def _warnings(
    facts: _Facts, span: _Span, start: dt.datetime, budget: dt.timedelta, now: dt.datetime
) -> tuple[ClockWarning, ...]:
    policy = _policy_at(facts, now)
    business_calendar = facts.epochs[-1].calendar
    found = []
    for percent in policy.warn_at:
        at = span.deadline(start, budget * percent / 100)
        notify_at = at
        if at is not None and policy.notify_in_business_hours:
            notify_at = next_open(business_calendar, at)
        found.append(ClockWarning(percent, at, notify_at, at is not None and at <= now))
    return tuple(found)


def _evaluate_clock(
    facts: _Facts,
    clock: Clock,
    start: dt.datetime,
    achieved_at: dt.datetime | None,
    stopped_at: dt.datetime | None,
    now: dt.datetime,
    *,
    since: dt.datetime | None = None,
) -> ClockResult | None:
    target = clock.target
    end = achieved_at or stopped_at or now
    running = achieved_at is None and stopped_at is None
    span = _span(facts, target, end, running=running)
    budget_found = _budget(facts, target, span, start, end, since or facts.created)
    if budget_found is None:
        return None
    budget, overridden = budget_found
    deadline = span.deadline(start, budget)
    elapsed = span.measure(start, end)
    paused = running and span.paused_from is not None
    state = _state(achieved_at=achieved_at, stopped_at=stopped_at, deadline=deadline, paused=paused, now=now)
    target_minutes = _minutes(budget)
    achieved_minutes = _minutes(elapsed) if achieved_at is not None else None
    return ClockResult(
        clock=clock,
        target_minutes=target_minutes,
        overridden=overridden,
        started_at=start,
        deadline=deadline,
        elapsed_minutes=_minutes(elapsed),
        remaining_minutes=target_minutes - _minutes(elapsed),
        achieved_at=achieved_at,
        achieved_minutes=achieved_minutes,
        difference_minutes=target_minutes - achieved_minutes if achieved_minutes is not None else None,
        state=state,
        paused_minutes=_minutes(span.measure(start, end, with_pauses=False) - elapsed),
        warnings=_warnings(facts, span, start, budget, now) if state in _WARNABLE else (),
    )


_WARNABLE = (ClockState.RUNNING, ClockState.PAUSED)


def _evaluate_update(facts: _Facts, arrival: dt.datetime, now: dt.datetime) -> ClockResult | None:
    cycles: list[tuple[_Cycle, ClockResult]] = []
    for index, cycle in enumerate(facts.cycles):
        start = arrival if index == 0 else cycle.start
        answered = cycle.end if cycle.ended_by == "agent" else None
        stopped = cycle.end if cycle.ended_by not in (None, "agent") else None
        result = _evaluate_clock(facts, Clock.UPDATE, start, answered, stopped, now, since=cycle.start)
        if result is None:
            return None
        cycles.append((cycle, result))
    history = tuple(
        UpdateCycle(
            start=result.started_at,
            end=cycle.end,
            ended_by=cycle.ended_by,
            deadline=result.deadline,
            achieved_minutes=result.achieved_minutes,
            state=result.state,
        )
        for cycle, result in cycles
    )
    current = cycles[-1][1]
    answered_cycles = [result for cycle, result in cycles if cycle.ended_by == "agent"]
    last = answered_cycles[-1] if answered_cycles else None
    return ClockResult(
        clock=Clock.UPDATE,
        target_minutes=current.target_minutes,
        overridden=current.overridden,
        started_at=current.started_at,
        deadline=current.deadline,
        elapsed_minutes=current.elapsed_minutes,
        remaining_minutes=current.remaining_minutes,
        achieved_at=last.achieved_at if last else None,
        achieved_minutes=last.achieved_minutes if last else None,
        difference_minutes=last.difference_minutes if last else None,
        # A cycle answered by an agent is followed by a new one; only the running cycle has a state.
        state=current.state,
        paused_minutes=sum(result.paused_minutes for _, result in cycles),
        warnings=current.warnings,
        cycles=history,
    )


def evaluate_sla(
    *, policy: Policy, calendar: Calendar, timeline: Sequence[Event], now: dt.datetime
) -> SlaReport:
    """Every clock of a ticket at `now`: deadlines, elapsed and achieved minutes, states, warnings.

    `policy` and `calendar` are those in force at creation; `PolicyChanged` events switch them.
    `calendar` is the ticket's business calendar (client's or site's, else the MSP's); targets on
    calendar hours use the same zone around the clock.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    facts = _read(policy, calendar, timeline, now)
    stopped = facts.inactive_since
    clocks: dict[Clock, ClockResult] = {}
    candidates: list[tuple[Clock, dt.datetime | None]] = [
        (Clock.FIRST_RESPONSE, facts.first_response_at),
        (Clock.PLAN, facts.plan_at),
        (Clock.FIRST_RESOLUTION, facts.first_resolution_at),
        (Clock.RESOLUTION, facts.resolved_at),
    ]
    for clock, achieved_at in candidates:
        arrival = _arrival(facts, clock.target)
        result = _evaluate_clock(facts, clock, arrival, achieved_at, None if achieved_at else stopped, now)
        if result is not None:
            clocks[clock] = result
    update = _evaluate_update(facts, _arrival(facts, Target.UPDATE), now)
    if update is not None:
        clocks[Clock.UPDATE] = update
    running = [r.deadline for r in clocks.values() if r.state is ClockState.RUNNING and r.deadline]
    zone_calendar = facts.epochs[-1].calendar
    breaks = tuple(
        Break(
            day=piece.day,
            start=piece.start,
            end=piece.end,
            zone=piece.zone,
            business_minutes=business_minutes_between(zone_calendar, piece.start, piece.end),
        )
        for pause in facts.pauses
        for piece in split_by_local_date(zone_calendar, pause.start, pause.end or now)
    )
    return SlaReport(
        now=now,
        clocks=clocks,
        next_deadline=min(running) if running else None,
        is_closed=facts.closed_at is not None,
        pauses=tuple(facts.pauses),
        breaks=breaks,
    )
