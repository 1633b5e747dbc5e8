"""Zabbix, through a webhook media type (zabbix_mediatype.js, next to this module: its header lists
the media type parameters to define) that posts this JSON body; every value may be a string, as
Zabbix macros expand to text:

    {
      "event": {
        "id": "{EVENT.ID}",                       required; the problem's event id (dedup key)
        "value": "{EVENT.VALUE}",                 1 = problem, 0 = recovery
        "update_status": "{EVENT.UPDATE.STATUS}", 1 = an update (ack, comment, severity change)
        "update_action": "{EVENT.UPDATE.ACTION}", e.g. "acknowledged, commented"
        "update_message": "{EVENT.UPDATE.MESSAGE}",
        "recovery_id": "{EVENT.RECOVERY.ID}",
        "name": "{EVENT.NAME}",
        "severity": "{EVENT.SEVERITY}",           Not classified|Information|Warning|Average|High|Disaster
        "nseverity": "{EVENT.NSEVERITY}",         0..5, preferred over the name
        "date": "{EVENT.DATE}", "time": "{EVENT.TIME}",      problem start, server local time
        "recovery_date": "{EVENT.RECOVERY.DATE}", "recovery_time": "{EVENT.RECOVERY.TIME}",
        "timezone": "+01:00",                     the Zabbix server's UTC offset (else UTC assumed)
        "tags": "{EVENT.TAGSJSON}",               [{"tag": .., "value": ..}] (or that as a string)
        "opdata": "{EVENT.OPDATA}"
      },
      "trigger": {"id": "{TRIGGER.ID}", "name": "{TRIGGER.NAME}", "description": "{TRIGGER.DESCRIPTION}"},
      "host": {"host": "{HOST.HOST}", "name": "{HOST.NAME}", "ip": "{HOST.IP}", "dns": "{HOST.DNS}"},
      "subject": "{ALERT.SUBJECT}", "message": "{ALERT.MESSAGE}",
      "url": "{$ZABBIX.URL}/tr_events.php?triggerid={TRIGGER.ID}&eventid={EVENT.ID}"
    }

`time` may instead be RFC 3339 or epoch seconds. Macros Zabbix could not expand ("{EVENT.RECOVERY.ID}",
"*UNKNOWN*") count as absent. Identity: the problem event id, which recovery and update
notifications repeat. Condition: the trigger id (a trigger belongs to one host).
"""

from __future__ import annotations

import re
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
    first_present,
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
    HostRef,
    Limits,
    NormalizedAlert,
    NormalizedPayload,
    Severity,
    SourceKind,
)

Text = ScalarField
_UNEXPANDED = re.compile(r"^\{[A-Z0-9_.$#]+\}$|^\*UNKNOWN\*$")
_ZABBIX_DATE = re.compile(r"^\d{4}\.\d{2}\.\d{2}$", re.ASCII)


class ZabbixEvent(Payload):
    """The event part of the media type's body (macro values)."""

    id: Text = None
    value: Text = None
    update_status: Text = None
    update_action: Text = None
    update_message: Text = None
    recovery_id: Text = None
    name: Text = None
    severity: Text = None
    nseverity: Text = None
    date: Text = None
    time: Text = None
    recovery_date: Text = None
    recovery_time: Text = None
    timezone: Text = None
    tags: str | list[dict[str, ScalarField]] | None = Field(default=None)
    opdata: Text = None


class ZabbixTrigger(Payload):
    """The trigger (the condition) that raised the event."""

    id: Text = None
    name: Text = None
    description: Text = None


class ZabbixHost(Payload):
    """The host the trigger belongs to."""

    host: Text = None
    name: Text = None
    ip: Text = None
    dns: Text = None


class ZabbixWebhook(Payload):
    """The body Offload's Zabbix media type sends for problem, recovery and update notifications."""

    event: ZabbixEvent
    trigger: ZabbixTrigger = Field(default_factory=ZabbixTrigger)
    host: ZabbixHost = Field(default_factory=ZabbixHost)
    subject: Text = None
    message: Text = None
    url: Text = None


def _text(value: Text) -> str | None:
    """A macro's value as text; None when empty or left unexpanded by Zabbix."""
    if value is None:
        return None
    text = scalar_text(value).replace("\x00", "").strip()
    if not text or _UNEXPANDED.match(text):
        return None
    return text


