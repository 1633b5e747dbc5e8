"""Business-calendar arithmetic: the cases of docs/sla-cases.md that need no ticket, plus DST and edges.

Expected answers for cases not in the document are derived by hand in each test's docstring.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from zoneinfo import ZoneInfo

import pytest

from offload.core.businesstime import (
    MON,
    SUN,
    TUE,
    WEEKDAYS,
    Calendar,
    Holidays,
    add_business_time,
    business_minutes_between,
    business_time_between,
    effective_arrival,
    is_open,
    local_to_utc,
    next_open,
    parse_ical_holidays,
    split_by_local_date,
)

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
EU1 = Calendar.workdays("Europe/Berlin", ("09:00", "17:00"))


def at(zone: ZoneInfo, *args: int) -> dt.datetime:
    """An instant given as local wall-clock time in `zone` (unambiguous times only)."""
    return dt.datetime(*args, tzinfo=zone)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


# -- cases from sla-cases.md -------------------------------------------------------------------------


def test_case_1_deadlines_inside_one_business_day():
    """Case 1: created 09:30 UTC on EU 1; 60/180/240 minutes end at 10:30, 12:30 and 13:30 UTC."""
    created = utc(2013, 3, 21, 9, 30)
    assert add_business_time(EU1, created, 60) == utc(2013, 3, 21, 10, 30)
    assert add_business_time(EU1, created, 180) == utc(2013, 3, 21, 12, 30)
    assert add_business_time(EU1, created, 240) == utc(2013, 3, 21, 13, 30)


def test_case_10_paused_minutes_are_skipped_on_24x7():
    """Case 10: on 24x7, a 30-minute target from creation was due 90 min ago; from creation+75 min
    it is due in 15 minutes, because the 30 minutes in pending-close are skipped (closing is no pause)."""
    calendar = Calendar.twenty_four_seven()
    now = utc(2024, 5, 6, 12, 0)
    created = now - hours(2)
    pending_close = (created + dt.timedelta(minutes=90), now)
    assert add_business_time(calendar, created, 30, [pending_close]) == now - dt.timedelta(minutes=90)
    later_start = created + dt.timedelta(minutes=75)
    assert add_business_time(calendar, later_start, 30, [pending_close]) == now + dt.timedelta(minutes=15)


def test_case_12_break_across_midnight_is_split_in_the_calendars_zone():
    """Case 12: a pause 23:45-00:45 Berlin time becomes two pieces on two Berlin dates."""
    pieces = split_by_local_date(EU1, at(BERLIN, 2024, 6, 12, 23, 45), at(BERLIN, 2024, 6, 13, 0, 45))
    assert [(p.day, p.local_start, p.local_end) for p in pieces] == [
        (dt.date(2024, 6, 12), "23:45", "24:00"),
        (dt.date(2024, 6, 13), "00:00", "00:45"),
    ]


def test_case_13_five_day_break_splits_into_six_local_dates():
    """Case 13: pending from noon for five days: 12:00-24:00, four whole days, then 00:00-12:00."""
    start = at(BERLIN, 2024, 6, 10, 12, 0)
    pieces = split_by_local_date(EU1, start, at(BERLIN, 2024, 6, 15, 12, 0))
    assert [(p.local_start, p.local_end) for p in pieces] == [
        ("12:00", "24:00"),
        *[("00:00", "24:00")] * 4,
        ("00:00", "12:00"),
    ]
    assert [p.day.day for p in pieces] == [10, 11, 12, 13, 14, 15]


def test_case_15_target_running_past_closing_time_is_due_next_morning():
    """Case 15: 1-hour target at 16:30, office closes 17:00: at 17:30 only 30 minutes ran; due 09:30."""
    created = at(BERLIN, 2024, 6, 12, 16, 30)
    assert business_minutes_between(EU1, created, at(BERLIN, 2024, 6, 12, 17, 30)) == 30
    assert add_business_time(EU1, created, 60) == at(BERLIN, 2024, 6, 13, 9, 30)


def test_case_16_friday_afternoon_target_is_due_monday_not_tuesday():
    """Case 16: Mon-Fri 08-17, Friday 16:00 + 4 h = Monday 11:00 (1 h Friday + 3 h Monday)."""
    calendar = Calendar.workdays("Europe/Berlin", ("08:00", "17:00"))
    deadline = add_business_time(calendar, at(BERLIN, 2024, 6, 14, 16, 0), 240)
    assert deadline == at(BERLIN, 2024, 6, 17, 11, 0)
    assert deadline.astimezone(BERLIN).weekday() == MON


def test_case_17_business_hours_wait_for_monday_calendar_hours_do_not():
    """Case 17: 6 hours from Friday 20:00: business hours → Monday 15:00; calendar hours → Saturday 02:00."""
    friday_evening = at(BERLIN, 2024, 6, 14, 20, 0)
    assert add_business_time(EU1, friday_evening, 360) == at(BERLIN, 2024, 6, 17, 15, 0)
    always = EU1.as_twenty_four_seven()
    assert add_business_time(always, friday_evening, 360) == at(BERLIN, 2024, 6, 15, 2, 0)


def test_case_18_pause_during_closed_time_is_not_counted_twice():
    """Case 18: paused on a holiday (Wed) until Thu 11:00: only Thu 09-11 is taken out of the clock.

    Created Tue 16:00 with 120 minutes: Tue 16-17 runs 60; Wednesday is closed (holiday) *and*
    paused — counted once as closed time; Thursday 09-11 is paused; 60 more → Thu 12:00.
    """
    calendar = Calendar.workdays("Europe/Berlin", ("09:00", "17:00"), holidays=Holidays.of(["2024-12-25"]))
    created = at(BERLIN, 2024, 12, 24, 16, 0)
    pause = (at(BERLIN, 2024, 12, 25, 10, 0), at(BERLIN, 2024, 12, 26, 11, 0))
    assert add_business_time(calendar, created, 120) == at(BERLIN, 2024, 12, 26, 10, 0)
    assert add_business_time(calendar, created, 120, [pause]) == at(BERLIN, 2024, 12, 26, 12, 0)
    open_minutes = business_time_between(calendar, *pause)
    assert open_minutes - business_time_between(calendar, *pause, [pause]) == hours(2)


def test_case_20_cutoff_moves_late_arrivals_to_the_next_business_day():
    """Case 20: with a 16:30 cutoff, 16:45 counts from 09:00 next business day; 16:15 counts at once."""
    calendar = Calendar.workdays("Europe/Berlin", ("09:00", "17:00"), cutoff="16:30")
    assert effective_arrival(calendar, at(BERLIN, 2024, 6, 12, 16, 45)) == at(BERLIN, 2024, 6, 13, 9, 0)
    assert effective_arrival(calendar, at(BERLIN, 2024, 6, 12, 16, 15)) == at(BERLIN, 2024, 6, 12, 16, 15)
    assert effective_arrival(calendar, at(BERLIN, 2024, 6, 14, 16, 30)) == at(BERLIN, 2024, 6, 17, 9, 0)
    assert effective_arrival(EU1, at(BERLIN, 2024, 6, 12, 16, 45)) == at(BERLIN, 2024, 6, 12, 16, 45)


# -- daylight saving, both hemispheres --------------------------------------------------------------


def test_berlin_spring_forward_target_longer_than_a_business_day():
    """Fri 2024-03-29 15:00 CET + 16 h (09-17): Fri 2 h, Mon 8 h, Tue 6 h → Tue 15:00 CEST = 13:00 UTC.

    Reusing Friday's +01:00 offset after the switch would give 14:00 UTC, an hour late.
    """
    deadline = add_business_time(EU1, at(BERLIN, 2024, 3, 29, 15, 0), 16 * 60)
    assert deadline == utc(2024, 4, 2, 13, 0)


def test_berlin_fall_back_target_longer_than_a_business_day():
    """Fri 2024-10-25 15:00 CEST + 16 h: Fri 2 h, Mon 8 h, Tue 6 h → Tue 15:00 CET = 14:00 UTC."""
    deadline = add_business_time(EU1, at(BERLIN, 2024, 10, 25, 15, 0), 16 * 60)
    assert deadline == utc(2024, 10, 29, 14, 0)


def test_new_york_fall_back_target_longer_than_a_business_day():
    """Fri 2024-11-01 16:00 EDT + 10 h (09-17 New York): Fri 1 h, Mon 8 h, Tue 1 h → 10:00 EST = 15:00 UTC."""
    calendar = Calendar.workdays("America/New_York", ("09:00", "17:00"))
    assert add_business_time(calendar, at(NEW_YORK, 2024, 11, 1, 16, 0), 600) == utc(2024, 11, 5, 15, 0)


def test_sydney_fall_back_in_april():
    """Fri 2024-04-05 16:00 AEDT (+11) + 10 h: Fri 1, Mon 8, Tue 1 → Tue 10:00 AEST (+10) = 00:00 UTC."""
    calendar = Calendar.workdays("Australia/Sydney", ("09:00", "17:00"))
    assert add_business_time(calendar, at(SYDNEY, 2024, 4, 5, 16, 0), 600) == utc(2024, 4, 9, 0, 0)


def test_sydney_spring_forward_in_october():
    """Fri 2024-10-04 16:00 AEST (+10) + 10 h: → Tue 10:00 AEDT (+11) = Mon 2024-10-07 23:00 UTC."""
    calendar = Calendar.workdays("Australia/Sydney", ("09:00", "17:00"))
    assert add_business_time(calendar, at(SYDNEY, 2024, 10, 4, 16, 0), 600) == utc(2024, 10, 7, 23, 0)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Berlin", dt.date(2024, 3, 31)),
        ("Europe/Berlin", dt.date(2024, 10, 27)),
        ("America/New_York", dt.date(2024, 11, 3)),
        ("Australia/Sydney", dt.date(2024, 4, 7)),
        ("Australia/Sydney", dt.date(2024, 10, 6)),
    ],
)
def test_nine_to_five_is_eight_hours_on_switch_days(zone, day):
    """A 09:00-17:00 frame on the very day of a clock switch is 8 business hours."""
    calendar = Calendar.weekly(zone, {d: [("09:00", "17:00")] for d in range(7)})
    assert business_time_between(
        calendar, calendar.midnight(day), calendar.midnight(day + dt.timedelta(1))
    ) == hours(8)


@pytest.mark.parametrize(
    ("zone", "night", "length"),
    [
        ("Europe/Berlin", dt.date(2024, 3, 30), 7),
        ("Europe/Berlin", dt.date(2024, 10, 26), 9),
        ("America/New_York", dt.date(2024, 11, 2), 9),
        ("Australia/Sydney", dt.date(2024, 4, 6), 9),
        ("Australia/Sydney", dt.date(2024, 10, 5), 7),
    ],
)
def test_night_frame_over_a_switch_counts_real_hours(zone, night, length):
    """A 22:00-06:00 frame over a switch night lasts the 7 or 9 hours people actually work."""
    calendar = Calendar.weekly(zone, {d: [("22:00", "06:00")] for d in range(7)})
    assert calendar.day_intervals(night)[0][1] - calendar.day_intervals(night)[0][0] == hours(length)


def test_full_day_frame_on_switch_days_is_23_or_25_hours():
    """A 00:00-24:00 frame is 23 h on the spring switch day and 25 h on the autumn one (Berlin)."""
    calendar = Calendar.weekly("Europe/Berlin", {SUN: [("00:00", "24:00")]})
    spring, autumn = (
        calendar.day_intervals(dt.date(2024, 3, 31)),
        calendar.day_intervals(dt.date(2024, 10, 27)),
    )
    assert spring[0][1] - spring[0][0] == hours(23)
    assert autumn[0][1] - autumn[0][0] == hours(25)


def test_nonexistent_local_time_snaps_to_the_switch_and_ambiguous_takes_the_first():
    """02:30 on 2024-03-31 Berlin does not exist → 03:00 CEST (01:00 UTC); on 2024-10-27 it occurs twice
    → the first occurrence, 02:30 CEST (00:30 UTC). A Sunday frame 02:30-04:00 is then 1 h and 2.5 h."""
    assert local_to_utc(dt.datetime(2024, 3, 31, 2, 30), BERLIN) == utc(2024, 3, 31, 1, 0)
    assert local_to_utc(dt.datetime(2024, 10, 27, 2, 30), BERLIN) == utc(2024, 10, 27, 0, 30)
    calendar = Calendar.weekly("Europe/Berlin", {SUN: [("02:30", "04:00")]})
    (spring,) = calendar.day_intervals(dt.date(2024, 3, 31))
    (autumn,) = calendar.day_intervals(dt.date(2024, 10, 27))
    assert spring[1] - spring[0] == hours(1)
    assert autumn[1] - autumn[0] == hours(2.5)


def test_calendar_hours_across_a_switch_are_real_hours():
    """24x7: Sat 2024-03-30 12:00 CET + 48 h = Mon 11:00 UTC (13:00 CEST), not 12:00 local."""
    always = Calendar.twenty_four_seven("Europe/Berlin")
    assert add_business_time(always, at(BERLIN, 2024, 3, 30, 12, 0), 48 * 60) == utc(2024, 4, 1, 11, 0)


# -- zones, frames, holidays ------------------------------------------------------------------------


def test_client_calendar_in_another_zone_than_agent_and_server():
    """A New York client's 09-17 counts in New York: 14:00 UTC (10:00 NY, 16:00 Berlin) + 2 h = 16:00 UTC,
    and at 12:00 UTC (08:00 NY) the clock waits for 09:00 NY although Berlin's office is open."""
    calendar = Calendar.workdays("America/New_York", ("09:00", "17:00"))
    assert add_business_time(calendar, utc(2024, 6, 3, 14, 0), 120) == utc(2024, 6, 3, 16, 0)
    assert not is_open(calendar, utc(2024, 6, 3, 12, 0))
    assert is_open(EU1, utc(2024, 6, 3, 12, 0))
    assert add_business_time(calendar, utc(2024, 6, 3, 12, 0), 120) == utc(2024, 6, 3, 15, 0)


