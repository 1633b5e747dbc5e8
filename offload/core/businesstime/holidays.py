"""Holidays: days on which a calendar's frames do not open.

A holiday removes the frames that *start* on that local date (a night frame 22:00-06:00 belongs to
the day it starts, so a holiday on Tuesday cancels Tuesday night, not the Monday night shift that
runs into Tuesday morning).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import icalendar
from dateutil.rrule import rrulestr

# Expanding an open-ended iCal rule needs a horizon; two centuries outlive any SLA.
_ICAL_HORIZON_YEARS = 200
_ICAL_MAX_OCCURRENCES = 20_000


@dataclass(frozen=True)
class Holidays:
    """Closed days: one-off dates and recurring month/day pairs (every year; 29 Feb only in leap years)."""

    dates: frozenset[dt.date] = field(default_factory=frozenset)
    recurring: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dates", frozenset(self.dates))
        object.__setattr__(self, "recurring", frozenset(self.recurring))
        for month, day in self.recurring:
            # Validate against a leap year so that (2, 29) is accepted.
            dt.date(2024, month, day)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return day in self.dates or (day.month, day.day) in self.recurring

    def __bool__(self) -> bool:
        return bool(self.dates or self.recurring)

    def __or__(self, other: Holidays) -> Holidays:
        return Holidays(dates=self.dates | other.dates, recurring=self.recurring | other.recurring)

    @classmethod
    def of(
        cls,
        dates: Iterable[dt.date | str] = (),
        recurring: Iterable[tuple[int, int] | str] = (),
    ) -> Holidays:
        """Build from ISO dates ("2024-12-24") and month/day pairs ((12, 25) or "12-25")."""
        parsed_dates = frozenset(d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in dates)
        parsed_recurring: set[tuple[int, int]] = set()
        for item in recurring:
            if isinstance(item, str):
                month, day = (int(part) for part in item.split("-"))
                parsed_recurring.add((month, day))
            else:
                parsed_recurring.add((int(item[0]), int(item[1])))
        return cls(dates=parsed_dates, recurring=frozenset(parsed_recurring))

    @classmethod
    def from_ical(cls, text: str | bytes) -> Holidays:
        """Read all-day VEVENTs from iCal text; see `parse_ical_holidays`."""
        return parse_ical_holidays(text)


def _as_date(value: object) -> dt.date | None:
    """The date of an all-day iCal value; None for timed values (which are not holidays)."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    return None


def parse_ical_holidays(text: str | bytes) -> Holidays:
    """Holidays from iCal text: every all-day VEVENT, multi-day spans, yearly and other RRULEs.

    A plain `RRULE:FREQ=YEARLY` on the start date (no COUNT, UNTIL, EXDATE or BY-parts) becomes a
    recurring month/day holiday that never runs out; any other rule (e.g. "fourth Thursday of
    November") is expanded into one-off dates over the next two centuries. Timed events (with a
    time of day) are not holidays and are ignored: a calendar closes whole days only.
    """
    calendar = icalendar.Calendar.from_ical(text)
    dates: set[dt.date] = set()
    recurring: set[tuple[int, int]] = set()
    for event in calendar.walk("VEVENT"):
        dtstart = event.get("DTSTART")
        if dtstart is None:
            continue
        start = _as_date(dtstart.dt)
        if start is None:
            continue
        dtend = event.get("DTEND")
        end = _as_date(dtend.dt) if dtend is not None else None
        # DTEND of an all-day event is exclusive; a missing DTEND means one day.
        span = max(1, (end - start).days) if end is not None else 1
        offsets = [dt.timedelta(days=i) for i in range(span)]
        rule = event.get("RRULE")
        if rule is None:
            dates.update(start + offset for offset in offsets)
            continue
        parts = {key.upper() for key in rule}
        if parts == {"FREQ"} and rule["FREQ"][0].upper() == "YEARLY" and event.get("EXDATE") is None:
            recurring.update(((start + o).month, (start + o).day) for o in offsets)
            continue
        for occurrence in _expand(event, start):
            dates.update(occurrence + offset for offset in offsets)
    return Holidays(dates=frozenset(dates), recurring=frozenset(recurring))


def _expand(event: icalendar.cal.Component, start: dt.date) -> list[dt.date]:
    """Occurrence dates of an event's RRULE (minus EXDATEs), bounded by a fixed horizon."""
    raw_rule = event["RRULE"].to_ical()
    rule_text = raw_rule.decode() if isinstance(raw_rule, bytes) else str(raw_rule)
    begin = dt.datetime.combine(start, dt.time())
    rule = rrulestr(rule_text, dtstart=begin, ignoretz=True)
    horizon = begin.replace(year=min(begin.year + _ICAL_HORIZON_YEARS, 9999))
    excluded: set[dt.date] = set()
    exdates = event.get("EXDATE")
    for entry in exdates if isinstance(exdates, list) else [exdates] if exdates is not None else []:
        for value in entry.dts:
            day = value.dt.date() if isinstance(value.dt, dt.datetime) else value.dt
            excluded.add(day)
    found: list[dt.date] = []
    for occurrence in rule.xafter(begin, count=_ICAL_MAX_OCCURRENCES, inc=True):
        if occurrence > horizon:
            break
        if occurrence.date() not in excluded:
            found.append(occurrence.date())
    return found
