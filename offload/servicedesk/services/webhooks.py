"""Outbound webhooks: endpoints per MSP, deliveries queued from ticket events, signed POSTs.

Each delivery is a JSON body signed with the endpoint's secret:
`X-Offload-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (the receiver
recomputes it and refuses old timestamps). A 5xx, a timeout or a refused connection is retried
with exponential backoff (`offload.core.tasks.retry.backoff_delay`) up to MAX_ATTEMPTS; a 4xx is
final. Every attempt is logged on the delivery. Payloads carry the MSP's ticket data only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.core.tasks.retry import backoff_delay
from offload.servicedesk.choices import EntryKind
from offload.servicedesk.models import DeliveryStatus, TicketEntry, WebhookDelivery, WebhookEndpoint
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP

MAX_ATTEMPTS = 8
BACKOFF_BASE = 30.0
BACKOFF_MAX = 6 * 3600.0
TIMEOUT_SECONDS = 10
EXCERPT_CHARS = 1000
USER_AGENT = "Webhooks/1"
SIGNATURE_HEADER = "X-Offload-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does: recompute the signature and refuse a stale or forged one."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


# --- endpoints ------------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise DomainError("Use an http(s) URL.", code="invalid_url", field="url")
    return url


def _clean_events(values: Any) -> list[str]:
    names = sorted({str(v).strip() for v in values or [] if str(v).strip()})
    if any(len(n) > 60 or " " in n for n in names):
        raise DomainError("Event names look like ticket.created or ticket.*.", code="invalid", field="events")
    return names


def create_endpoint(
    *,
    actor: User | None,
    msp: MSP,
    name: str,
    url: str,
    events: list[str] | None = None,
    is_active: bool = True,
) -> WebhookEndpoint:
    """Add a webhook endpoint to `msp`; its secret is generated here."""
    require(actor, "servicedesk.manage_webhooks")
    name = " ".join(name.split())[:120]
    if not name:
        raise DomainError("An endpoint needs a name.", code="required", field="name")
    endpoint = WebhookEndpoint(
        msp=msp, name=name, url=_clean_url(url), events=_clean_events(events), is_active=is_active
    )
    endpoint.save()
    return endpoint


def update_endpoint(
    *, actor: User | None, endpoint: WebhookEndpoint, changes: dict[str, Any]
) -> WebhookEndpoint:
    require(actor, "servicedesk.manage_webhooks")
    if changes.get("name") is not None:
        endpoint.name = " ".join(str(changes["name"]).split())[:120]
        if not endpoint.name:
            raise DomainError("An endpoint needs a name.", code="required", field="name")
    if changes.get("url") is not None:
        endpoint.url = _clean_url(changes["url"])
    if changes.get("events") is not None:
        endpoint.events = _clean_events(changes["events"])
    if changes.get("is_active") is not None:
        endpoint.is_active = bool(changes["is_active"])
    if changes.get("rotate_secret"):
        from offload.servicedesk.models.webhooks import new_secret

        endpoint.secret = new_secret()
    endpoint.save()
    return endpoint


def delete_endpoint(*, actor: User | None, endpoint: WebhookEndpoint) -> None:
    require(actor, "servicedesk.manage_webhooks")
    endpoint.delete()


# --- deliveries -----------------------------------------------------------------------------------


def _payload(entry: TicketEntry, event: str) -> dict[str, Any]:
    ticket = entry.ticket
    data: dict[str, Any] = {
        "id": f"evt_{entry.pk}",
        "event": event,
        "occurred_at": entry.created_at,
        "ticket": {
            "id": ticket.pk,
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "kind": ticket.kind,
            "source": ticket.source,
            "client": {"id": ticket.client_id, "name": ticket.client.name},
            "contact_id": ticket.contact_id,
            "site_id": ticket.site_id,
            "assignee_id": ticket.assignee_id,
            "team_id": ticket.team_id,
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
        },
    }
    if entry.kind == EntryKind.EVENT:
        data["data"] = entry.data
    else:
        data["entry"] = {
            "id": entry.pk,
            "kind": entry.kind,
            "visibility": entry.visibility,
            "body": entry.body,
            "author_user_id": entry.author_user_id,
            "author_contact_id": entry.author_contact_id,
        }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _event_name(entry: TicketEntry) -> str:
    if entry.kind == EntryKind.EVENT:
        return entry.event
    return "ticket.replied" if entry.kind == EntryKind.REPLY else "ticket.noted"


def queue_deliveries(*, entry_ids: list[int], msp_ids: list[int] | None = None) -> list[WebhookDelivery]:
    """One delivery per (entry, active endpoint of its MSP that wants the event), queued to send.

    `msp_ids`, when the caller knows the entries' MSPs, lets an MSP without endpoints (most) skip
    loading the entries: one query instead of two per committed change.
    """
    from offload.servicedesk.sla_tasks import deliver_webhook

    endpoints: list[WebhookEndpoint] | None = None
    if msp_ids is not None:
        endpoints = list(WebhookEndpoint.objects.filter(msp_id__in=msp_ids, is_active=True))
        if not endpoints:
            return []
    entries = list(TicketEntry.objects.filter(pk__in=entry_ids).select_related("ticket", "ticket__client"))
    if not entries:
        return []
    if endpoints is None:
        endpoints = list(
            WebhookEndpoint.objects.filter(msp_id__in={e.msp_id for e in entries}, is_active=True)
        )
    if not endpoints:
        return []
    now = timezone.now()
    created: list[WebhookDelivery] = []
    for entry in entries:
        event = _event_name(entry)
        for endpoint in endpoints:
            if endpoint.msp_id != entry.msp_id or not endpoint.wants(event):
                continue
            created.append(
                WebhookDelivery(
                    msp_id=entry.msp_id,
                    endpoint=endpoint,
                    event=event,
                    ticket=entry.ticket,
                    entry_id=entry.pk,
                    payload=_payload(entry, event),
                    created_at=now,
                )
            )
    with transaction.atomic():
        rows = WebhookDelivery.objects.bulk_create(created)
        for row in rows:
            deliver_webhook.enqueue(row.msp_id, row.pk)
    return rows


def redeliver(*, actor: User | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (a new attempt series; the log keeps the old attempts)."""
    from offload.servicedesk.sla_tasks import deliver_webhook

    require(actor, "servicedesk.manage_webhooks")
    with transaction.atomic():
        delivery.status = DeliveryStatus.PENDING
        delivery.next_retry_at = None
        delivery.attempts = 0
        delivery.save(update_fields=["status", "next_retry_at", "attempts"])
        deliver_webhook.enqueue(delivery.msp_id, delivery.pk)
    return delivery


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code or None, response excerpt, error) of one POST."""
    if urlsplit(url).scheme not in {"http", "https"}:
        return None, "", "only http(s) URLs are delivered"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked above)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(EXCERPT_CHARS).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(EXCERPT_CHARS).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, excerpt, ""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(exc).__name__}: {reason}"[:500]


def attempt_delivery(*, delivery_id: int) -> str:
    """Make one attempt at `delivery_id` and record it; schedule the next one on 5xx/timeout."""
    from offload.servicedesk.sla_tasks import deliver_webhook

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}:
        return "nothing to do"
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "endpoint disabled"
        delivery.save(update_fields=["status", "error"])
        return "endpoint disabled"
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(endpoint.secret, body, timestamp),
        "X-Offload-Event": delivery.event,
        "X-Offload-Delivery": str(delivery.pk),
    }
    started = time.monotonic()
    status_code, excerpt, error = _post(endpoint.url, body, headers)
    now = timezone.now()
    delivery.attempts += 1
    delivery.status_code = status_code
    delivery.response_excerpt = excerpt
    delivery.error = error
    delivery.log = [
        *delivery.log,
        {
            "at": now.isoformat(),
            "status_code": status_code,
            "error": error,
            "ms": round((time.monotonic() - started) * 1000),
        },
    ]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_retry_at = None
        outcome = "delivered"
    elif (
        status_code is None or status_code >= 500 or status_code == 429
    ) and delivery.attempts < MAX_ATTEMPTS:
        delay = backoff_delay(delivery.attempts, base=BACKOFF_BASE, cap=BACKOFF_MAX)
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_retry_at = now + dt.timedelta(seconds=delay)
        outcome = "retrying"
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_retry_at = None
        outcome = "failed"
    with transaction.atomic():
        delivery.save()
        if delivery.status == DeliveryStatus.RETRYING and delivery.next_retry_at is not None:
            deliver_webhook.using(run_after=delivery.next_retry_at).enqueue(delivery.msp_id, delivery.pk)
    return outcome