def test_frames_across_midnight_belong_to_the_day_they_start():
    """Night desk Mon-Fri 22-06: Fri 23:00 + 8 h runs 7 h until Sat 06:00, nothing on the weekend
    (no Saturday or Sunday night frames), 1 h from Mon 22:00 → Mon 23:00."""
    night = Calendar.workdays("Europe/Berlin", ("22:00", "06:00"))
    assert add_business_time(night, at(BERLIN, 2024, 6, 14, 23, 0), 480) == at(BERLIN, 2024, 6, 17, 23, 0)
    assert is_open(night, at(BERLIN, 2024, 6, 15, 5, 59))
    assert not is_open(night, at(BERLIN, 2024, 6, 15, 6, 0))
    assert not is_open(night, at(BERLIN, 2024, 6, 15, 22, 0))


def test_holiday_cancels_the_night_frame_starting_that_day_only():
    """A holiday on Friday cancels Friday night's frame, but Thursday night still runs into Friday morning."""
    night = Calendar.workdays("Europe/Berlin", ("22:00", "06:00"), holidays=Holidays.of(["2024-06-14"]))
    assert is_open(night, at(BERLIN, 2024, 6, 14, 3, 0))
    assert not is_open(night, at(BERLIN, 2024, 6, 14, 23, 0))


