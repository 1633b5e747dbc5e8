"""Business-calendar arithmetic: calendars with zones, frames and holidays; add and measure time.

No domain words here: the service desk's SLA engine (and anything else that needs opening hours)
builds on these functions.
"""

from offload.core.businesstime.arithmetic import (
    DayPiece,
    add_business_time,
    business_minutes_between,
    business_time_between,
    effective_arrival,
    is_open,
    next_open,
    split_by_local_date,
)
from offload.core.businesstime.calendar import (
    FRI,
    MON,
    SAT,
    SUN,
    THU,
    TUE,
    WED,
    WEEKDAYS,
    Calendar,
    Frame,
    Interval,
    local_to_utc,
)
from offload.core.businesstime.holidays import Holidays, parse_ical_holidays

__all__ = [
    "FRI",
    "MON",
    "SAT",
    "SUN",
    "THU",
    "TUE",
    "WED",
    "WEEKDAYS",
    "Calendar",
    "DayPiece",
    "Frame",
    "Holidays",
    "Interval",
    "add_business_time",
    "business_minutes_between",
    "business_time_between",
    "effective_arrival",
    "is_open",
    "local_to_utc",
    "next_open",
    "parse_ical_holidays",
    "split_by_local_date",
]
