"""Expanding a schedule's RRULE into moments, in its own time zone, daylight-saving safe (pure).

The rule runs over naive local date-times ("06:00 on the first Monday"), and each local time is
then placed in the zone: 06:00 stays 06:00 when the clocks change. A local time that does not
exist (skipped by a spring-forward) moves forward by the gap; an ambiguous one (autumn) takes
the first of its two instants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

MAX_OCCURRENCES_PER_RUN = 500


class RecurrenceError(ValueError):
    """A rule or a zone that cannot be read."""


def check_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecurrenceError(f"Unknown time zone {name!r}.") from exc


def check_rule(rule: str) -> str:
    """The rule, cleaned; raises RecurrenceError with a readable reason when it is not valid."""
    cleaned = rule.strip().removeprefix("RRULE:").strip()
    if not cleaned:
        raise RecurrenceError("A schedule needs a rule, e.g. FREQ=MONTHLY;BYDAY=1MO.")
    if "DTSTART" in cleaned.upper():
        raise RecurrenceError("Give the start date separately, not as DTSTART in the rule.")
    try:
        rule_obj = rrulestr(cleaned, dtstart=dt.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"Not a recurrence rule: {exc}.") from exc
    if rule_obj.after(dt.datetime(2000, 1, 1), inc=True) is None:
        raise RecurrenceError("The rule never occurs.")
    return cleaned


def place(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant of naive `local` in `zone`: skipped times move forward, ambiguous take the first.

    Both follow from PEP 495's fold=0: a time in a spring-forward gap is read with the offset
    before the change (02:30 → 03:30 summer time), an ambiguous one as its first occurrence.
    """
    return local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def occurrences(
    *, rule: str, starts_on: dt.date, at_time: dt.time, zone_name: str, after: dt.datetime, until: dt.datetime
) -> Iterator[dt.datetime]:
    """The schedule's moments (UTC) in (after, until], at most MAX_OCCURRENCES_PER_RUN of them."""
    zone = check_zone(zone_name)
    start = dt.datetime.combine(starts_on, at_time)
    rule_obj = rrulestr(check_rule(rule), dtstart=start)
    # Search local times one day either side, then keep the instants that fall inside the window.
    local_after = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
    local_until = until.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
    produced = 0
    for local in rule_obj.between(local_after, local_until, inc=True):
        moment = place(local, zone)
        if after < moment <= until:
            yield moment
            produced += 1
            if produced >= MAX_OCCURRENCES_PER_RUN:
                return


def next_occurrence(
    *, rule: str, starts_on: dt.date, at_time: dt.time, zone_name: str, after: dt.datetime
) -> dt.datetime | None:
    """The first moment (UTC) strictly after `after`, or None when the rule has ended."""
    zone = check_zone(zone_name)
    rule_obj = rrulestr(check_rule(rule), dtstart=dt.datetime.combine(starts_on, at_time))
    local = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
    for _ in range(1000):
        candidate = rule_obj.after(local, inc=False)
        if candidate is None:
            return None
        moment = place(candidate, zone)
        if moment > after:
            return moment
        local = candidate
    return None
