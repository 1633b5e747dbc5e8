"""Uptime Kuma's webhook notification, in its three forms:

- JSON (the default): {"heartbeat": {...}, "monitor": {...}, "msg": "..."}; heartbeat.status is
  0 down, 1 up, 2 pending, 3 maintenance; heartbeat.time is UTC ("2024-05-01 10:00:00.123").
- form data (Kuma's "form-data" body option): the same JSON as the `data` field, urlencoded or
  multipart.
- GET (a URL with query parameters, for senders that can only call a URL): `monitor_id` (or `id`),
  `name`, `status` (0/1/2/3 or down/up/pending/maintenance), `msg`, `url`, `hostname`, `time`.

Identity and condition: the monitor (its id, else its name). A monitor without a heartbeat is a
notice about it (certificate expiry): a separate warning alert, "<monitor>:notice". A body with
neither heartbeat nor monitor is Kuma's "Test" button.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from pydantic import Field

from offload.alerts.normalize.common import (
    Payload,
    Scalar,
    ScalarField,
    bounded_key,
    clean_labels,
    clip,
    first_present,
    join_key,
    normalize_host,
    parse_time,
    scalar_text,
    validate,
)
from offload.alerts.normalize.types import (
    AlertPayloadError,
    AlertStatus,
    HostRef,
    Limits,
    NormalizedAlert,
    NormalizedPayload,
    Severity,
    SourceKind,
)

Text = ScalarField
_HAS_OFFSET = re.compile(r"(?:[Zz]|[+-]\d{2}:?\d{2})$", re.ASCII)
_STATUSES: dict[str, tuple[AlertStatus, Severity]] = {
    "0": (AlertStatus.FIRING, Severity.CRITICAL),
    "down": (AlertStatus.FIRING, Severity.CRITICAL),
    "false": (AlertStatus.FIRING, Severity.CRITICAL),
    "1": (AlertStatus.RESOLVED, Severity.INFO),
    "up": (AlertStatus.RESOLVED, Severity.INFO),
    "true": (AlertStatus.RESOLVED, Severity.INFO),
    "2": (AlertStatus.UPDATE, Severity.WARNING),
    "pending": (AlertStatus.UPDATE, Severity.WARNING),
    "3": (AlertStatus.UPDATE, Severity.INFO),
    "maintenance": (AlertStatus.UPDATE, Severity.INFO),
}


class KumaHeartbeat(Payload):
    """One check result: the state change that triggered the notification."""

    monitorID: Text = None
    status: Text = None
    time: Text = None
    msg: Text = None
    ping: float | None = None
    duration: float | None = None
    important: bool | int | None = None


class KumaMonitor(Payload):
    """The monitor (what is being checked) as Kuma configures it."""

    id: Text = None
    name: Text = None
    url: Text = None
    hostname: Text = None
    port: Text = None
    type: Text = None
    description: Text = None
    pathName: Text = None


class KumaWebhook(Payload):
    """Kuma's webhook body."""

    heartbeat: KumaHeartbeat | None = None
    monitor: KumaMonitor | None = None
    msg: Text = Field(default=None)


def _text(value: Scalar) -> str | None:
    text = scalar_text(value).strip() if value is not None else ""
    return text or None


def query_to_body(query: Mapping[str, str]) -> dict[str, object]:
    """The GET variant's parameters, as the JSON body Kuma would have sent."""
    query = {str(k): _storable(v) for k, v in query.items()}
    monitor_id = query.get("monitor_id") or query.get("monitorID") or query.get("id")
    heartbeat = {"monitorID": monitor_id, "status": query.get("status"), "time": query.get("time")}
    heartbeat["msg"] = query.get("msg")
    monitor = {
        "id": monitor_id,
        "name": query.get("name") or query.get("monitor_name"),
        "url": query.get("url"),
        "hostname": query.get("hostname"),
    }
    return {"heartbeat": heartbeat, "monitor": monitor, "msg": query.get("msg")}


