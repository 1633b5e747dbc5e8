"""A generic JSON shaped like PagerDuty's Events API v2, which many tools can send:

    {"routing_key": "...", "event_action": "trigger|acknowledge|resolve", "dedup_key": "...",
     "payload": {"summary", "source", "severity": "critical|error|warning|info", "timestamp",
                 "component", "group", "class", "custom_details": {...}},
     "client": "...", "client_url": "..."}

Identity and condition: `dedup_key`; a trigger without one gets a key derived from its source,
component, group, class and summary (PagerDuty would invent a random one, which nobody could
resolve later). acknowledge and resolve need the key. `routing_key` is the sender's secret for
PagerDuty and is never copied into the alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pydantic_core
from pydantic import Field

from offload.alerts.normalize.common import (
    Payload,
    Scalar,
    ScalarField,
    bounded_key,
    clean_labels,
    clip,
    derived_key,
    join_key,
    map_severity,
    normalize_host,
    parse_time,
    scalar_text,
    validate,
)
from offload.alerts.normalize.types import (
    AlertPayloadError,
    AlertStatus,
    Limits,
    NormalizedAlert,
    NormalizedPayload,
    Severity,
    SourceKind,
)

_ACTIONS = {
    "trigger": AlertStatus.FIRING,
    "acknowledge": AlertStatus.ACKNOWLEDGED,
    "resolve": AlertStatus.RESOLVED,
}


class PdPayload(Payload):
    """The event's description (required for trigger)."""

    summary: str | None = None
    source: str | None = None
    severity: str | None = None
    timestamp: ScalarField = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(default=None, alias="class")
    custom_details: dict[str, Any] | str | float | bool | None = None


class PdEvent(Payload):
    """One Events-v2-shaped event."""

    event_action: str
    dedup_key: ScalarField = None
    payload: PdPayload | None = None
    client: str | None = None
    client_url: str | None = None


def normalize_pagerduty(data: object, *, received_at: datetime, limits: Limits) -> NormalizedPayload:
    """One NormalizedAlert for an Events-v2-shaped body (already decoded from JSON)."""
    event = validate(PdEvent, data, what="PagerDuty-style")
    problems: list[str] = []
    status = _ACTIONS.get(event.event_action.strip().lower())
    if status is None:
        raise AlertPayloadError(
            f"PagerDuty-style payload is invalid: event_action: {event.event_action[:20]!r} is not "
            "trigger, acknowledge or resolve",
            code="invalid_payload",
        )
    body = event.payload or PdPayload()
    dedup_key = scalar_text(event.dedup_key).replace("\x00", "").strip()
    if status is AlertStatus.FIRING and not (body.summary and body.source):
        raise AlertPayloadError(
            "PagerDuty-style payload is invalid: a trigger needs payload.summary and payload.source",
            code="invalid_payload",
        )
    derived = False
    if not dedup_key:
        if status is not AlertStatus.FIRING:
            raise AlertPayloadError(
                f"PagerDuty-style payload is invalid: {event.event_action} needs a dedup_key",
                code="invalid_payload",
            )
        dedup_key = derived_key(
            "pagerduty", body.source, body.component, body.group, body.class_, body.summary
        )
        derived = True
    dedup_key = bounded_key(dedup_key, limits, "dedup_key", problems)
    labels = clean_labels(_labels(body), limits=limits, what="labels", problems=problems)
    details = _details(body.custom_details, limits=limits, problems=problems)
    moment = parse_time(body.timestamp, "payload.timestamp", problems) or received_at
    # `source` is often a host, but may be any name ("backup monitor"): not a host is no problem.
    host = normalize_host(body.source, []) if body.source else None
    default = Severity.WARNING if status is AlertStatus.FIRING else Severity.INFO
    return NormalizedPayload(
        source=SourceKind.PAGERDUTY,
        alerts=[
            NormalizedAlert(
                source=SourceKind.PAGERDUTY,
                fingerprint=dedup_key,
                fingerprint_derived=derived,
                status=status,
                severity=map_severity(body.severity, default=default, problems=problems),
                summary=clip(
                    body.summary or f"{event.event_action} {dedup_key}",
                    limits.max_summary,
                    "summary",
                    problems,
                ),
                description=clip(_description(details), limits.max_description, "custom_details", problems),
                labels=labels,
                annotations=details,
                host=host,
                condition_key=bounded_key(
                    join_key("pagerduty", dedup_key), limits, "condition key", problems
                ),
                group_key=bounded_key(body.group, limits, "group", problems) if body.group else None,
                starts_at=moment,
                ends_at=moment if status is AlertStatus.RESOLVED else None,
                raw_ref="",
                source_url=clip(event.client_url, 2048, "client_url", problems) if event.client_url else None,
                problems=tuple(problems),
            )
        ],
    )


def _labels(body: PdPayload) -> dict[str, Scalar]:
    return {
        name: value
        for name, value in (
            ("source", body.source),
            ("component", body.component),
            ("group", body.group),
            ("class", body.class_),
            ("severity", body.severity),
        )
        if value
    }


def _details(details: object, *, limits: Limits, problems: list[str]) -> dict[str, str]:
    """custom_details flattened to text values (nested values as compact JSON)."""
    if details is None:
        return {}
    if not isinstance(details, dict):
        return {"details": clip(str(details), limits.max_label_value, "custom_details", problems)}
    flat: dict[str, Scalar] = {}
    for key, value in details.items():
        flat[key] = value if isinstance(value, str | int | float | bool) or value is None else _json(value)
    return clean_labels(flat, limits=limits, what="custom_details", problems=problems)


def _json(value: object) -> str:
    return pydantic_core.to_json(value).decode()


def _description(details: dict[str, str]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in details.items())
