"""Time spent on tickets: what later issues will price and bill."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.servicedesk.choices import WorkType
from offload.servicedesk.querysets import StaffOnlyHistoricalRecords, StaffOnlyManager
from offload.tenancy.scoping import TenantModel


class TimeEntry(TenantModel):
    """Minutes a person worked on a ticket, billable or not, of a kind of work.

    Raw minutes are kept as entered; rounding and minimums belong to invoicing. `cost_amount` and
    `billing_amount` stay empty until pricing (a later issue) fills them. Clients never read
    time entries (the default manager hides them from client scopes).
    """

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.PROTECT, related_name="time_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    entry = models.ForeignKey(
        "servicedesk.TicketEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="time_entries",
        help_text="The reply or note this time was logged with, if any.",
    )
    minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    is_billable = models.BooleanField(default=True)
    work_type = models.CharField(max_length=20, choices=WorkType.choices, default=WorkType.REMOTE_SUPPORT)
    note = models.TextField(blank=True)
    cost_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    billing_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"

    objects = StaffOnlyManager()  # type: ignore[misc]  # narrows TenantModel.objects
    history = StaffOnlyHistoricalRecords()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["msp", "user", "started_at"], name="time_msp_user"),
            models.Index(fields=["msp", "ticket"], name="time_msp_ticket"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="time_minutes_positive")
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on ticket {self.ticket_id}"
