"""Schedules' rules expand to the right instants, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from offload.noc.recurrence import RecurrenceError, check_rule, next_occurrence, occurrences

UTC = dt.UTC


def _local(moments, zone):
    return [m.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") for m in moments]


def test_first_monday_of_the_month_at_six_berlin_time():
    """ "First Monday of the month, 06:00" lands on first Mondays at 06:00 local, summer or winter."""
    moments = occurrences(
        rule="FREQ=MONTHLY;BYDAY=1MO",
        starts_on=dt.date(2026, 1, 1),
        at_time=dt.time(6, 0),
        zone_name="Europe/Berlin",
        after=dt.datetime(2026, 1, 1, tzinfo=UTC),
        until=dt.datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert _local(moments, "Europe/Berlin") == [
        "Mon 2026-01-05 06:00",
        "Mon 2026-02-02 06:00",
        "Mon 2026-03-02 06:00",
        "Mon 2026-04-06 06:00",
    ]


def test_every_two_weeks_keeps_local_time_over_the_spring_change():
    """Every other Sunday at 02:30 — a time that does not exist on the change night — moves forward
    by the gap that night and is back at 02:30 afterwards."""
    moments = list(
        occurrences(
            rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
            starts_on=dt.date(2026, 3, 15),
            at_time=dt.time(2, 30),
            zone_name="Europe/Berlin",
            after=dt.datetime(2026, 3, 1, tzinfo=UTC),
            until=dt.datetime(2026, 4, 30, tzinfo=UTC),
        )
    )
    assert _local(moments, "Europe/Berlin") == [
        "Sun 2026-03-15 02:30",
        "Sun 2026-03-29 03:30",  # 02:30 did not exist on 29 March 2026 in Berlin
        "Sun 2026-04-12 02:30",
        "Sun 2026-04-26 02:30",
    ]


def test_southern_hemisphere_autumn_change_takes_the_first_of_two_instants():
    """In Sydney, 02:30 on 5 April 2026 happens twice; the schedule opens its ticket once, at the first."""
    moments = list(
        occurrences(
            rule="FREQ=DAILY",
            starts_on=dt.date(2026, 4, 4),
            at_time=dt.time(2, 30),
            zone_name="Australia/Sydney",
            after=dt.datetime(2026, 4, 3, tzinfo=UTC),
            until=dt.datetime(2026, 4, 5, 12, tzinfo=UTC),
        )
    )
    assert len(moments) == 2
    assert moments[1] - moments[0] == dt.timedelta(hours=24)  # +11 → +11 for the first 02:30


def test_next_occurrence_after_the_end_of_a_finite_rule_is_none():
    """A rule with COUNT ends: no next occurrence after its last one."""
    after_last = dt.datetime(2026, 2, 1, tzinfo=UTC)
    assert (
        next_occurrence(
            rule="FREQ=DAILY;COUNT=3",
            starts_on=dt.date(2026, 1, 1),
            at_time=dt.time(9, 0),
            zone_name="UTC",
            after=after_last,
        )
        is None
    )


@pytest.mark.parametrize("rule", ["", "FREQ=SOMETIMES", "DTSTART:20260101T000000\nFREQ=DAILY", "BYDAY=MO"])
def test_bad_rules_are_refused_with_a_reason(rule):
    """A rule that cannot be read is refused with a readable reason, never stored."""
    with pytest.raises(RecurrenceError):
        check_rule(rule)
