"""Properties of business-time arithmetic over random calendars, zones, holidays, pauses and spans.

A deliberately naive reference (walk every day, build every interval, subtract pauses by hand)
checks that the week-skipping fast path gives identical answers, including across clock switches.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from offload.core.businesstime import (
    Calendar,
    Holidays,
    add_business_time,
    business_minutes_between,
    business_time_between,
    is_open,
    next_open,
)

UTC = dt.UTC
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour switch
    "Asia/Kolkata",
    "UTC",
]
SHAPES = [
    {d: [("09:00", "17:00")] for d in range(5)},
    {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in range(5)},
    {d: [("22:00", "06:00")] for d in range(5)},
    {d: [("00:00", "24:00")] for d in range(7)},
    {0: [("08:00", "20:00")], 2: [("01:30", "03:30"), ("23:00", "01:00")], 5: [("10:00", "14:00")]},
    {6: [("02:30", "04:00")], 3: [("02:00", "03:00")]},
]
HOLIDAY_POOL = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(0, 3 * 365, 3)]


@st.composite
def calendars(draw) -> Calendar:
    holidays = Holidays.of(
        dates=draw(st.lists(st.sampled_from(HOLIDAY_POOL), max_size=40)),
        recurring=draw(st.lists(st.sampled_from([(1, 1), (12, 25), (2, 29), (3, 31)]), max_size=3)),
    )
    return Calendar.weekly(draw(st.sampled_from(ZONES)), draw(st.sampled_from(SHAPES)), holidays=holidays)


instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@st.composite
def pause_lists(draw, near: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        begin = near + dt.timedelta(minutes=draw(st.integers(-600, 60 * 24 * 60)))
        pauses.append((begin, begin + dt.timedelta(minutes=draw(st.integers(1, 60 * 24 * 9)))))
    return pauses


def _reference_pieces(calendar, day, pauses):
    """Open intervals of one day minus pauses, the slow obvious way."""
    pieces = list(calendar.day_intervals(day))
    for p_start, p_end in pauses:
        kept = []
        for start, end in pieces:
            if p_end <= start or p_start >= end:
                kept.append((start, end))
                continue
            if start < p_start:
                kept.append((start, p_start))
            if p_end < end:
                kept.append((p_end, end))
        pieces = kept
    return sorted(pieces)


def reference_add(calendar, start, minutes, pauses):
    remaining = dt.timedelta(minutes=minutes)
    if not remaining:
        return start
    day = calendar.local_date(start) - dt.timedelta(days=1)
    while True:
        for piece_start, piece_end in _reference_pieces(calendar, day, pauses):
            piece_start = max(piece_start, start)
            if piece_end > piece_start:
                if piece_end - piece_start >= remaining:
                    return piece_start + remaining
                remaining -= piece_end - piece_start
        day += dt.timedelta(days=1)


def reference_between(calendar, a, b, pauses):
    total = dt.timedelta(0)
    day = calendar.local_date(a) - dt.timedelta(days=1)
    while day <= calendar.local_date(b):
        for piece_start, piece_end in _reference_pieces(calendar, day, pauses):
            low, high = max(piece_start, a), min(piece_end, b)
            if high > low:
                total += high - low
        day += dt.timedelta(days=1)
    return total


@settings(max_examples=150, deadline=None)
@given(data=st.data(), calendar=calendars(), start=instants, minutes=st.integers(0, 150_000))
def test_add_matches_the_day_by_day_reference(data, calendar, start, minutes):
    """Skipping whole weeks gives exactly the deadline a day-by-day walk gives, pauses and DST included."""
    pauses = data.draw(pause_lists(start))
    assert add_business_time(calendar, start, minutes, pauses) == reference_add(
        calendar, start, minutes, pauses
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data(), calendar=calendars(), a=instants, span=st.integers(0, 60 * 24 * 500))
def test_measure_matches_the_day_by_day_reference(data, calendar, a, span):
    """Measured business time equals a day-by-day walk over the same interval."""
    b = a + dt.timedelta(minutes=span)
    pauses = data.draw(pause_lists(a))
    assert business_time_between(calendar, a, b, pauses) == reference_between(calendar, a, b, pauses)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), calendar=calendars(), start=instants, minutes=st.integers(0, 100_000))
def test_add_then_measure_round_trips(data, calendar, start, minutes):
    """Measuring from the start to the computed deadline gives back exactly the minutes added."""
    pauses = data.draw(pause_lists(start))
    deadline = add_business_time(calendar, start, minutes, pauses)
    assert business_time_between(calendar, start, deadline, pauses) == dt.timedelta(minutes=minutes)
    assert business_minutes_between(calendar, start, deadline, pauses) == minutes


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), start=instants, m1=st.integers(0, 50_000), m2=st.integers(0, 50_000))
def test_deadlines_grow_with_the_target(calendar, start, m1, m2):
    """A longer target never has an earlier deadline."""
    low, high = sorted((m1, m2))
    assert add_business_time(calendar, start, low) <= add_business_time(calendar, start, high)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), calendar=calendars(), a=instants, s1=st.integers(0, 90_000), s2=st.integers(0, 90_000))
def test_measure_is_monotone_and_additive(data, calendar, a, s1, s2):
    """Business time over [a, c) is [a, b) plus [b, c), so it never shrinks as the end moves later."""
    b, c = (a + dt.timedelta(minutes=s) for s in sorted((s1, s2)))
    pauses = data.draw(pause_lists(a))
    first, second = (
        business_time_between(calendar, a, b, pauses),
        business_time_between(calendar, b, c, pauses),
    )
    assert first + second == business_time_between(calendar, a, c, pauses)
    assert first <= business_time_between(calendar, a, c, pauses)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), calendar=calendars(), start=instants, minutes=st.integers(0, 50_000))
def test_pauses_never_increase_elapsed_time_nor_bring_deadlines_forward(data, calendar, start, minutes):
    """With pauses, less business time has elapsed and the deadline is no earlier than without."""
    pauses = data.draw(pause_lists(start))
    end = start + dt.timedelta(minutes=minutes)
    assert business_time_between(calendar, start, end, pauses) <= business_time_between(calendar, start, end)
    assert add_business_time(calendar, start, minutes, pauses) >= add_business_time(calendar, start, minutes)


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), moment=instants)
def test_next_open_is_open_and_nothing_opens_before_it(calendar, moment):
    """next_open returns an open instant, and no business time lies between the moment and it."""
    found = next_open(calendar, moment)
    assert found >= moment
    assert is_open(calendar, found)
    assert business_time_between(calendar, moment, found) == dt.timedelta(0)
