"""Recurring maintenance: schedules that turn into NOC tickets, each occurrence exactly once.

A schedule says what (title, description, category, runbook), for whom (a client, optionally a
site or an asset), and when: an RFC 5545 RRULE ("FREQ=MONTHLY;BYDAY=1MO", "FREQ=WEEKLY;INTERVAL=2")
read in the schedule's own time zone, so "every Monday at 06:00 Berlin time" stays 06:00 across
daylight-saving changes. Every generated occurrence is a `MaintenanceOccurrence` row, unique per
(schedule, moment): a re-run, a second scheduler or a restarted worker finds the row and opens
nothing twice.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.core.models import TimestampedModel
from offload.tenancy.scoping import TenantHistoricalRecords, TenantModel


class MaintenanceSchedule(TenantModel, TimestampedModel):
    """A recurring piece of routine work for one client (or one of its sites or assets)."""

    client = models.ForeignKey(
        "tenancy.Client", on_delete=models.CASCADE, related_name="maintenance_schedules"
    )
    site = models.ForeignKey(
        "tenancy.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    asset = models.ForeignKey(
        "tenancy.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        "servicedesk.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    runbook = models.ForeignKey(
        "noc.Runbook", null=True, blank=True, on_delete=models.SET_NULL, related_name="schedules"
    )
    rrule = models.CharField(max_length=500, help_text='RFC 5545 rule, e.g. "FREQ=MONTHLY;BYDAY=1MO".')
    starts_on = models.DateField()
    at_time = models.TimeField(help_text="Local time of day of each occurrence.")
    time_zone = models.CharField(max_length=64, default="UTC")
    lead_minutes = models.PositiveIntegerField(
        default=0, help_text="Open the ticket this many minutes before the occurrence."
    )
    send_to_noc = models.BooleanField(default=True, help_text="Offer the ticket to the NOC on creation.")
    is_active = models.BooleanField(default=True)
    next_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next ticket should be opened (occurrence minus lead)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    tenant_client_path: ClassVar[str | None] = "client"
    history = TenantHistoricalRecords(excluded_fields=["updated_at", "next_due_at"])

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["is_active", "next_due_at"], name="maintenance_due")]

    def __str__(self) -> str:
        return self.title


class MaintenanceOccurrence(TenantModel):
    """One occurrence of a schedule and the ticket it opened; unique, so it is opened once."""

    schedule = models.ForeignKey(MaintenanceSchedule, on_delete=models.CASCADE, related_name="occurrences")
    occurs_at = models.DateTimeField()
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    tenant_client_path: ClassVar[str | None] = "schedule__client"

    class Meta:
        ordering = ["-occurs_at"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "occurs_at"], name="maintenance_occurrence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} at {self.occurs_at:%Y-%m-%d %H:%M}"