def test_two_frames_in_one_day_skip_lunch():
    """09-12 and 13-17: 11:30 + 60 min = 13:30; 11:00 to 14:00 is two business hours."""
    calendar = Calendar.workdays("Europe/Berlin", ("09:00", "12:00"), ("13:00", "17:00"))
    assert add_business_time(calendar, at(BERLIN, 2024, 6, 12, 11, 30), 60) == at(BERLIN, 2024, 6, 12, 13, 30)
    assert business_minutes_between(calendar, at(BERLIN, 2024, 6, 12, 11), at(BERLIN, 2024, 6, 12, 14)) == 120
    assert next_open(calendar, at(BERLIN, 2024, 6, 12, 12, 0)) == at(BERLIN, 2024, 6, 12, 13, 0)


def test_holiday_on_a_working_day_is_closed():
    """Recurring Christmas Day: Tue 24 Dec 16:00 + 2 h → Tue 1 h, Wed closed, Thu 26 Dec 10:00."""
    calendar = Calendar.workdays(
        "Europe/Berlin", ("09:00", "17:00"), holidays=Holidays.of(recurring=["12-25"])
    )
    assert add_business_time(calendar, at(BERLIN, 2024, 12, 24, 16, 0), 120) == at(
        BERLIN, 2024, 12, 26, 10, 0
    )
    assert not is_open(calendar, at(BERLIN, 2030, 12, 25, 10, 0))


