"""Alert intake: store the raw request, normalise it, upsert its alerts, hand ticket work to a task.

Runs in the webhook request, so it is kept to a fixed number of statements whatever the payload
size: the raw row (INSERT), the alerts (one INSERT … ON CONFLICT), the raw row's outcome (UPDATE)
and at most one task row. Everything that looks at assets, windows and tickets happens in
`process_alerts` (services/process.py), so a storm of repeats never waits on ticket work.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from offload.alerts.choices import PayloadStatus
from offload.alerts.models import AlertIntegration, RawAlertPayload
from offload.alerts.normalize import (
    AlertPayloadError,
    AlertStatus,
    NormalizedAlert,
    NormalizedPayload,
    normalize,
)
from offload.alerts.services.upsert import AlertRow, Upserted, upsert_alerts
from offload.alerts.tasks import process_alerts
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

# Request headers worth keeping with the raw payload (never Authorization or cookies).
KEPT_HEADERS = ("content-type", "user-agent", "x-forwarded-for", "x-grafana-alerting-url", "content-length")


@dataclass
class IntakeResult:
    """What the webhook answers: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    payload_id: int | None = None
    alerts: list[Upserted] = field(default_factory=list)


def _row(
    alert: NormalizedAlert,
    *,
    integration: AlertIntegration,
    payload_id: int,
    now: datetime,
    group_key: str | None,
) -> AlertRow:
    event = alert.status.value
    status = "resolved" if alert.status is AlertStatus.RESOLVED else "firing"
    ends_at = (alert.ends_at or now) if status == "resolved" else None
    return AlertRow(
        {
            "msp_id": integration.msp_id,
            "integration_id": integration.pk,
            "source": integration.kind,
            "partition": integration.client_id or 0,
            "fingerprint": alert.fingerprint[:512],
            "fingerprint_derived": alert.fingerprint_derived,
            "status": status,
            "last_event": event,
            "handled_status": "",
            "severity": alert.severity.value,
            "summary": alert.summary[:500],
            "description": alert.description,
            "labels": alert.labels,
            "annotations": alert.annotations,
            "host": alert.host.name[:253] if alert.host else "",
            "condition_key": alert.condition_key[:512],
            "group_key": (alert.group_key or group_key or "")[:512],
            "source_url": (alert.source_url or "")[:2000],
            "starts_at": alert.starts_at,
            "ends_at": ends_at,
            "first_received_at": now,
            "last_received_at": now,
            "count": 1,
            "flap_window_start": now,
            "flap_changes": 1,
            "is_flapping": False,
            "flap_noted": False,
            "is_suppressed": False,
            "client_id": integration.client_id,
            "last_payload_id": payload_id,
        }
    )


def receive_alert_payload(
    *,
    integration: AlertIntegration,
    body: bytes,
    content_type: str = "",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    method: str = "POST",
) -> IntakeResult:
    """Store one webhook request of `integration` and apply it; the answer for the sender.

    202 with the number of alerts; 400 (`error.code` from the normaliser) for a payload that
    cannot be read, which stays stored as quarantined; a test notification is stored and ignored.
    """
    now = timezone.now()
    kept = {k: v[:500] for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
    with system_scope("alert intake for the integration's MSP", msp_id=integration.msp_id):
        payload = RawAlertPayload.objects.create(
            msp_id=integration.msp_id,
            integration=integration,
            client_id=integration.client_id,
            kind=integration.kind,
            method=method[:8],
            content_type=content_type[:200],
            headers=kept,
            query=dict(query or {}),
            body=body,
            size=len(body),
            received_at=now,
        )
        try:
            normalized = normalize(
                integration.kind, body=body, content_type=content_type, query=query, received_at=now
            )
        except AlertPayloadError as error:
            RawAlertPayload.objects.filter(pk=payload.pk).update(
                status=PayloadStatus.QUARANTINED,
                error_code=error.code[:60],
                error=(error.message + ("\n" + repr(error.details) if error.details else ""))[:10000],
            )
            return IntakeResult(
                400,
                {"error": {"code": error.code, "message": error.message, "payload": payload.pk}},
                payload_id=payload.pk,
            )
        if normalized.is_test or not normalized.alerts:
            RawAlertPayload.objects.filter(pk=payload.pk).update(
                status=PayloadStatus.IGNORED if normalized.is_test else PayloadStatus.PROCESSED,
                problems=list(normalized.problems)[:50],
            )
            return IntakeResult(202, {"accepted": 0, "payload": payload.pk}, payload_id=payload.pk)
        rows = [
            _row(a, integration=integration, payload_id=payload.pk, now=now, group_key=normalized.group_key)
            for a in normalized.alerts
        ]
        try:
            upserted = _apply(integration, payload, normalized, rows, now=now)
        except Exception as error:
            # Kept for a person to look at; the sender gets a 500 and retries (the retry is a repeat).
            RawAlertPayload.objects.filter(pk=payload.pk).update(
                status=PayloadStatus.QUARANTINED, error_code="processing_error", error=repr(error)[:10000]
            )
            raise
    return IntakeResult(
        202, {"accepted": len(upserted), "payload": payload.pk}, payload_id=payload.pk, alerts=upserted
    )


def _apply(
    integration: AlertIntegration,
    payload: RawAlertPayload,
    normalized: NormalizedPayload,
    rows: list[AlertRow],
    *,
    now: datetime,
) -> list[Upserted]:
    """Upsert the alerts, record the payload's outcome and enqueue ticket work, in one transaction."""
    with transaction.atomic():
        upserted = upsert_alerts(rows, now=now)
        RawAlertPayload.objects.filter(pk=payload.pk).update(
            status=PayloadStatus.PROCESSED,
            alert_count=len(upserted),
            truncated_alerts=normalized.truncated_alerts,
            problems=list(normalized.problems)[:50],
        )
        work = [u.id for u in upserted if u.needs_work]
        if work:
            # The task row commits with the alerts or not at all (database task backend).
            process_alerts.enqueue(integration.msp_id, work)
    return upserted