def normalize_zabbix(data: object, *, received_at: datetime, limits: Limits) -> NormalizedPayload:
    """One NormalizedAlert for a Zabbix media-type body (already decoded from JSON)."""
    body = validate(ZabbixWebhook, data, what="Zabbix")
    event, trigger = body.event, body.trigger
    problems: list[str] = []
    event_id = _text(event.id)
    if event_id is None:
        raise AlertPayloadError("Zabbix payload is invalid: event.id: required", code="invalid_payload")
    status = _status(event, problems)
    labels = _labels(body, limits=limits, problems=problems)
    host = _host(body.host, problems)
    trigger_id = _text(trigger.id)
    if trigger_id:
        condition_key = join_key("zabbix", "trigger", trigger_id)
    else:
        problems.append("trigger.id missing: the condition is the event name on the host")
        condition_key = join_key("zabbix", "event", host.name if host else "", _text(event.name) or event_id)
    severity_word = _text(event.nseverity) or _text(event.severity)
    starts_at = _time(event.date, event.time, event.timezone, "event.time", problems) or received_at
    ends_at = None
    if status is AlertStatus.RESOLVED:
        ends_at = _time(
            event.recovery_date, event.recovery_time, event.timezone, "event.recovery_time", problems
        )
        ends_at = ends_at or received_at
    summary = (
        first_present(_text(event.name), _text(trigger.name), _text(body.subject))
        or f"Zabbix event {event_id}"
    )
    description = first_present(_text(body.message), _text(trigger.description)) or ""
    if status in (AlertStatus.UPDATE, AlertStatus.ACKNOWLEDGED):
        description = first_present(_text(event.update_message), description) or ""
    return NormalizedPayload(
        source=SourceKind.ZABBIX,
        alerts=[
            NormalizedAlert(
                source=SourceKind.ZABBIX,
                fingerprint=bounded_key(event_id, limits, "event.id", problems),
                fingerprint_derived=False,
                status=status,
                severity=map_severity(severity_word, default=Severity.WARNING, problems=problems),
                summary=clip(summary, limits.max_summary, "summary", problems),
                description=clip(description, limits.max_description, "description", problems),
                labels=labels,
                annotations={},
                host=host,
                condition_key=bounded_key(condition_key, limits, "condition key", problems),
                group_key=None,
                starts_at=starts_at,
                ends_at=ends_at,
                raw_ref="",
                source_url=clip(url, 2048, "url", problems) if (url := _text(body.url)) else None,
                event_id=_event_id(event, status, limits, problems),
                problems=tuple(problems),
            )
        ],
    )


def _status(event: ZabbixEvent, problems: list[str]) -> AlertStatus:
    if _text(event.update_status) == "1":
        action = (_text(event.update_action) or "").lower()
        acknowledged = re.search(r"(?<!un)acknowledged", action) is not None
        return AlertStatus.ACKNOWLEDGED if acknowledged else AlertStatus.UPDATE
    value = _text(event.value)
    if value == "0":
        return AlertStatus.RESOLVED
    if value != "1":
        problems.append(f"event.value: unknown value {scalar_text(event.value)[:20]!r}, taken as a problem")
    return AlertStatus.FIRING


def _event_id(event: ZabbixEvent, status: AlertStatus, limits: Limits, problems: list[str]) -> str | None:
    """The id of this notification's own event: the recovery event for a recovery."""
    recovery = _text(event.recovery_id)
    if status is AlertStatus.RESOLVED and recovery:
        return bounded_key(recovery, limits, "event.recovery_id", problems)
    return None


def _labels(body: ZabbixWebhook, *, limits: Limits, problems: list[str]) -> dict[str, str]:
    raw: dict[str, Scalar] = {}
    for tag in _tags(body.event.tags, problems):
        name = scalar_text(tag.get("tag"))
        if name:
            raw[name] = tag.get("value")
    for name, value in (
        ("zabbix_trigger_id", body.trigger.id),
        ("zabbix_host", body.host.host),
        ("zabbix_host_name", body.host.name),
        ("zabbix_ip", body.host.ip),
        ("zabbix_dns", body.host.dns),
        ("zabbix_opdata", body.event.opdata),
    ):
        if (text := _text(value)) is not None:
            raw[name] = text
    return clean_labels(raw, limits=limits, what="tags", problems=problems)


def _tags(tags: str | list[dict[str, Scalar]] | None, problems: list[str]) -> list[dict[str, Any]]:
    """{EVENT.TAGSJSON}, whether the script passed it through as a string or parsed it."""
    if tags is None or isinstance(tags, list):
        return tags or []
    if _text(tags) is None:
        return []
    try:
        parsed = pydantic_core.from_json(tags)
    except ValueError:
        problems.append("event.tags: not JSON, ignored")
        return []
    if not isinstance(parsed, list) or not all(isinstance(t, dict) for t in parsed):
        problems.append("event.tags: not a list of {tag, value}, ignored")
        return []
    return [{k: v for k, v in t.items() if isinstance(v, str | int | float | bool)} for t in parsed]


def _host(host: ZabbixHost, problems: list[str]) -> HostRef | None:
    """The first usable of the technical host name, its DNS name, the visible name and the IP."""
    tried: list[str] = []
    for value in (host.host, host.dns, host.name, host.ip):
        text = _text(value)
        if text is None:
            continue
        ref = normalize_host(text, tried)
        if ref is not None:
            return ref
    if tried:
        problems.append(tried[0])
    return None


def _time(date: Text, time: Text, tz: Text, what: str, problems: list[str]) -> datetime | None:
    """Zabbix's "2024.01.31" + "12:34:56" in the server's offset, or RFC 3339 / epoch in `time`."""
    time_text, date_text = _text(time), _text(date)
    if time_text is None:
        return None
    if date_text and _ZABBIX_DATE.match(date_text):
        offset = _text(tz)
        stamp = f"{date_text.replace('.', '-')}T{time_text}"
        return parse_time(f"{stamp}{offset}" if offset else stamp, what, problems)
    return parse_time(time_text, what, problems)