def test_24x7_has_no_closed_minute_at_midnight():
    """24x7 is open at 23:59:59 and at 00:00; 23:59 + 2 min = 00:01; the same holds for a calendar
    built from 00:00-24:00 frames on every day."""
    for calendar in (
        Calendar.twenty_four_seven("Europe/Berlin"),
        Calendar.weekly("Europe/Berlin", {d: [("00:00", "24:00")] for d in range(7)}),
    ):
        before_midnight = at(BERLIN, 2024, 6, 12, 23, 59)
        assert is_open(calendar, at(BERLIN, 2024, 6, 12, 23, 59, 59))
        assert is_open(calendar, at(BERLIN, 2024, 6, 13, 0, 0))
        assert add_business_time(calendar, before_midnight, 2) == at(BERLIN, 2024, 6, 13, 0, 1)
        assert business_minutes_between(calendar, before_midnight, at(BERLIN, 2024, 6, 13, 0, 1)) == 2


def test_pause_outside_business_hours_changes_nothing():
    """Mon 16:00 + 2 h on 09-17 is Tue 10:00 with or without a pause from Mon 18:00 to Tue 08:00;
    a pause Mon 18:00 → Tue 10:00 takes Tue 09-10 away → Tue 11:00."""
    created = at(BERLIN, 2024, 6, 10, 16, 0)
    outside = (at(BERLIN, 2024, 6, 10, 18, 0), at(BERLIN, 2024, 6, 11, 8, 0))
    into_morning = (at(BERLIN, 2024, 6, 10, 18, 0), at(BERLIN, 2024, 6, 11, 10, 0))
    assert add_business_time(EU1, created, 120, [outside]) == at(BERLIN, 2024, 6, 11, 10, 0)
    assert add_business_time(EU1, created, 120, [into_morning]) == at(BERLIN, 2024, 6, 11, 11, 0)


