"""Runbooks: how routine work is done, step by step, with the evidence each step needs.

A provider keeps a library (`LibraryRunbook`); an MSP adopts a library runbook into its own
`Runbook` (a copy that remembers where it came from) and may override it. Runbooks are attached
to tickets by category (and ticket kind); the ticket keeps a snapshot of the steps it was given
(`TicketRunbook`), so editing a runbook never rewrites the record of work already done, and each
completed step is a `RunbookStepDone` row plus an event on the ticket's timeline.

Steps are a JSON list of {"title", "instructions", "evidence", "required"} validated by
offload.noc.runbook_steps.clean_steps.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.core.models import TimestampedModel
from offload.tenancy.scoping import TenantHistoricalRecords, TenantModel


class LibraryRunbook(TimestampedModel):
    """A provider's runbook that the MSPs it serves may adopt. Provider-owned, not an MSP's row."""

    provider = models.ForeignKey("tenancy.Provider", on_delete=models.CASCADE, related_name="runbooks")
    name = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    steps = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    suggested_categories = models.JSONField(
        default=list, blank=True, help_text="Category names it fits, matched by name when an MSP adopts it."
    )
    is_published = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="library_runbook_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Runbook(TenantModel, TimestampedModel):
    """An MSP's runbook: its own, or adopted from a provider's library (and maybe overridden)."""

    name = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    steps = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    categories = models.ManyToManyField("servicedesk.Category", blank=True, related_name="runbooks")
    ticket_kinds = models.JSONField(
        default=list, blank=True, help_text="Ticket kinds it applies to; empty means every kind."
    )
    adopted_from = models.ForeignKey(
        LibraryRunbook, null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    adopted_version = models.PositiveIntegerField(null=True, blank=True)
    overridden = models.BooleanField(
        default=False, help_text="Changed by the MSP after adoption: library updates are not applied."
    )
    is_active = models.BooleanField(default=True)

    history = TenantHistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["msp", "name"], name="runbook_name_unique_per_msp")]

    def __str__(self) -> str:
        return self.name

    @property
    def library_update_available(self) -> bool:
        return bool(
            self.adopted_from_id
            and self.adopted_from is not None
            and self.adopted_version is not None
            and self.adopted_from.version > self.adopted_version
        )


class TicketRunbook(TenantModel):
    """The runbook a ticket was given, with the steps as they were when it was attached."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="runbooks")
    runbook = models.ForeignKey(Runbook, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    attached_at = models.DateTimeField()
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    tenant_client_path: ClassVar[str | None] = "ticket__client"

    class Meta:
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "runbook"],
                condition=models.Q(runbook__isnull=False),
                name="ticket_runbook_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on ticket {self.ticket_id}"


class RunbookStepDone(TenantModel):
    """One completed step of a ticket's runbook, with who did it and the evidence they gave."""

    ticket_runbook = models.ForeignKey(TicketRunbook, on_delete=models.CASCADE, related_name="done")
    step_index = models.PositiveSmallIntegerField()
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField()
    evidence_note = models.TextField(blank=True)
    attachment = models.ForeignKey(
        "servicedesk.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    tenant_client_path: ClassVar[str | None] = "ticket_runbook__ticket__client"

    class Meta:
        ordering = ["step_index"]
        constraints = [
            models.UniqueConstraint(fields=["ticket_runbook", "step_index"], name="runbook_step_done_once"),
        ]

    def __str__(self) -> str:
        return f"step {self.step_index + 1} of {self.ticket_runbook_id}"
