"""Delegation: a ticket handed by the MSP to its provider's NOC, with OLA clocks and a review."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.noc.choices import ACTIVE_STATES, DelegationLevel, DelegationState, ReturnReason
from offload.servicedesk.choices import Priority
from offload.servicedesk.querysets import StaffOnlyManager
from offload.tenancy.scoping import TenantModel


class Delegation(TenantModel):
    """One hand-off of a ticket to the NOC: offered → accepted → completed → approved (or back).

    `msp` is the ticket's MSP; provider staff see the rows of their own provider only. At most one
    delegation per ticket is active (offered, being worked, or awaiting review) at any time.
    """

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="delegations")
    agreement = models.ForeignKey(
        "tenancy.ServiceAgreement", on_delete=models.RESTRICT, related_name="delegations"
    )
    provider = models.ForeignKey("tenancy.Provider", on_delete=models.RESTRICT, related_name="delegations")
    state = models.CharField(max_length=12, choices=DelegationState.choices, default=DelegationState.OFFERED)
    is_active = models.BooleanField(default=True)
    level = models.CharField(max_length=4, choices=DelegationLevel.choices, default=DelegationLevel.L1)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delegations_offered",
        help_text="Empty when routing offered it.",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delegations_held",
        help_text="The NOC agent holding it.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it stopped being active.")
    return_reason = models.CharField(max_length=20, choices=ReturnReason.choices, blank=True)
    note = models.TextField(blank=True, help_text="The latest transition's note.")
    ola_accept_due = models.DateTimeField(null=True, blank=True)
    ola_respond_due = models.DateTimeField(null=True, blank=True)
    ola_resolve_due = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True, help_text="First NOC reply or note.")

    tenant_client_path: ClassVar[str | None] = "ticket__client"
    objects = StaffOnlyManager()  # type: ignore[misc]  # clients never see the NOC
    tenant_provider_path: ClassVar[str | None] = "provider"

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(is_active=True), name="delegation_one_active_per_ticket"
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=False) | models.Q(state__in=sorted(ACTIVE_STATES)),
                name="delegation_active_state",
            ),
        ]
        indexes = [
            models.Index(fields=["msp", "state", "-offered_at"], name="delegation_msp_state"),
            models.Index(fields=["provider", "is_active", "state"], name="delegation_provider_active"),
            models.Index(fields=["offered_by", "state"], name="delegation_offered_by"),
            models.Index(fields=["agent", "is_active"], name="delegation_agent"),
        ]

    def __str__(self) -> str:
        return f"Delegation {self.pk} of ticket {self.ticket_id} ({self.state})"
