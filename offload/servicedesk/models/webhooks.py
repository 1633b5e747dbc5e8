"""Outbound webhooks: an MSP's endpoints and the log of every delivery and attempt."""

from __future__ import annotations

import secrets

from django.db import models

from offload.core.models import TimestampedModel
from offload.tenancy.scoping import TenantModel


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(TenantModel, TimestampedModel):
    """A URL the MSP wants ticket events POSTed to, signed with `secret` (HMAC-SHA256).

    `events` filters by event name ("ticket.created", "ticket.*", "sla.breached"); empty = all.
    """

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=new_secret)
    events = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "webhook endpoint"
        verbose_name_plural = "webhook endpoints"

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        if not self.events:
            return True
        for pattern in self.events:
            if pattern == event or (pattern.endswith(".*") and event.startswith(pattern[:-1])):
                return True
        return False


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantModel):
    """One event sent (or to be sent) to one endpoint, with the outcome of its latest attempt."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    log = models.JSONField(default=list, help_text="Every attempt: {at, status_code, error, ms}.")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
