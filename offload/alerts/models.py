"""Monitoring alerts as stored: integrations (tokens), raw requests, alerts, correlations, windows.

The pipeline (services/intake.py, services/process.py): a webhook request is authenticated by an
`AlertIntegration` token, stored as a `RawAlertPayload` first, normalised, and upserted into
`Alert` rows (one per fingerprint, a repeat bumps `count`) in the request; a task then matches
assets, applies maintenance windows and opens, notes or resolves tickets through
`AlertCorrelation` (one open ticket per asset and condition, or per sender group).
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from offload.alerts.choices import AlertState, CorrelateBy, IntegrationKind, PayloadStatus
from offload.tenancy.scoping import TenantModel


class AlertIntegration(TenantModel):
    """A monitoring tool's way in: one webhook token of an MSP (optionally bound to one client).

    Only the token's SHA-256 is stored; the token is shown once when created. A client-bound
    integration files every alert under that client and matches only that client's assets.
    """

    PREFIX = "ofa_"

    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_integrations"
    )
    kind = models.CharField(max_length=20, choices=IntegrationKind.choices)
    name = models.CharField(max_length=100)
    correlate_by = models.CharField(max_length=20, choices=CorrelateBy.choices, default=CorrelateBy.CONDITION)
    key_prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["msp", "kind"], name="alert_integration_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RawAlertPayload(TenantModel):
    """One webhook request exactly as received, stored before it is read.

    `status` says how reading it ended; a quarantined payload keeps `error_code` and `error` for
    whoever looks at it (the alerts page lists them).
    """

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="payloads")
    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=IntegrationKind.choices)
    method = models.CharField(max_length=8, default="POST")
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict)
    query = models.JSONField(default=dict)
    body = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=PayloadStatus.choices, default=PayloadStatus.RECEIVED)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)
    alert_count = models.PositiveIntegerField(default=0)
    truncated_alerts = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["msp", "status", "received_at"], name="alert_payload_status")]

    def __str__(self) -> str:
        return f"{self.kind} payload {self.pk} ({self.status})"


class AlertCorrelation(TenantModel):
    """What one alert ticket stands for: a key (asset and condition, or a sender group) while open.

    At most one open correlation per key and MSP (a partial unique constraint): concurrent
    processors that both want to open a ticket for the same key race on it, and one wins.
    """

    key = models.CharField(max_length=700)
    client = models.ForeignKey("tenancy.Client", on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(
        "tenancy.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="alert_correlations"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    auto_resolved_at = models.DateTimeField(null=True, blank=True)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["msp", "key"], condition=Q(closed_at__isnull=True), name="alert_correlation_one_open"
            )
        ]

    def __str__(self) -> str:
        return self.key


class Alert(TenantModel):
    """One alert of one source, deduplicated by fingerprint: its latest state and how often it came.

    Unique per (msp, source, partition, fingerprint), where `partition` is the integration's
    client id (0 for MSP-wide integrations): two clients' identical label sets stay apart.
    `handled_status` is the state the ticket side last acted on; a difference means work to do.
    """

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="alerts")
    source = models.CharField(max_length=20, choices=IntegrationKind.choices)
    partition = models.BigIntegerField(default=0)
    fingerprint = models.CharField(max_length=512)
    fingerprint_derived = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=AlertState.choices)
    last_event = models.CharField(max_length=20, help_text="What the last notification said.")
    handled_status = models.CharField(max_length=20, blank=True)
    severity = models.CharField(max_length=20)
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    labels = models.JSONField(default=dict)
    annotations = models.JSONField(default=dict)
    host = models.CharField(max_length=253, blank=True)
    condition_key = models.CharField(max_length=512)
    group_key = models.CharField(max_length=512, blank=True)
    source_url = models.CharField(max_length=2000, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    first_received_at = models.DateTimeField()
    last_received_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    flap_window_start = models.DateTimeField()
    flap_changes = models.PositiveIntegerField(default=0)
    is_flapping = models.BooleanField(default=False)
    flap_noted = models.BooleanField(default=False)
    is_suppressed = models.BooleanField(default=False)
    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    asset = models.ForeignKey(
        "tenancy.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    correlation = models.ForeignKey(
        AlertCorrelation, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    last_payload = models.ForeignKey(
        RawAlertPayload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["-last_received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["msp", "source", "partition", "fingerprint"], name="alert_unique_fingerprint"
            )
        ]
        indexes = [
            models.Index(fields=["msp", "last_received_at"], name="alert_recent"),
            models.Index(fields=["msp", "status", "last_received_at"], name="alert_status_recent"),
        ]

    def __str__(self) -> str:
        return self.summary or self.condition_key


class MaintenanceWindow(TenantModel):
    """A time when alerts of an MSP, a client or one asset open no tickets (they are still stored)."""

    name = models.CharField(max_length=200)
    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="maintenance_windows"
    )
    asset = models.ForeignKey(
        "tenancy.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="maintenance_windows"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["msp", "ends_at"], name="maintenance_window_end")]

    def __str__(self) -> str:
        return self.name
