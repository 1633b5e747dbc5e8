"""Prometheus Alertmanager webhook payloads, version "4" (also Grafana's unified alerting, which
sends the same envelope; see grafana.py).

Identity: `fingerprint` (sent since Alertmanager 0.19; derived from the label set exactly as
Alertmanager computes it when absent). Condition: alertname + host of the `instance` label (or
host/hostname/nodename/node), falling back to the fingerprint when no host is named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from offload.alerts.normalize.common import (
    Payload,
    ScalarField,
    bounded_key,
    clean_labels,
    clip,
    first_present,
    join_key,
    labelset_fingerprint,
    map_severity,
    normalize_host,
    parse_time,
    scalar_text,
    validate,
)
from offload.alerts.normalize.types import (
    AlertStatus,
    Limits,
    NormalizedAlert,
    NormalizedPayload,
    Severity,
    SourceKind,
)
from offload.alerts.normalize.valuestring import parse_value_string

_MAX_HASHED_LABEL_CHARS = 65536
HOST_LABELS = ("instance", "host", "hostname", "nodename", "node", "server")


class AmAlert(Payload):
    """One alert inside an Alertmanager (or Grafana unified) notification."""

    status: str | None = None
    labels: dict[str, ScalarField] = Field(default_factory=dict)
    annotations: dict[str, ScalarField] | None = None
    startsAt: ScalarField = None
    endsAt: ScalarField = None
    generatorURL: str | None = None
    fingerprint: str | None = None
    # Grafana unified alerting only:
    values: dict[str, float | None] | None = None
    valueString: str | None = None
    dashboardURL: str | None = None
    panelURL: str | None = None


class AmWebhook(Payload):
    """The notification envelope: one aggregation group, its common labels and its alerts."""

    version: ScalarField = None
    groupKey: str | None = None
    truncatedAlerts: int | None = None
    status: str | None = None
    receiver: str | None = None
    groupLabels: dict[str, ScalarField] | None = None
    commonLabels: dict[str, ScalarField] | None = None
    commonAnnotations: dict[str, ScalarField] | None = None
    externalURL: str | None = None
    alerts: list[Any]
    # Grafana unified alerting only:
    orgId: int | None = None
    title: str | None = None
    message: str | None = None


def normalize_alertmanager(data: object, *, received_at: datetime, limits: Limits) -> NormalizedPayload:
    """NormalizedAlerts for an Alertmanager v4 webhook body (already decoded from JSON)."""
    return normalize_am_envelope(
        data, source=SourceKind.ALERTMANAGER, what="Alertmanager", received_at=received_at, limits=limits
    )


def normalize_am_envelope(
    data: object, *, source: SourceKind, what: str, received_at: datetime, limits: Limits
) -> NormalizedPayload:
    """The Alertmanager-shaped envelope, shared with Grafana unified alerting."""
    # Past the limit, keep the first alerts and count the rest as truncated, as Alertmanager's own
    # max_alerts does: it resends the whole group every group_interval, and refusing the payload
    # (a 4xx, which Alertmanager does not retry) would lose all of it.
    dropped = 0
    if (
        isinstance(data, dict)
        and isinstance(data.get("alerts"), list)
        and len(data["alerts"]) > limits.max_alerts
    ):
        dropped = len(data["alerts"]) - limits.max_alerts
        data = {**data, "alerts": data["alerts"][: limits.max_alerts]}
    envelope = validate(AmWebhook, data, what=what)
    problems: list[str] = []
    if source is SourceKind.ALERTMANAGER and envelope.version is not None and str(envelope.version) != "4":
        problems.append(f"version {str(envelope.version)[:20]!r}, expected '4'")
    group_key = bounded_key(envelope.groupKey, limits, "groupKey", problems) if envelope.groupKey else None
    truncated = envelope.truncatedAlerts or 0
    if truncated < 0:
        problems.append(f"truncatedAlerts is negative ({truncated}), ignored")
        truncated = 0
    if truncated:
        problems.append(f"{truncated} alerts were truncated by the sender (max_alerts)")
    if dropped:
        problems.append(f"{dropped} alerts beyond the limit of {limits.max_alerts} were dropped")
        truncated += dropped
    alerts = []
    for index, item in enumerate(envelope.alerts):
        alert = validate(AmAlert, item, what=what, at=f"alerts.{index}")
        alerts.append(
            _normalize_alert(
                alert,
                envelope=envelope,
                index=index,
                source=source,
                group_key=group_key,
                received_at=received_at,
                limits=limits,
            )
        )
    return NormalizedPayload(
        source=source,
        alerts=alerts,
        group_key=group_key,
        truncated_alerts=truncated,
        problems=tuple(problems),
    )


def _normalize_alert(
    alert: AmAlert,
    *,
    envelope: AmWebhook,
    index: int,
    source: SourceKind,
    group_key: str | None,
    received_at: datetime,
    limits: Limits,
) -> NormalizedAlert:
    problems: list[str] = []
    labels = clean_labels(alert.labels, limits=limits, what="labels", problems=problems)
    annotations = clean_labels(
        alert.annotations or envelope.commonAnnotations,
        limits=limits,
        what="annotations",
        problems=problems,
        value_limit=limits.max_description,
    )
    sent_fingerprint = (alert.fingerprint or "").replace("\x00", "").strip()
    if sent_fingerprint:
        fingerprint = bounded_key(sent_fingerprint, limits, "fingerprint", problems)
        derived = False
    else:
        # From the labels as sent (not as bounded), so it equals Alertmanager's own fingerprint;
        # absurdly large label sets fall back to the bounded ones to keep the hash cheap.
        sent = {k: scalar_text(v) for k, v in alert.labels.items()}
        small = sum(len(k) + len(v) for k, v in sent.items()) <= _MAX_HASHED_LABEL_CHARS
        fingerprint = labelset_fingerprint(sent if small else labels)
        derived = True
    status = _status(alert.status or envelope.status, problems)
    starts_at = parse_time(alert.startsAt, "startsAt", problems)
    if starts_at is None:
        starts_at = received_at
    ends_at = parse_time(alert.endsAt, "endsAt", problems)
    if status is AlertStatus.RESOLVED and ends_at is None:
        problems.append("resolved without endsAt: the time received is taken")
        ends_at = received_at
    host_label = next((name for name in HOST_LABELS if labels.get(name)), None)
    host = normalize_host(labels[host_label], problems) if host_label else None
    alertname = labels.get("alertname", "")
    condition_key = join_key(
        "am" if source is SourceKind.ALERTMANAGER else "grafana",
        alertname or "unnamed",
        host.name if host else f"fp={fingerprint}",
    )
    summary = first_present(
        annotations.get("summary"), annotations.get("title"), alertname, envelope.title
    ) or ("Alert " + fingerprint)
    description = (
        first_present(annotations.get("description"), annotations.get("message"), annotations.get("summary"))
        or ""
    )
    values, value_problems = _values(alert)
    problems.extend(value_problems)
    values = {clip(k, limits.max_label_name, "values key", problems): v for k, v in values.items()}
    return NormalizedAlert(
        source=source,
        fingerprint=fingerprint,
        fingerprint_derived=derived,
        status=status,
        severity=map_severity(labels.get("severity"), default=Severity.WARNING, problems=problems),
        summary=clip(summary, limits.max_summary, "summary", problems),
        description=clip(description, limits.max_description, "description", problems),
        labels=labels,
        annotations=annotations,
        host=host,
        condition_key=bounded_key(condition_key, limits, "condition key", problems),
        group_key=group_key,
        starts_at=starts_at,
        ends_at=ends_at,
        raw_ref=f"/alerts/{index}",
        source_url=_url(
            first_present(alert.generatorURL, alert.panelURL, alert.dashboardURL), limits, problems
        ),
        values=values,
        problems=tuple(problems),
    )


def _status(value: str | None, problems: list[str]) -> AlertStatus:
    word = (value or "").strip().lower()
    if word == "resolved":
        return AlertStatus.RESOLVED
    if word != "firing":
        problems.append(f"status: unknown value {scalar_text(value)[:20]!r}, taken as firing")
    return AlertStatus.FIRING


def _url(value: str | None, limits: Limits, problems: list[str]) -> str | None:
    return clip(value.strip(), 2048, "url", problems) if value else None


def _values(alert: AmAlert) -> tuple[dict[str, float | None], list[str]]:
    """Grafana's query values: the `values` map, or parsed from the older `valueString`."""
    if alert.values:
        return dict(list(alert.values.items())[:32]), []
    if alert.valueString:
        return parse_value_string(alert.valueString)
    return {}, []
