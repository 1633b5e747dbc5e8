"""The business calendar value object and its translation from local wall-clock time to UTC.

Local-time rules (documented in docs/adr/0004-sla-clock.md):

- A local wall-clock time T on a date means *the first instant at which the zone's clock reads T or
  later*. So a time that does not exist (skipped by a spring-forward switch) becomes the moment of
  the switch, and a time that occurs twice (fall-back) means its first occurrence.
- Frames are then measured in real elapsed time: 09:00-17:00 is 8 hours on a switch day too, while a
  night frame 22:00-06:00 over a switch night is 7 or 9 real hours, and a 00:00-24:00 frame is 23 or
  25 hours, because that is how long people actually worked.
"""

from __future__ import annotations

import bisect
import calendar as calendar_module
import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from offload.core.businesstime.holidays import Holidays

UTC = dt.UTC
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
_DAY_SECONDS = 86_400
_WEEK_SECONDS = 7 * _DAY_SECONDS

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)

Interval = tuple[dt.datetime, dt.datetime]
"""A half-open UTC interval [start, end)."""


def _parse_time(value: dt.time | str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if value == "24:00":
        return dt.time(0)
    return dt.time.fromisoformat(value)


def _format_time(value: dt.time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _seconds(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


@dataclass(frozen=True)
class Frame:
    """Opening hours within one day: [start, end) in local wall-clock time.

    `end` is exclusive. An end at or before the start means the frame runs past midnight and ends on
    the next day (22:00-06:00; 17:00-00:00 ends at midnight); start == end is a full 24 hours.
    The frame belongs to the day on which it starts.
    """

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value.tzinfo is not None or value.microsecond:
                raise ValueError("frame times are naive local times with whole seconds")

    @classmethod
    def of(cls, start: dt.time | str, end: dt.time | str) -> Frame:
        """Build from times or "HH:MM" strings ("24:00" = midnight at the end of the day)."""
        return cls(_parse_time(start), _parse_time(end))

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def nominal_seconds(self) -> int:
        """Length on a day without a clock switch."""
        length = (_seconds(self.end) - _seconds(self.start)) % _DAY_SECONDS
        return length or _DAY_SECONDS


FrameSpec = Frame | tuple[dt.time | str, dt.time | str]


def _frame(spec: FrameSpec) -> Frame:
    return spec if isinstance(spec, Frame) else Frame.of(*spec)


def _check_no_overlap(week: Sequence[Sequence[Frame]]) -> None:
    """Frames may not overlap, not even a night frame with the next morning's (on a weekly circle)."""
    spans: list[tuple[int, int]] = []
    for weekday, frames in enumerate(week):
        for frame in frames:
            begin = weekday * _DAY_SECONDS + _seconds(frame.start)
            spans.append((begin, begin + frame.nominal_seconds))
    spans.sort()
    for (_, end), (next_begin, _) in itertools.pairwise(spans):
        if next_begin < end:
            raise ValueError("calendar frames overlap")
    if len(spans) > 1 and spans[-1][1] > spans[0][0] + _WEEK_SECONDS:
        raise ValueError("calendar frames overlap across the end of the week")


@dataclass(frozen=True)
class Calendar:
    """Business hours: an IANA zone, frames per weekday (Monday = 0), holidays and an optional cutoff.

    `always_open` makes a true 24x7 calendar: every instant is business time, with no closed minute
    at midnight and no dependence on frames or holidays. `cutoff` (local time) makes anything that
    arrives at or after it count as arriving at the start of the next business day.
    """

    zone: str = "UTC"
    week: tuple[tuple[Frame, ...], ...] = ((), (), (), (), (), (), ())
    holidays: Holidays = field(default_factory=Holidays)
    cutoff: dt.time | None = None
    always_open: bool = False
    tz: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    # Per-instance memo of built intervals; calendars are immutable, so it never goes stale.
    _day_cache: dict[dt.date, tuple[Interval, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _irregular_cache: dict[int, list[dt.date]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        tz = ZoneInfo(self.zone)  # raises for an unknown zone name
        object.__setattr__(self, "tz", tz)
        week = tuple(tuple(_frame(f) for f in frames) for frames in self.week)
        if len(week) != 7:
            raise ValueError("a week has seven days")
        object.__setattr__(self, "week", tuple(tuple(sorted(day, key=lambda f: f.start)) for day in week))
        if self.cutoff is not None:
            object.__setattr__(self, "cutoff", _parse_time(self.cutoff))
        if not self.always_open:
            _check_no_overlap(self.week)
            if not any(self.week):
                raise ValueError("a business calendar needs at least one frame")

    # -- constructors ---------------------------------------------------------------------------

    @classmethod
    def weekly(
        cls,
        zone: str,
        frames: Mapping[int, Iterable[FrameSpec]],
        *,
        holidays: Holidays | None = None,
        cutoff: dt.time | str | None = None,
    ) -> Calendar:
        """Frames per weekday, e.g. {MON: [("09:00", "12:00"), ("13:00", "17:00")], ...}."""
        if any(day not in range(7) for day in frames):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        week = tuple(tuple(_frame(f) for f in frames.get(day, ())) for day in range(7))
        return cls(
            zone=zone,
            week=week,
            holidays=holidays or Holidays(),
            cutoff=_parse_time(cutoff) if cutoff is not None else None,
        )

    @classmethod
    def workdays(
        cls,
        zone: str,
        *frames: FrameSpec,
        days: Iterable[int] = WEEKDAYS,
        holidays: Holidays | None = None,
        cutoff: dt.time | str | None = None,
    ) -> Calendar:
        """The same frames on each of `days` (Monday-Friday by default)."""
        return cls.weekly(zone, dict.fromkeys(days, frames), holidays=holidays, cutoff=cutoff)

    @classmethod
    def twenty_four_seven(cls, zone: str = "UTC") -> Calendar:
        """Calendar hours: always open. The zone only matters for splitting breaks per local date."""
        return cls(zone=zone, always_open=True)

    def as_twenty_four_seven(self) -> Calendar:
        """The 24x7 calendar in this calendar's zone (for targets measured in calendar hours)."""
        return Calendar.twenty_four_seven(self.zone)

    # -- plain data (API payloads, stored definitions) -------------------------------------------

    def to_spec(self) -> dict[str, Any]:
        """A JSON-ready description; `Calendar.from_spec(c.to_spec()) == c`."""
        return {
            "zone": self.zone,
            "always_open": self.always_open,
            "week": {
                _DAY_NAMES[day]: [[_format_time(f.start), _format_time(f.end)] for f in frames]
                for day, frames in enumerate(self.week)
                if frames
            },
            "holidays": sorted(d.isoformat() for d in self.holidays.dates),
            "recurring_holidays": sorted(f"{m:02d}-{d:02d}" for m, d in self.holidays.recurring),
            "cutoff": _format_time(self.cutoff) if self.cutoff is not None else None,
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Calendar:
        """Build from `to_spec()` output (weekday keys "mon".."sun", "HH:MM" times)."""
        holidays = Holidays.of(spec.get("holidays", ()), spec.get("recurring_holidays", ()))
        if spec.get("always_open"):
            return cls(zone=spec.get("zone", "UTC"), always_open=True, holidays=holidays)
        unknown = set(spec.get("week", {})) - set(_DAY_NAMES)
        if unknown:
            raise ValueError(f"unknown weekdays: {sorted(unknown)}")
        frames = {
            _DAY_NAMES.index(name): [tuple(frame) for frame in day] for name, day in spec["week"].items()
        }
        return cls.weekly(spec["zone"], frames, holidays=holidays, cutoff=spec.get("cutoff"))

    # -- local time -----------------------------------------------------------------------------

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def to_utc(self, local: dt.datetime) -> dt.datetime:
        """The first instant at which the zone's wall clock reads `local` or later (see module doc)."""
        return local_to_utc(local, self.tz)

    def midnight(self, day: dt.date) -> dt.datetime:
        """UTC instant at which local `day` begins."""
        return local_to_utc(dt.datetime.combine(day, dt.time()), self.tz)

    @cached_property
    def weekly_seconds(self) -> int:
        """Business seconds in a week without holidays or clock switches."""
        return sum(frame.nominal_seconds for frames in self.week for frame in frames)

    def day_intervals(self, day: dt.date) -> tuple[Interval, ...]:
        """UTC intervals of the frames that start on local `day` (none on a holiday)."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        intervals: list[Interval] = []
        if day not in self.holidays:
            for frame in self.week[day.weekday()]:
                start = self.to_utc(dt.datetime.combine(day, frame.start))
                end_day = day + DAY if frame.crosses_midnight else day
                end = self.to_utc(dt.datetime.combine(end_day, frame.end))
                if end > start:
                    intervals.append((start, end))
        result = tuple(intervals)
        if len(self._day_cache) > 4096:
            self._day_cache.clear()
        self._day_cache[day] = result
        return result

    def regular_weeks(self, first_day: dt.date, limit: int) -> int:
        """How many whole weeks from `first_day` on (at most `limit`) have no holiday or clock switch.

        Frames of such weeks last exactly their nominal length, so arithmetic may skip them without
        building intervals. A margin of two days is kept before the next irregular day, since a
        frame that starts on the last day of a week may end on the day after.
        """
        if limit <= 0:
            return 0
        for year in range(first_day.year, first_day.year + 3):
            irregular = self._irregular_days(year)
            index = bisect.bisect_left(irregular, first_day)
            if index < len(irregular):
                weeks = ((irregular[index] - first_day).days - 2) // 7
                return max(0, min(limit, weeks))
        weeks = ((dt.date(first_day.year + 3, 1, 1) - first_day).days - 2) // 7
        return max(0, min(limit, weeks))

    def _irregular_days(self, year: int) -> list[dt.date]:
        cached = self._irregular_cache.get(year)
        if cached is None:
            days = set(_switch_days(self.zone, year))
            days.update(d for d in self.holidays.dates if d.year == year)
            for month, day in self.holidays.recurring:
                if month == 2 and day == 29 and not calendar_module.isleap(year):
                    continue
                days.add(dt.date(year, month, day))
            cached = sorted(days)
            self._irregular_cache[year] = cached
        return cached


@functools.lru_cache(maxsize=512)
def _switch_days(zone: str, year: int) -> list[dt.date]:
    """Sorted local dates of `year` during which the zone's UTC offset changes (with the day after)."""
    tz = ZoneInfo(zone)
    found: set[dt.date] = set()
    day = dt.date(year, 1, 1)
    offset = dt.datetime.combine(day, dt.time(), tzinfo=tz).utcoffset()
    while day.year == year:
        following = day + DAY
        next_offset = dt.datetime.combine(following, dt.time(), tzinfo=tz).utcoffset()
        if next_offset != offset:
            # The switch happens during `day`, or exactly at the midnight that starts `following`.
            found.update((day, following))
        offset = next_offset
        day = following
    return sorted(found)


def local_to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The first instant at which `tz`'s wall clock reads `local` or later.

    Existing times: the first occurrence (fold=0, which zoneinfo maps to the earlier instant).
    Skipped times (spring forward): the instant of the switch itself.
    """
    if local.tzinfo is not None:
        raise ValueError("expected a naive local datetime")
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == local:
        return first
    other = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = sorted((first, other))
    low_offset = low.astimezone(tz).utcoffset()
    # The switch lies in (low, high]; clock switches happen on whole seconds.
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if dt.datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == low_offset:
            lo = mid
        else:
            hi = mid
    return dt.datetime.fromtimestamp(hi, UTC)