def _storable(value: object) -> str:
    """Query values as text UTF-8 can hold (a lone surrogate becomes "?")."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def normalize_uptime_kuma(data: object, *, received_at: datetime, limits: Limits) -> NormalizedPayload:
    """One NormalizedAlert for an Uptime Kuma notification (decoded JSON or query_to_body)."""
    body = validate(KumaWebhook, data, what="Uptime Kuma")
    if body.heartbeat is None and body.monitor is None:
        return NormalizedPayload(source=SourceKind.UPTIME_KUMA, alerts=[], is_test=True)
    heartbeat = body.heartbeat or KumaHeartbeat()
    monitor = body.monitor or KumaMonitor()
    problems: list[str] = []
    # A monitor without a heartbeat is a notice about the monitor (Kuma's certificate expiry
    # warning): its own alert, firing until a human closes it, as Kuma never sends its end.
    is_notice = body.heartbeat is None
    state = "notice" if is_notice else (_text(heartbeat.status) or "").lower()
    if is_notice:
        status, severity = AlertStatus.FIRING, Severity.WARNING
    elif state in _STATUSES:
        status, severity = _STATUSES[state]
    else:
        raise AlertPayloadError(
            f"Uptime Kuma payload is invalid: heartbeat.status: unknown value {state[:20]!r}",
            code="invalid_payload",
        )
    monitor_id = _text(monitor.id) or _text(heartbeat.monitorID)
    name = _text(monitor.name)
    if monitor_id is None and name is None:
        raise AlertPayloadError(
            "Uptime Kuma payload is invalid: monitor: neither an id nor a name", code="invalid_payload"
        )
    identity = f"id={monitor_id}" if monitor_id else f"name={name}"
    if is_notice:
        identity += ":notice"
    time_text = _text(heartbeat.time)
    is_epoch = time_text is not None and time_text.isascii() and time_text.isdigit()
    if time_text and not is_epoch and not _HAS_OFFSET.search(time_text):
        time_text += "Z"  # Kuma writes heartbeat times in UTC without saying so
    moment = parse_time(time_text, "heartbeat.time", problems) or received_at
    host = _host(monitor, problems)
    labels = clean_labels(
        {
            "monitor_id": monitor_id,
            "monitor_name": name,
            "monitor_type": _text(monitor.type),
            "monitor_url": _text(monitor.url),
            "monitor_hostname": _text(monitor.hostname),
            "monitor_port": _text(monitor.port),
        },
        limits=limits,
        what="labels",
        problems=problems,
    )
    labels = {k: v for k, v in labels.items() if v}
    state_word = {AlertStatus.FIRING: "down", AlertStatus.RESOLVED: "up"}.get(status, state)
    summary = f"{name or 'Monitor ' + (monitor_id or '')} is {state_word}"
    if is_notice:
        summary = _text(body.msg) or f"{name or 'Monitor ' + (monitor_id or '')}: notice"
    description = first_present(_text(heartbeat.msg), _text(body.msg)) or ""
    return NormalizedPayload(
        source=SourceKind.UPTIME_KUMA,
        alerts=[
            NormalizedAlert(
                source=SourceKind.UPTIME_KUMA,
                fingerprint=bounded_key(join_key("uptime-kuma", identity), limits, "monitor", problems),
                fingerprint_derived=False,
                status=status,
                severity=severity,
                summary=clip(summary, limits.max_summary, "summary", problems),
                description=clip(description, limits.max_description, "msg", problems),
                labels=labels,
                annotations={},
                host=host,
                condition_key=bounded_key(
                    join_key("uptime-kuma", "monitor", identity), limits, "condition key", problems
                ),
                group_key=None,
                starts_at=moment,
                ends_at=moment if status is AlertStatus.RESOLVED else None,
                raw_ref="",
                source_url=clip(url, 2048, "url", problems) if (url := _text(monitor.url)) else None,
                problems=tuple(problems),
            )
        ],
    )


def _host(monitor: KumaMonitor, problems: list[str]) -> HostRef | None:
    """The monitored host: `hostname` for ping/port/DNS monitors, else the URL's host."""
    raw = first_present(_text(monitor.hostname), _text(monitor.url))
    return normalize_host(raw, problems) if raw else None
