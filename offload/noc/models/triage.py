"""Triage learned from an MSP's own history: its trained models and the suggestion for each ticket.

`TriageModel` stores one trained model of `offload.noc.triage` (the .npz bytes: plain arrays and
JSON, never pickle) with its evaluation metrics; the newest active one serves new tickets, and its
`threshold` is the confidence above which a suggestion is applied without a human.
`TriageSuggestion` is what the model proposed for one ticket (category, priority, NOC
eligibility, each with a confidence, and the words behind them) and how it was decided: applied
automatically, or accepted or corrected by a technician — corrections are labelled history for
the next training.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.servicedesk.choices import Priority
from offload.tenancy.scoping import TenantModel

DEFAULT_THRESHOLD = 0.7


class TriageModel(TenantModel):
    """One trained triage model of an MSP, with how well it did on held-out tickets."""

    data = models.BinaryField(help_text="The model file (.npz of arrays + JSON, no pickle).")
    metrics = models.JSONField(default=dict, blank=True)
    examples = models.PositiveIntegerField(default=0)
    threshold = models.FloatField(default=DEFAULT_THRESHOLD)
    is_active = models.BooleanField(default=True)
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-trained_at", "-id"]
        indexes = [models.Index(fields=["msp", "is_active", "-trained_at"], name="triage_model_current")]

    def __str__(self) -> str:
        return f"Triage model {self.pk} ({self.trained_at:%Y-%m-%d %H:%M})"


class TriageStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a technician"
    AUTO_APPLIED = "auto_applied", "Applied automatically"
    ACCEPTED = "accepted", "Accepted by a technician"
    CORRECTED = "corrected", "Corrected by a technician"


class TriageSuggestion(TenantModel):
    """The model's suggestion for one ticket and how it was decided (automatically or by a human)."""

    ticket = models.OneToOneField("servicedesk.Ticket", on_delete=models.CASCADE, related_name="triage")
    model = models.ForeignKey(TriageModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey(
        "servicedesk.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category_confidence = models.FloatField(default=0.0)
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    priority_confidence = models.FloatField(default=0.0)
    noc_eligible = models.BooleanField(null=True)
    noc_confidence = models.FloatField(default=0.0)
    # {"category": ["password", "reset"], "priority": [...], "noc_eligible": [...]}
    explanation = models.JSONField(default=dict, blank=True)
    unsure = models.JSONField(default=list, blank=True, help_text="Heads below the threshold.")
    status = models.CharField(max_length=20, choices=TriageStatus.choices, default=TriageStatus.PENDING)
    is_automatic = models.BooleanField(default=False, help_text="Decided by the model, not a human.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    tenant_client_path: ClassVar[str | None] = "ticket__client"
    tenant_own_path: ClassVar[str | None] = "ticket__contact"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["msp", "status", "-created_at"], name="triage_suggestion_queue")]

    def __str__(self) -> str:
        return f"Triage of {self.ticket_id}: {self.status}"

    @property
    def is_accepted(self) -> bool | None:
        """Whether the suggestion stood (None while pending)."""
        if self.status == TriageStatus.PENDING:
            return None
        return self.status != TriageStatus.CORRECTED
