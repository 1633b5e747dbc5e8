"""Routing: which team owns a new ticket, and where the scope matrix sent it.

`RoutingRule`s are an MSP's ordered conditions (kind, category subtree, client, priority, subject
keywords; empty means any) → owning team; the first active rule that matches wins.
`TicketRouting` is the record of what routing decided for one ticket: the team rule, the scope
decision with the matrix version and rule behind it, and — for "needs approval" — whether an MSP
technician approved handing it to the NOC.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.noc.models.scope import ScopeDecision
from offload.tenancy.scoping import TenantModel


class RoutingRule(TenantModel):
    """An ordered condition → owning team; every condition left empty matches any ticket."""

    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    kinds = models.JSONField(default=list, blank=True, help_text="Ticket kinds; empty: any.")
    category = models.ForeignKey(
        "servicedesk.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    priorities = models.JSONField(default=list, blank=True, help_text="Priorities; empty: any.")
    keywords = models.JSONField(default=list, blank=True, help_text="Any of these words in the subject.")
    team = models.ForeignKey("servicedesk.Team", on_delete=models.CASCADE, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["msp", "is_active", "position"], name="routing_rule_order")]

    def __str__(self) -> str:
        return self.name


class RoutingState(models.TextChoices):
    DELEGATED = "delegated", "Offered to the NOC"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting MSP approval to delegate"
    APPROVED = "approved", "Approved and offered to the NOC"
    DECLINED = "declined", "Kept by the MSP (approval declined)"
    KEPT = "kept", "Stays with the MSP"


class TicketRouting(TenantModel):
    """What routing decided for one ticket: owning team, scope decision and its evidence, approval."""

    ticket = models.OneToOneField("servicedesk.Ticket", on_delete=models.CASCADE, related_name="routing")
    team_rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=ScopeDecision.choices)
    version = models.ForeignKey(
        "noc.ScopeMatrixVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        "noc.ScopeRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=RoutingState.choices)
    decided_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    tenant_client_path: ClassVar[str | None] = "ticket__client"
    tenant_own_path: ClassVar[str | None] = "ticket__contact"

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["msp", "state", "-decided_at"], name="ticket_routing_state")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.state}"
