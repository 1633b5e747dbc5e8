"""The single entry point: pick the source's normaliser and decode the body the way it was sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from offload.alerts.normalize.alertmanager import normalize_alertmanager
from offload.alerts.normalize.common import parse_json
from offload.alerts.normalize.grafana import normalize_grafana
from offload.alerts.normalize.pagerduty import normalize_pagerduty
from offload.alerts.normalize.types import (
    DEFAULT_LIMITS,
    AlertPayloadError,
    Limits,
    NormalizedPayload,
    SourceKind,
)
from offload.alerts.normalize.uptimekuma import normalize_uptime_kuma, query_to_body
from offload.alerts.normalize.zabbix import normalize_zabbix

Normalizer = Callable[..., NormalizedPayload]
NORMALIZERS: dict[SourceKind, Normalizer] = {
    SourceKind.ALERTMANAGER: normalize_alertmanager,
    SourceKind.GRAFANA: normalize_grafana,
    SourceKind.ZABBIX: normalize_zabbix,
    SourceKind.UPTIME_KUMA: normalize_uptime_kuma,
    SourceKind.PAGERDUTY: normalize_pagerduty,
}
_NAMES = {
    SourceKind.ALERTMANAGER: "Alertmanager",
    SourceKind.GRAFANA: "Grafana",
    SourceKind.ZABBIX: "Zabbix",
    SourceKind.UPTIME_KUMA: "Uptime Kuma",
    SourceKind.PAGERDUTY: "PagerDuty-style",
}


def normalize(
    kind: SourceKind | str,
    *,
    body: bytes | str = b"",
    content_type: str | None = None,
    query: Mapping[str, str] | None = None,
    received_at: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> NormalizedPayload:
    """NormalizedAlerts for one webhook request, or AlertPayloadError (and never another error).

    `query` is only read for Uptime Kuma's GET variant (used when the body is empty);
    `received_at` stands in for times the payload does not carry (default: now).
    """
    try:
        source = SourceKind(kind)
    except ValueError:
        raise AlertPayloadError(f"unknown alert source {str(kind)[:40]!r}", code="unknown_source") from None
    what = _NAMES[source]
    if isinstance(body, str):
        # Text that cannot be UTF-8 (lone surrogates) must fail as a payload error, not later.
        body = body.encode("utf-8", "surrogatepass")
    moment = received_at.astimezone(UTC) if received_at else datetime.now(UTC)
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if source is SourceKind.UPTIME_KUMA and not body.strip() and query:
        data: object = query_to_body(query)
    elif source is SourceKind.UPTIME_KUMA and media in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        data = parse_json(_form_data_field(body, content_type or "", limits=limits), limits=limits, what=what)
    else:
        data = parse_json(body, limits=limits, what=what)
    return NORMALIZERS[source](data, received_at=moment, limits=limits)


def _form_data_field(body: bytes | str, content_type: str, *, limits: Limits) -> str:
    """The `data` field of a urlencoded or multipart form (Kuma's "form-data" body option)."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > limits.max_body_bytes:
        raise AlertPayloadError(
            f"Uptime Kuma payload is {len(raw)} bytes, more than the {limits.max_body_bytes} allowed",
            code="too_large",
        )
    if content_type.lower().startswith("multipart/"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + raw
        )
        if message.is_multipart():
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") == "data":
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        return payload.decode("utf-8", "replace")
    else:
        fields = parse_qs(raw.decode("utf-8", "replace"), max_num_fields=100)
        if fields.get("data"):
            return fields["data"][0]
    raise AlertPayloadError("Uptime Kuma form has no `data` field", code="invalid_payload")
