"""Monitoring alerts, normalised: a webhook request's body in, NormalizedAlerts out.

Pure Python (no Django, no database): the intake endpoint stores the raw request, calls
`normalize(kind, body=..., content_type=..., query=...)` and acts on the result.

How callers are meant to read a NormalizedPayload:
- each alert's `fingerprint` is the deduplication key within one integration (source + token):
  a repeat of the same fingerprint bumps a counter; `condition_key` groups fingerprints into "the
  same condition" for correlation (one ticket per asset and condition); `group_key` is the
  sender's own grouping (Alertmanager's groupKey) when it has one.
- `status`: firing opens or bumps; resolved closes (it may arrive before its firing);
  acknowledged and update add to the timeline only.
- `host` (lower-case FQDN or IP plus its short name) is what to match an asset with, after labels.
- `problems` are survivable oddities for a debug view; AlertPayloadError (`code`, `details`) means
  answer 400/413 and keep the raw request for inspection. `is_test` marks "send test" buttons.
"""

from offload.alerts.normalize.dispatch import normalize
from offload.alerts.normalize.types import (
    DEFAULT_LIMITS,
    AlertPayloadError,
    AlertStatus,
    HostRef,
    Limits,
    NormalizedAlert,
    NormalizedPayload,
    Severity,
    SourceKind,
)

__all__ = [
    "DEFAULT_LIMITS",
    "AlertPayloadError",
    "AlertStatus",
    "HostRef",
    "Limits",
    "NormalizedAlert",
    "NormalizedPayload",
    "Severity",
    "SourceKind",
    "normalize",
]