def test_deadline_on_the_end_of_a_frame_stays_there():
    """16:00 + 60 min = 17:00 the same day (the earliest instant the time is used up), not 09:00 tomorrow."""
    assert add_business_time(EU1, at(BERLIN, 2024, 6, 12, 16, 0), 60) == at(BERLIN, 2024, 6, 12, 17, 0)
    assert add_business_time(EU1, at(BERLIN, 2024, 6, 12, 20, 0), 0) == at(BERLIN, 2024, 6, 12, 20, 0)


def test_next_open_and_is_open_treat_frame_end_as_exclusive():
    """17:00 is closed (end exclusive); the next open minute after Friday 17:00 is Monday 09:00."""
    assert not is_open(EU1, at(BERLIN, 2024, 6, 14, 17, 0))
    assert is_open(EU1, at(BERLIN, 2024, 6, 14, 16, 59, 59))
    assert next_open(EU1, at(BERLIN, 2024, 6, 14, 17, 0)) == at(BERLIN, 2024, 6, 17, 9, 0)


def test_ical_holidays_all_day_events_and_yearly_rules():
    """iCal import: a yearly Christmas, a one-off Good Friday, a two-day span, Thanksgiving by rule;
    timed events are not holidays."""
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:xmas",
            "SUMMARY:Christmas Day",
            "DTSTART;VALUE=DATE:20201225",
            "RRULE:FREQ=YEARLY",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:goodfriday",
            "SUMMARY:Good Friday",
            "DTSTART;VALUE=DATE:20250418",
            "DTEND;VALUE=DATE:20250419",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:newyear",
            "SUMMARY:Office closed",
            "DTSTART;VALUE=DATE:20241230",
            "DTEND;VALUE=DATE:20250101",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:thanksgiving",
            "SUMMARY:Thanksgiving",
            "DTSTART;VALUE=DATE:20221124",
            "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:meeting",
            "SUMMARY:Staff meeting",
            "DTSTART:20250110T100000Z",
            "DTEND:20250110T110000Z",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
    holidays = parse_ical_holidays(text)
    assert dt.date(2091, 12, 25) in holidays
    assert dt.date(2025, 4, 18) in holidays
    assert dt.date(2024, 12, 30) in holidays
    assert dt.date(2024, 12, 31) in holidays
    assert dt.date(2025, 1, 1) not in holidays
    assert dt.date(2024, 11, 28) in holidays
    assert dt.date(2025, 11, 27) in holidays
    assert dt.date(2025, 11, 28) not in holidays
    assert dt.date(2025, 1, 10) not in holidays
    calendar = Calendar.workdays("America/New_York", ("09:00", "17:00"), holidays=holidays)
    assert not is_open(calendar, at(NEW_YORK, 2025, 11, 27, 10, 0))


def test_recurring_leap_day_only_in_leap_years():
    """A recurring 29 February closes that day in leap years and nothing in other years."""
    calendar = Calendar.workdays("UTC", ("09:00", "17:00"), holidays=Holidays.of(recurring=[(2, 29)]))
    assert not is_open(calendar, utc(2028, 2, 29, 10))
    assert is_open(calendar, utc(2027, 3, 1, 10))


def test_overlapping_frames_are_refused():
    """Frames that overlap — within a day or a night frame into the next morning — are rejected."""
    with pytest.raises(ValueError, match="overlap"):
        Calendar.workdays("UTC", ("09:00", "13:00"), ("12:00", "17:00"))
    with pytest.raises(ValueError, match="overlap"):
        Calendar.weekly("UTC", {MON: [("22:00", "06:00")], TUE: [("05:00", "12:00")]})
    with pytest.raises(ValueError, match="overlap"):
        Calendar.weekly("UTC", {SUN: [("22:00", "06:00")], MON: [("05:00", "12:00")]})
    with pytest.raises(ValueError, match="frame"):
        Calendar.weekly("UTC", {})


