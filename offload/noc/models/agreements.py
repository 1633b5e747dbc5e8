"""What a provider promises an MSP under a service agreement: coverage, OLA targets, a rate card."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django.db import models

from offload.core.businesstime import Calendar
from offload.noc.choices import Coverage
from offload.servicedesk.querysets import StaffOnlyManager
from offload.tenancy.scoping import TenantHistoricalRecords, TenantModel

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MIN = 24 * 60
_WEEK_MIN = 7 * _DAY_MIN

DEFAULT_BUSINESS_HOURS: dict[str, Any] = {
    "zone": "UTC",
    "always_open": False,
    "week": {day: [["08:00", "18:00"]] for day in _DAY_NAMES[:5]},
}
# Minutes to accept, to respond after acceptance, and to resolve after acceptance, per priority.
DEFAULT_OLA: dict[str, dict[str, int]] = {
    "p1": {"accept": 15, "respond": 30, "resolve": 240},
    "p2": {"accept": 30, "respond": 60, "resolve": 480},
    "p3": {"accept": 60, "respond": 240, "resolve": 1440},
    "p4": {"accept": 240, "respond": 480, "resolve": 2880},
}
OLA_KINDS = ("accept", "respond", "resolve")


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def after_hours_spec(business: dict[str, Any]) -> dict[str, Any]:
    """The calendar spec open exactly when `business` is closed (holidays are not inverted)."""
    if business.get("always_open"):
        raise ValueError("a 24x7 calendar has no after hours")
    spans: list[tuple[int, int]] = []
    for day_index, name in enumerate(_DAY_NAMES):
        for start, end in business.get("week", {}).get(name, []):
            begin = day_index * _DAY_MIN + _minutes(start)
            length = (_minutes(end) - _minutes(start)) % _DAY_MIN or _DAY_MIN
            spans.append((begin, begin + length))
    if not spans:
        return {"zone": business.get("zone", "UTC"), "always_open": True}
    spans.sort()
    gaps: list[tuple[int, int]] = []
    for (_, end), (next_begin, _) in zip(spans, [*spans[1:], (spans[0][0] + _WEEK_MIN, 0)], strict=True):
        if next_begin > end:
            gaps.append((end, next_begin))
    week: dict[str, list[list[str]]] = {}
    for begin, end in gaps:
        cursor = begin
        while cursor < end:
            day_end = (cursor // _DAY_MIN + 1) * _DAY_MIN
            stop = min(end, day_end)
            day = _DAY_NAMES[(cursor // _DAY_MIN) % 7]
            week.setdefault(day, []).append(
                [_hhmm(cursor % _DAY_MIN), "24:00" if stop == day_end else _hhmm(stop % _DAY_MIN)]
            )
            cursor = stop
    return {"zone": business.get("zone", "UTC"), "always_open": False, "week": week}


def billable_hours(minutes: int, *, minimum_minutes: int, increment_minutes: int) -> Decimal:
    """Hours charged for `minutes` of work: at least the minimum, then whole increments.

    With a 30-minute minimum and 15-minute increments, 10 minutes bill 0.5 h and 40 minutes 0.75 h.
    """
    if minutes <= 0:
        return Decimal("0")
    billed = max(minutes, minimum_minutes)
    if increment_minutes > 0 and billed > minimum_minutes:
        billed = (
            minimum_minutes + math.ceil((billed - minimum_minutes) / increment_minutes) * increment_minutes
        )
    return (Decimal(billed) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Charge:
    hours: Decimal
    amount: Decimal
    currency: str


class AgreementTerms(TenantModel):
    """The terms of one provider-MSP agreement: when OLA clocks run, their targets, and the prices."""

    agreement = models.OneToOneField(
        "tenancy.ServiceAgreement", on_delete=models.CASCADE, related_name="terms"
    )
    coverage = models.CharField(max_length=20, choices=Coverage.choices, default=Coverage.BUSINESS_HOURS)
    business_hours = models.JSONField(
        default=dict, blank=True, help_text="Calendar spec of business hours (Calendar.to_spec format)."
    )
    ola_targets = models.JSONField(
        default=dict, blank=True, help_text="Per priority: accept, respond and resolve minutes."
    )
    auto_accept = models.BooleanField(
        default=False, help_text="Offers are accepted on the provider's behalf."
    )
    rate_per_hour = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    minimum_minutes = models.PositiveIntegerField(default=30)
    increment_minutes = models.PositiveIntegerField(default=15)
    rate_per_ticket = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    rate_per_alert = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="EUR")
    updated_at = models.DateTimeField(auto_now=True)

    tenant_provider_path: ClassVar[str | None] = "agreement__provider"
    objects = StaffOnlyManager()  # type: ignore[misc]  # clients never see the NOC
    history = TenantHistoricalRecords()

    class Meta:
        verbose_name_plural = "agreement terms"

    def __str__(self) -> str:
        return f"Terms of agreement {self.agreement_id}"

    def business_spec(self) -> dict[str, Any]:
        return self.business_hours or DEFAULT_BUSINESS_HOURS

    def coverage_spec(self) -> dict[str, Any]:
        """The calendar spec on which this agreement's OLA clocks run."""
        business = self.business_spec()
        if self.coverage == Coverage.ALWAYS:
            return {"zone": business.get("zone", "UTC"), "always_open": True}
        if self.coverage == Coverage.AFTER_HOURS:
            return after_hours_spec(business)
        return business

    def coverage_calendar(self) -> Calendar:
        return Calendar.from_spec(self.coverage_spec())

    def ola_minutes(self, priority: str) -> dict[str, int]:
        """Accept, respond and resolve minutes for `priority` (defaults fill what is not set)."""
        targets = dict(DEFAULT_OLA.get(priority, DEFAULT_OLA["p3"]))
        targets.update(
            {k: int(v) for k, v in (self.ola_targets or {}).get(priority, {}).items() if k in OLA_KINDS}
        )
        return targets

    def price_minutes(self, minutes: int) -> Charge:
        """What `minutes` of NOC work cost under the hourly rate card."""
        hours = billable_hours(
            minutes, minimum_minutes=self.minimum_minutes, increment_minutes=self.increment_minutes
        )
        amount = (hours * self.rate_per_hour).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return Charge(hours=hours, amount=amount, currency=self.currency)
