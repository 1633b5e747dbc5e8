"""The vocabulary of the normalisation stage: what comes out, what goes wrong, how big is too big."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class SourceKind(enum.StrEnum):
    """Which monitoring tool (payload shape) an alert came from."""

    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    ZABBIX = "zabbix"
    UPTIME_KUMA = "uptime_kuma"
    PAGERDUTY = "pagerduty"


class AlertStatus(enum.StrEnum):
    """What the notification says about the alert's condition."""

    FIRING = "firing"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    # Something changed (a comment, a severity change, a pending check) but the condition did not.
    UPDATE = "update"


class Severity(enum.StrEnum):
    """Offload's four severities; every tool's scale is mapped onto these."""

    CRITICAL = "critical"
    HIGH = "high"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class HostRef:
    """A host name or address as found in an alert, prepared for matching an asset.

    `name` is the lower-cased FQDN (no port, no scheme, no trailing dot) or the IP address;
    `short` is its first label (equal to `name` for IPs and single-label names).
    """

    raw: str
    name: str
    short: str
    is_ip: bool = False


@dataclass(frozen=True, slots=True)
class NormalizedAlert:
    """One alert from any source, in Offload's terms.

    `fingerprint` is the deduplication key: the same alert (same source identity) always gets the
    same one, whether the source sent it (`fingerprint_derived` False) or we derived it.
    `condition_key` says what "the same condition" means for correlation (e.g. alertname + host,
    a Zabbix trigger, an Uptime Kuma monitor); several fingerprints may share one condition.
    `raw_ref` is a JSON pointer into the raw payload ("" = the whole body, "/alerts/3" = one item).
    """

    source: SourceKind
    fingerprint: str
    fingerprint_derived: bool
    status: AlertStatus
    severity: Severity
    summary: str
    description: str
    labels: dict[str, str]
    annotations: dict[str, str]
    host: HostRef | None
    condition_key: str
    group_key: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    raw_ref: str
    source_url: str | None = None
    # The source's id for this very event when it has one (a Zabbix recovery or update event).
    event_id: str | None = None
    values: dict[str, float | None] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NormalizedPayload:
    """Everything one inbound request said: its alerts plus facts about the payload as a whole."""

    source: SourceKind
    alerts: list[NormalizedAlert]
    group_key: str | None = None
    # Alerts the sender dropped (Alertmanager's `max_alerts`): the payload is knowingly incomplete.
    truncated_alerts: int = 0
    # A test notification ("Send test" buttons): nothing to store beyond the raw request.
    is_test: bool = False
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one payload may cost; oversize text is truncated (a problem), not refused."""

    max_body_bytes: int = 8 * 1024 * 1024
    max_alerts: int = 5000
    max_labels: int = 64
    max_label_name: int = 128
    max_label_value: int = 1024
    max_summary: int = 500
    max_description: int = 8000
    max_key: int = 512


DEFAULT_LIMITS = Limits()


class AlertPayloadError(ValueError):
    """The payload cannot be normalised at all. `code` is machine-readable; `details` holds the
    validation errors (pydantic's, without the offending input) when there were any."""

    def __init__(self, message: str, *, code: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []

    def __str__(self) -> str:
        return self.message
