"""Arithmetic over a business calendar: add business time, measure it, find open instants.

All instants in and out are timezone-aware; results are in UTC. `pauses` are closed UTC intervals
during which the clock does not run; they may overlap each other and closed time — business time
is the open time *minus the union* of the pauses, so nothing is ever subtracted twice.

Long spans skip whole regular weeks (no holiday, no clock switch, no pause) arithmetically, so
adding 10,000 business hours costs a few hundred cheap steps rather than minutes or days.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from offload.core.businesstime.calendar import DAY, UTC, Calendar, Interval

# No calendar is closed for this long; a search that runs past it has no open time to find.
_SEARCH_LIMIT_DAYS = 366 * 30
_TICK = dt.timedelta(microseconds=1)


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _as_timedelta(amount: dt.timedelta | float) -> dt.timedelta:
    delta = amount if isinstance(amount, dt.timedelta) else dt.timedelta(minutes=amount)
    if delta < dt.timedelta(0):
        raise ValueError("business time to add must not be negative")
    return delta


class _Pauses:
    """Sorted, merged pause intervals with overlap queries."""

    def __init__(self, pauses: Iterable[Interval]) -> None:
        ordered = sorted((_aware(start, "pause start"), _aware(end, "pause end")) for start, end in pauses)
        merged: list[list[dt.datetime]] = []
        for start, end in ordered:
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __bool__(self) -> bool:
        return bool(self.starts)

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        index = bisect.bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end

    def subtract(self, start: dt.datetime, end: dt.datetime) -> Iterator[Interval]:
        """Pieces of [start, end) not covered by a pause."""
        index = bisect.bisect_right(self.ends, start)
        cursor = start
        while cursor < end and index < len(self.starts) and self.starts[index] < end:
            if self.starts[index] > cursor:
                yield cursor, self.starts[index]
            cursor = max(cursor, self.ends[index])
            index += 1
        if cursor < end:
            yield cursor, end


def _open_pieces(calendar: Calendar, day: dt.date, pauses: _Pauses) -> Iterator[Interval]:
    for start, end in calendar.day_intervals(day):
        if pauses:
            yield from pauses.subtract(start, end)
        else:
            yield start, end


def _skippable_weeks(calendar: Calendar, day: dt.date, pauses: _Pauses, limit: int) -> int:
    """Whole regular weeks from local `day` on (no holiday, clock switch or pause), at most `limit`."""
    weeks = calendar.regular_weeks(day, limit)
    if weeks and pauses:
        begin = calendar.midnight(day)
        index = bisect.bisect_right(pauses.ends, begin)
        if index < len(pauses.starts):
            if pauses.starts[index] <= begin:
                return 0
            until_pause = (calendar.local_date(pauses.starts[index]) - day).days - 2
            weeks = max(0, min(weeks, until_pause // 7))
    return weeks


def add_business_time(
    calendar: Calendar,
    start: dt.datetime,
    minutes: dt.timedelta | float,
    pauses: Iterable[Interval] = (),
) -> dt.datetime:
    """The earliest instant by which `minutes` of business time have passed since `start`.

    A deadline that lands exactly on the end of a frame stays there (16:00 + 60 min = 17:00, not
    09:00 next morning); zero minutes returns `start` itself.
    """
    start = _aware(start, "start")
    remaining = _as_timedelta(minutes)
    if not remaining:
        return start
    pause_set = _Pauses(pauses)
    if calendar.always_open:
        # The last piece runs to the end of time, so the loop always returns.
        for piece_start, piece_end in pause_set.subtract(start, dt.datetime.max.replace(tzinfo=UTC)):
            if piece_end - piece_start >= remaining:
                return piece_start + remaining
            remaining -= piece_end - piece_start

    week = dt.timedelta(seconds=calendar.weekly_seconds)
    first_day = calendar.local_date(start) - DAY  # a night frame of the day before may still run
    day = first_day
    while (day - first_day).days < _SEARCH_LIMIT_DAYS:
        if remaining > week and day > first_day + DAY:
            # Keep the last (partial) week for the day-by-day walk that finds the exact instant.
            weeks = _skippable_weeks(calendar, day, pause_set, (remaining - _TICK) // week)
            if weeks:
                remaining -= weeks * week
                day += 7 * weeks * DAY
                continue
        for piece_start, piece_end in _open_pieces(calendar, day, pause_set):
            piece_start = max(piece_start, start)
            if piece_end <= piece_start:
                continue
            if piece_end - piece_start >= remaining:
                return piece_start + remaining
            remaining -= piece_end - piece_start
        day += DAY
    raise ValueError("the calendar has no open time within thirty years")


def business_time_between(
    calendar: Calendar,
    a: dt.datetime,
    b: dt.datetime,
    pauses: Iterable[Interval] = (),
) -> dt.timedelta:
    """Business time in [a, b) minus pauses; zero when b <= a."""
    a = _aware(a, "a")
    b = _aware(b, "b")
    if b <= a:
        return dt.timedelta(0)
    pause_set = _Pauses(pauses)
    if calendar.always_open:
        return sum((end - start for start, end in pause_set.subtract(a, b)), dt.timedelta(0))

    week = dt.timedelta(seconds=calendar.weekly_seconds)
    total = dt.timedelta(0)
    first_day = calendar.local_date(a) - DAY
    last_day = calendar.local_date(b)
    day = first_day
    while day <= last_day:
        if day > first_day + DAY and (last_day - day).days > 9:
            # Frames of the skipped weeks end by the midnight after them, well before `b`.
            weeks = _skippable_weeks(calendar, day, pause_set, ((last_day - day).days - 2) // 7)
            if weeks:
                total += weeks * week
                day += 7 * weeks * DAY
                continue
        for piece_start, piece_end in _open_pieces(calendar, day, pause_set):
            piece_start, piece_end = max(piece_start, a), min(piece_end, b)
            if piece_end > piece_start:
                total += piece_end - piece_start
        day += DAY
    return total


def business_minutes_between(
    calendar: Calendar,
    a: dt.datetime,
    b: dt.datetime,
    pauses: Iterable[Interval] = (),
) -> int:
    """Whole business minutes in [a, b) minus pauses; a started minute counts as a whole one.

    Rounding up keeps minutes and deadlines in agreement: an event is within an N-minute target
    exactly when its measured minutes are at most N.
    """
    seconds = business_time_between(calendar, a, b, pauses).total_seconds()
    return math.ceil(seconds / 60 - 1e-9)


def is_open(calendar: Calendar, moment: dt.datetime) -> bool:
    """Whether `moment` lies inside business hours (frame end exclusive)."""
    moment = _aware(moment, "moment")
    if calendar.always_open:
        return True
    day = calendar.local_date(moment)
    for candidate in (day - DAY, day):
        for start, end in calendar.day_intervals(candidate):
            if start <= moment < end:
                return True
    return False


def next_open(calendar: Calendar, moment: dt.datetime) -> dt.datetime:
    """`moment` itself when open, otherwise the start of the next open stretch."""
    moment = _aware(moment, "moment")
    if calendar.always_open:
        return moment
    first_day = calendar.local_date(moment) - DAY
    for offset in range(_SEARCH_LIMIT_DAYS):
        for start, end in calendar.day_intervals(first_day + offset * DAY):
            if end > moment:
                return max(start, moment)
    raise ValueError("the calendar has no open time within thirty years")


def effective_arrival(calendar: Calendar, moment: dt.datetime) -> dt.datetime:
    """When a clock on `calendar` starts for something arriving at `moment`.

    With a cutoff, an arrival at or after the cutoff (local time of the arrival's day) counts as
    arriving at the start of the next business day; otherwise the arrival time itself (closed time
    before the next frame costs nothing anyway).
    """
    moment = _aware(moment, "moment")
    if calendar.cutoff is None or calendar.always_open:
        return moment
    local = moment.astimezone(calendar.tz)
    if local.time().replace(tzinfo=None) < calendar.cutoff:
        return moment
    return next_open(calendar, calendar.midnight(local.date() + DAY))


@dataclass(frozen=True)
class DayPiece:
    """The part of an interval that falls on one local date of a zone (for reporting breaks)."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    zone: str

    @property
    def local_start(self) -> str:
        """ "HH:MM" on `day`."""
        return self.start.astimezone(_zone(self.zone)).strftime("%H:%M")

    @property
    def local_end(self) -> str:
        """ "HH:MM" on `day`; "24:00" when the piece runs to the end of the day."""
        local = self.end.astimezone(_zone(self.zone))
        if local.date() != self.day:
            return "24:00"
        return local.strftime("%H:%M")

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start


def _zone(name: str) -> dt.tzinfo:
    return ZoneInfo(name)


def split_by_local_date(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> tuple[DayPiece, ...]:
    """Split [start, end) at the local midnights of the calendar's zone."""
    start = _aware(start, "start")
    end = _aware(end, "end")
    pieces: list[DayPiece] = []
    day = calendar.local_date(start)
    cursor = start
    while cursor < end:
        boundary = calendar.midnight(day + DAY)
        piece_end = min(boundary, end)
        if piece_end > cursor:
            pieces.append(DayPiece(day=day, start=cursor, end=piece_end, zone=calendar.zone))
        cursor = max(cursor, piece_end)
        day += DAY
    return tuple(pieces)
