"""SLA configuration of an MSP (business calendars, policies, who gets which) and each ticket's
stored clocks and pause ledger, as computed by the pure engine (offload.servicedesk.sla)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from offload.core.businesstime import Calendar
from offload.core.models import TimestampedModel
from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.sla import Clock, ClockState, Policy, TargetSpec
from offload.tenancy.scoping import TenantModel

DEFAULT_PAUSING = [TicketStatus.WAITING_ON_CLIENT.value, TicketStatus.WAITING_ON_VENDOR.value]
TARGET_NAMES = ("first_response", "plan", "resolution", "update")


def default_pausing() -> list[str]:
    return list(DEFAULT_PAUSING)


def default_warn_at() -> list[int]:
    return [75, 90]


class BusinessCalendar(TenantModel, TimestampedModel):
    """An MSP's business hours: `spec` is `Calendar.to_spec()` (IANA zone, frames per weekday — a
    frame ending at or before its start runs past midnight — one-off and recurring holidays)."""

    name = models.CharField(max_length=120)
    spec = models.JSONField(help_text="offload.core.businesstime Calendar.to_spec() format.")
    is_default = models.BooleanField(
        default=False, help_text="The MSP's calendar unless a client or site has its own."
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "business calendar"
        verbose_name_plural = "business calendars"
        constraints = [
            models.UniqueConstraint(fields=["msp", "name"], name="sla_calendar_name_unique_per_msp"),
            models.UniqueConstraint(
                fields=["msp"], condition=models.Q(is_default=True), name="sla_calendar_one_default_per_msp"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def calendar(self) -> Calendar:
        return Calendar.from_spec(self.spec)


class CalendarAssignment(TenantModel):
    """Which calendar a client's tickets run on — or one site's, which wins over the client's."""

    client = models.ForeignKey("tenancy.Client", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(
        "tenancy.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.RESTRICT, related_name="assignments")

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["client_id", "site_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(site__isnull=True), name="sla_calendar_one_per_client"
            ),
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(site__isnull=False), name="sla_calendar_one_per_site"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.site_id or '*'} → {self.calendar_id}"


class SlaPolicy(TenantModel, TimestampedModel):
    """Targets per priority, in minutes, each on business hours or around the clock.

    `targets` = {"p1": {"first_response": {"minutes": 15, "business_hours": false}, ...}, ...};
    a target left out is not promised. `pausing_statuses` stop the clocks (the pause ledger).
    """

    name = models.CharField(max_length=120)
    is_default = models.BooleanField(default=False, help_text="Applies to clients without their own policy.")
    targets = models.JSONField(default=dict)
    warn_at = models.JSONField(default=default_warn_at, help_text="Percentages of a target, e.g. [75, 90].")
    notify_in_business_hours = models.BooleanField(
        default=True, help_text="Hold warnings and breach mails until the ticket's calendar is open."
    )
    pausing_statuses = models.JSONField(default=default_pausing)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["msp", "name"], name="sla_policy_name_unique_per_msp"),
            models.UniqueConstraint(
                fields=["msp"], condition=models.Q(is_default=True), name="sla_policy_one_default_per_msp"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def engine_policy(self, priority: str) -> Policy:
        """The engine's Policy for tickets of `priority`."""
        row: dict[str, Any] = (self.targets or {}).get(priority, {}) or {}
        specs: dict[str, TargetSpec | None] = {}
        for name in TARGET_NAMES:
            target = row.get(name)
            specs[name] = (
                TargetSpec(int(target["minutes"]), bool(target.get("business_hours", True)))
                if target and target.get("minutes")
                else None
            )
        return Policy(
            name=f"{self.name} {priority.upper()}",
            warn_at=tuple(int(p) for p in self.warn_at or ()),
            notify_in_business_hours=self.notify_in_business_hours,
            **specs,
        )


class ClientSlaPolicy(TenantModel):
    """A client's own SLA policy, overriding the MSP's default one."""

    client = models.OneToOneField("tenancy.Client", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.RESTRICT, related_name="client_overrides")

    tenant_client_path: ClassVar[str | None] = "client"

    def __str__(self) -> str:
        return f"{self.client_id} → {self.policy_id}"


class TicketSla(TenantModel):
    """A ticket's SLA summary: what it was evaluated with and when it must be looked at next.

    `next_check_at` is the earliest deadline, warning or held notification; the timer task runs
    then, and the sweeper heals tickets whose `next_check_at` has passed without a run.
    """

    ticket = models.OneToOneField("servicedesk.Ticket", on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    zone = models.CharField(max_length=64, default="UTC")
    next_deadline = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    class Meta:
        verbose_name = "ticket SLA"
        indexes = [models.Index(fields=["next_check_at"], name="sla_ticket_next_check")]

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id}"


class TicketClock(TenantModel):
    """One clock of a ticket as last evaluated. Minutes are business minutes (started minutes count);
    deadline and elapsed time are stored separately; `difference_minutes` = target - achieved."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    clock = models.CharField(max_length=20, choices=[(c.value, c.value.replace("_", " ")) for c in Clock])
    state = models.CharField(max_length=10, choices=[(s.value, s.value) for s in ClockState])
    target_minutes = models.PositiveIntegerField()
    overridden = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    elapsed_minutes = models.IntegerField(default=0)
    remaining_minutes = models.IntegerField(default=0)
    paused_minutes = models.IntegerField(default=0)
    achieved_at = models.DateTimeField(null=True, blank=True)
    achieved_minutes = models.IntegerField(null=True, blank=True)
    difference_minutes = models.IntegerField(null=True, blank=True)
    warnings = models.JSONField(default=list, help_text="[{percent, at, notify_at, reached}]")
    warned = models.JSONField(default=list, help_text="Keys of warnings already recorded (percent@cycle).")
    breach_key = models.CharField(max_length=80, blank=True, help_text="The breach already recorded.")
    breach_notified_key = models.CharField(max_length=80, blank=True)

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    class Meta:
        ordering = ["ticket_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "clock"], name="sla_clock_unique_per_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.clock} of ticket {self.ticket_id}: {self.state}"

    @property
    def warned_percents(self) -> list[int]:
        return sorted({int(str(key).split("@", 1)[0]) for key in self.warned or []})


class TicketPause(TenantModel):
    """The pause ledger: each stretch a ticket spent in a pausing status, with the business minutes
    it took out of the clocks. Derived from the status history, so policy changes keep it."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="sla_pauses")
    status = models.CharField(max_length=30)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    business_minutes = models.IntegerField(default=0)

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    class Meta:
        ordering = ["ticket_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.status} {self.started_at:%Y-%m-%d %H:%M}"