def test_naive_datetimes_are_refused():
    """Instants must carry a zone: a naive datetime is a bug, not a guess."""
    with pytest.raises(ValueError, match="aware"):
        add_business_time(EU1, dt.datetime(2024, 6, 12, 9), 60)


def test_ten_thousand_business_hours_with_holidays_is_fast():
    """Adding 10,000 business hours (about five years) over a calendar with holidays takes < 5 ms."""
    holidays = Holidays.of(dates=["2025-04-18", "2026-04-03"], recurring=["01-01", "05-01", "12-25", "12-26"])
    calendar = Calendar.workdays("Europe/Berlin", ("08:00", "12:00"), ("13:00", "17:00"), holidays=holidays)
    start = at(BERLIN, 2024, 3, 1, 10, 0)
    deadline = add_business_time(calendar, start, 10_000 * 60)  # also warms the zone's switch table
    timings = []
    for _ in range(15):
        began = time.perf_counter()
        add_business_time(calendar, start + dt.timedelta(hours=1), 10_000 * 60)
        timings.append(time.perf_counter() - began)
    assert statistics.median(timings) < 0.005
    assert business_minutes_between(calendar, start, deadline) == 600_000
    assert deadline.astimezone(BERLIN).weekday() in WEEKDAYS


def test_ical_rules_with_count_and_exdate_are_expanded():
    """A yearly rule with COUNT and an EXDATE becomes the listed dates minus the excluded one."""
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "BEGIN:VEVENT",
            "UID:new-year",
            "DTSTART;VALUE=DATE:20240101",
            "RRULE:FREQ=YEARLY;COUNT=5",
            "EXDATE;VALUE=DATE:20250101",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
    holidays = parse_ical_holidays(text)
    assert sorted(holidays.dates) == [dt.date(year, 1, 1) for year in (2024, 2026, 2027, 2028)]
    assert not holidays.recurring


def test_midnight_that_does_not_exist_starts_the_day_at_the_switch():
    """Santiago skips 2024-09-08 00:00-01:00: that date begins at 01:00 local (04:00 UTC), so a break
    from 23:00 to 02:00 wall time splits into 23:00-24:00 and 01:00-02:00 (two real hours)."""
    santiago = ZoneInfo("America/Santiago")
    calendar = Calendar.twenty_four_seven("America/Santiago")
    assert calendar.midnight(dt.date(2024, 9, 8)) == utc(2024, 9, 8, 4, 0)
    pieces = split_by_local_date(calendar, at(santiago, 2024, 9, 7, 23, 0), at(santiago, 2024, 9, 8, 2, 0))
    assert [(p.day.day, p.local_start, p.local_end, p.duration) for p in pieces] == [
        (7, "23:00", "24:00", hours(1)),
        (8, "01:00", "02:00", hours(1)),
    ]


def test_calendars_are_comparable_values():
    """Two calendars built from the same parts are equal and hash alike (usable as cache keys)."""
    first = Calendar.workdays("Europe/Berlin", ("09:00", "17:00"), holidays=Holidays.of(recurring=["12-25"]))
    second = Calendar.workdays(
        "Europe/Berlin", ("09:00", "17:00"), holidays=Holidays.of(recurring=[(12, 25)])
    )
    assert first == second
    assert hash(first) == hash(second)
    assert first != EU1


def test_calendar_spec_round_trips_through_plain_data():
    """A calendar written as plain data (for the API and storage) reads back as the same calendar."""
    calendar = Calendar.weekly(
        "America/New_York",
        {MON: [("09:00", "12:00"), ("13:00", "17:00")], TUE: [("22:00", "06:00")], SUN: [("00:00", "24:00")]},
        holidays=Holidays.of(["2025-11-27"], recurring=["12-25"]),
        cutoff="16:30",
    )
    spec = calendar.to_spec()
    assert spec["week"]["tue"] == [["22:00", "06:00"]]
    assert Calendar.from_spec(spec) == calendar
    always = Calendar.twenty_four_seven("Asia/Kolkata")
    assert Calendar.from_spec(always.to_spec()) == always
    with pytest.raises(ValueError, match="weekdays"):
        Calendar.from_spec({"zone": "UTC", "week": {"monday": [["09:00", "17:00"]]}})
