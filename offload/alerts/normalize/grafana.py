"""Grafana webhooks: unified alerting (Grafana 8+, an Alertmanager-shaped envelope with `values`
or the older `valueString`) and the legacy dashboard alert (`ruleId`, `state`, `evalMatches`).

Legacy identity: one alert per rule (org + dashboard + panel + rule id); its host is taken from
the evalMatches' `instance`/`host` tags only when they all name the same host.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import Field

from offload.alerts.normalize.alertmanager import HOST_LABELS, normalize_am_envelope
from offload.alerts.normalize.common import (
    Payload,
    Scalar,
    ScalarField,
    bounded_key,
    clean_labels,
    clip,
    derived_key,
    first_present,
    join_key,
    map_severity,
    normalize_host,
    scalar_text,
    validate,
)
from offload.alerts.normalize.types import (
    AlertStatus,
    HostRef,
    Limits,
    NormalizedAlert,
    NormalizedPayload,
    Severity,
    SourceKind,
)

MAX_EVAL_MATCHES = 100
_LEGACY_STATES = {
    "alerting": AlertStatus.FIRING,
    "no_data": AlertStatus.FIRING,
    "ok": AlertStatus.RESOLVED,
    "paused": AlertStatus.UPDATE,
    "pending": AlertStatus.UPDATE,
}


class EvalMatch(Payload):
    """One series that matched a legacy alert rule's condition."""

    value: float | None = None
    metric: ScalarField = None
    tags: dict[str, ScalarField] | None = None


class LegacyGrafanaAlert(Payload):
    """A legacy (pre-unified) Grafana dashboard alert notification."""

    state: str
    ruleId: ScalarField = None
    ruleName: str | None = None
    ruleUrl: str | None = None
    title: str | None = None
    message: str | None = None
    orgId: ScalarField = None
    dashboardId: ScalarField = None
    panelId: ScalarField = None
    tags: dict[str, ScalarField] | None = None
    evalMatches: list[EvalMatch] = Field(default_factory=list, max_length=10_000)


def is_legacy_grafana(data: object) -> bool:
    """Legacy dashboard alerts have `ruleId`/`evalMatches` and no `alerts` list."""
    return isinstance(data, dict) and "alerts" not in data and ("evalMatches" in data or "ruleId" in data)


def normalize_grafana(data: object, *, received_at: datetime, limits: Limits) -> NormalizedPayload:
    """NormalizedAlerts for either Grafana webhook format (already decoded from JSON)."""
    if is_legacy_grafana(data):
        return _normalize_legacy(data, received_at=received_at, limits=limits)
    payload = normalize_am_envelope(
        data, source=SourceKind.GRAFANA, what="Grafana", received_at=received_at, limits=limits
    )
    # Grafana's "Test" contact-point button sends a TestAlert with this label.
    is_test = bool(payload.alerts) and all(
        a.labels.get("alertname") == "TestAlert"
        and "instance" in a.labels
        and a.labels["instance"] == "Grafana"
        for a in payload.alerts
    )
    if is_test:
        return NormalizedPayload(
            source=payload.source,
            alerts=[],
            group_key=payload.group_key,
            is_test=True,
            problems=payload.problems,
        )
    return payload


def _normalize_legacy(data: object, *, received_at: datetime, limits: Limits) -> NormalizedPayload:
    alert = validate(LegacyGrafanaAlert, data, what="Grafana legacy")
    problems: list[str] = []
    state = alert.state.strip().lower()
    status = _LEGACY_STATES.get(state)
    if status is None:
        problems.append(f"state: unknown value {alert.state[:20]!r}, taken as firing")
        status = AlertStatus.FIRING
    labels = clean_labels(alert.tags, limits=limits, what="tags", problems=problems)
    if state == "no_data":
        labels.setdefault("grafana_state", "no_data")
    ids = [str(v) for v in (alert.orgId, alert.dashboardId, alert.panelId, alert.ruleId)]
    if alert.ruleId is None:
        problems.append("ruleId missing: identity derived from the rule name")
        ids[-1] = "name=" + (alert.ruleName or alert.title or "")
    fingerprint = derived_key("grafana-legacy", *ids)
    matches = alert.evalMatches[:MAX_EVAL_MATCHES]
    if len(alert.evalMatches) > MAX_EVAL_MATCHES:
        problems.append(f"evalMatches: only the first {MAX_EVAL_MATCHES} of {len(alert.evalMatches)} kept")
    host = _common_host(matches, labels, problems)
    values = {
        clip(scalar_text(m.metric) or str(i), limits.max_label_name, "evalMatches metric", problems): m.value
        for i, m in enumerate(matches)
    }
    summary = first_present(alert.ruleName, alert.title) or "Grafana alert"
    return NormalizedPayload(
        source=SourceKind.GRAFANA,
        alerts=[
            NormalizedAlert(
                source=SourceKind.GRAFANA,
                fingerprint=fingerprint,
                fingerprint_derived=True,
                status=status,
                severity=map_severity(labels.get("severity"), default=Severity.WARNING, problems=problems),
                summary=clip(summary, limits.max_summary, "summary", problems),
                description=clip(alert.message or "", limits.max_description, "message", problems),
                labels=labels,
                annotations={},
                host=host,
                condition_key=bounded_key(
                    join_key("grafana-legacy", "rule", *ids), limits, "condition key", problems
                ),
                group_key=None,
                starts_at=received_at,
                ends_at=received_at if status is AlertStatus.RESOLVED else None,
                raw_ref="",
                source_url=clip(alert.ruleUrl, 2048, "ruleUrl", problems) if alert.ruleUrl else None,
                values=values,
                problems=tuple(problems),
            )
        ],
    )


def _common_host(matches: list[EvalMatch], labels: dict[str, str], problems: list[str]) -> HostRef | None:
    """The host every matched series names (or the rule's tags name), else None."""
    names: set[str] = set()
    found: HostRef | None = None
    sources: list[Mapping[str, Scalar]] = [m.tags or {} for m in matches] or [labels]
    for tags in sources:
        raw = next((str(tags[n]) for n in HOST_LABELS if tags.get(n)), None)
        host = normalize_host(raw, problems) if raw else None
        if host:
            names.add(host.name)
            found = host
    return found if len(names) == 1 else None
