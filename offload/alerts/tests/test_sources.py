"""Grafana, Zabbix, Uptime Kuma and PagerDuty-style payloads normalise to Offload's terms."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from offload.alerts.normalize import AlertPayloadError, AlertStatus, Severity, SourceKind, normalize
from offload.alerts.normalize import zabbix as zabbix_module
from offload.alerts.normalize.zabbix import ZabbixEvent, ZabbixHost, ZabbixTrigger, ZabbixWebhook
from offload.alerts.tests.payloads import (
    GRAFANA_LEGACY,
    GRAFANA_UNIFIED,
    grafana_value_string,
    kuma,
    pagerduty,
    zabbix,
)

RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _one(kind: str, payload: object, **kwargs):
    result = normalize(kind, body=json.dumps(payload), received_at=RECEIVED, **kwargs)
    [alert] = result.alerts
    return alert


# ---- Grafana ----------------------------------------------------------------------------------


def test_grafana_unified_with_values_map():
    """Unified alerting keeps Grafana's fingerprint, its values and the host of `instance`."""
    alert = _one("grafana", GRAFANA_UNIFIED)
    assert alert.source is SourceKind.GRAFANA
    assert alert.fingerprint == "c6eadffa33fcdf37"
    assert alert.values == {"B": 93.2, "C": 1.0}
    assert alert.severity is Severity.WARNING
    assert alert.summary == "Memory above 90% on web1"
    assert alert.host is not None
    assert alert.host.name == "web1.example.net"
    assert alert.condition_key == "grafana:High memory usage:web1.example.net"
    assert alert.starts_at == datetime(2026, 11, 25, 7, 51, 3, 157076, tzinfo=UTC)


def test_grafana_unified_with_older_value_string():
    """The older `valueString` gives the same values as the `values` map."""
    assert _one("grafana", grafana_value_string()).values == {"B": 93.2, "C": 1.0}


def test_grafana_unified_without_fingerprint_derives_one():
    """An older Grafana without fingerprints gets one derived from the labels, stably."""
    payload = copy.deepcopy(GRAFANA_UNIFIED)
    del payload["alerts"][0]["fingerprint"]
    first, second = _one("grafana", payload), _one("grafana", payload)
    assert first.fingerprint_derived
    assert first.fingerprint == second.fingerprint


def test_grafana_test_button_is_marked_as_test():
    """Grafana's contact-point test (alertname TestAlert, instance Grafana) yields no alerts."""
    payload = copy.deepcopy(GRAFANA_UNIFIED)
    payload["alerts"][0]["labels"] = {"alertname": "TestAlert", "instance": "Grafana"}
    result = normalize("grafana", body=json.dumps(payload))
    assert result.is_test
    assert result.alerts == []


@pytest.mark.parametrize(
    ("state", "status"),
    [("alerting", AlertStatus.FIRING), ("ok", AlertStatus.RESOLVED), ("no_data", AlertStatus.FIRING)],
)
def test_grafana_legacy_states(state, status):
    """Legacy dashboard alerts: one alert per rule whatever its state, so ok resolves alerting."""
    payload = copy.deepcopy(GRAFANA_LEGACY) | {"state": state}
    if state != "alerting":
        payload["evalMatches"] = []
    alert = _one("grafana", payload)
    assert alert.status is status
    assert alert.fingerprint == _one("grafana", GRAFANA_LEGACY).fingerprint
    assert alert.condition_key == "grafana-legacy:rule:1:1:2:7"
    if state == "alerting":
        assert alert.host is not None
        assert alert.host.name == "db1.example.net"
        assert alert.values == {"High value": 100.0}
        assert alert.severity is Severity.HIGH
    if state == "no_data":
        assert alert.labels["grafana_state"] == "no_data"
    if status is AlertStatus.RESOLVED:
        assert alert.ends_at == RECEIVED


def test_grafana_legacy_with_several_hosts_names_none():
    """When the matched series name different hosts, the alert is not pinned on one."""
    payload = copy.deepcopy(GRAFANA_LEGACY)
    payload["evalMatches"].append({"value": 1, "metric": "other", "tags": {"instance": "db2.example.net"}})
    assert _one("grafana", payload).host is None


# ---- Zabbix -----------------------------------------------------------------------------------


def test_zabbix_problem():
    """A problem event: firing, keyed by event id, condition by trigger, times in the server offset."""
    alert = _one("zabbix", zabbix("problem"))
    assert alert.status is AlertStatus.FIRING
    assert alert.fingerprint == "4711"
    assert alert.condition_key == "zabbix:trigger:23456"
    assert alert.severity is Severity.HIGH
    assert alert.summary == "High CPU utilization on SRV-APP01"
    assert alert.host is not None
    assert (alert.host.name, alert.host.short) == ("srv-app01.corp.example.net", "srv-app01")
    assert alert.starts_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert alert.labels["scope"] == "performance"
    assert alert.labels["zabbix_ip"] == "10.1.2.3"
    assert "zabbix_dns" not in alert.labels  # empty
    assert alert.event_id is None  # "{EVENT.RECOVERY.ID}" left unexpanded counts as absent
    assert alert.problems == ()


def test_zabbix_recovery_matches_its_problem():
    """A recovery has the problem's fingerprint, an end time, and its own recovery event id."""
    alert = _one("zabbix", zabbix("resolve"))
    assert alert.status is AlertStatus.RESOLVED
    assert alert.fingerprint == "4711"
    assert alert.event_id == "4790"
    assert alert.ends_at == datetime(2026, 11, 25, 10, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "status"), [("ack", AlertStatus.ACKNOWLEDGED), ("comment", AlertStatus.UPDATE)]
)
def test_zabbix_updates(kind, status):
    """Update operations are acknowledgements or plain updates, with the operator's message."""
    alert = _one("zabbix", zabbix(kind))
    assert alert.status is status
    assert alert.fingerprint == "4711"
    assert alert.description in ("on it", "still high")


def test_zabbix_without_event_id_is_refused():
    """Without an event id nothing can be deduplicated: a clear error."""
    payload = zabbix()
    payload["event"]["id"] = "{EVENT.ID}"
    with pytest.raises(AlertPayloadError, match=r"event\.id"):
        normalize("zabbix", body=json.dumps(payload))


def test_zabbix_falls_back_to_other_host_fields():
    """A visible name with spaces is skipped for the DNS name or IP when reading the host."""
    payload = zabbix()
    payload["host"] = {"host": "Zabbix server", "name": "Zabbix server", "ip": "127.0.0.1", "dns": ""}
    payload["event"]["nseverity"] = "5"
    payload["event"]["time"] = "2026-11-25T11:00:00+01:00"
    payload["event"]["date"] = ""
    alert = _one("zabbix", payload)
    assert alert.host is not None
    assert alert.host.name == "127.0.0.1"
    assert alert.severity is Severity.CRITICAL
    assert alert.starts_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


# ---- Uptime Kuma ------------------------------------------------------------------------------


def test_kuma_json_down_and_up_share_an_identity():
    """Down fires and up resolves the same monitor alert; Kuma's UTC time is read as UTC."""
    down, up = _one("uptime_kuma", kuma(0)), _one("uptime_kuma", kuma(1))
    assert (down.status, up.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)
    assert down.fingerprint == up.fingerprint == "uptime-kuma:id=12"
    assert down.condition_key == "uptime-kuma:monitor:id=12"
    assert down.severity is Severity.CRITICAL
    assert down.summary == "Customer portal is down"
    assert down.description == "timeout of 48000ms exceeded"
    assert down.host is not None
    assert down.host.name == "portal.example.net"
    assert down.starts_at == datetime(2026, 11, 25, 10, 0, 0, 512000, tzinfo=UTC)
    assert up.ends_at == up.starts_at
    assert down.problems == ()


def test_kuma_urlencoded_form_data():
    """The form-data option (a urlencoded `data` field holding the JSON) reads the same as JSON."""
    body = urlencode({"data": json.dumps(kuma(0))})
    result = normalize(
        "uptime_kuma", body=body, content_type="application/x-www-form-urlencoded", received_at=RECEIVED
    )
    assert _fields(result.alerts[0]) == _fields(_one("uptime_kuma", kuma(0)))


def _fields(alert):
    return {name: getattr(alert, name) for name in alert.__slots__}


def test_kuma_multipart_form_data():
    """A multipart/form-data body with a `data` part reads the same as JSON."""
    boundary = "----kuma1234"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
        f"{json.dumps(kuma(0))}\r\n--{boundary}--\r\n"
    ).encode()
    result = normalize(
        "uptime_kuma",
        body=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        received_at=RECEIVED,
    )
    assert _fields(result.alerts[0]) == _fields(_one("uptime_kuma", kuma(0)))


def test_kuma_get_variant_with_query_parameters():
    """A GET with query parameters (no body) becomes the same kind of alert."""
    result = normalize(
        "uptime_kuma",
        query={
            "monitor_id": "12",
            "name": "Customer portal",
            "status": "down",
            "msg": "timeout",
            "url": "https://portal.example.net",
        },
        received_at=RECEIVED,
    )
    [alert] = result.alerts
    assert alert.fingerprint == "uptime-kuma:id=12"
    assert alert.status is AlertStatus.FIRING
    assert alert.starts_at == RECEIVED
    assert alert.host is not None
    assert alert.host.name == "portal.example.net"


def test_kuma_certificate_notice_is_its_own_alert():
    """A monitor without heartbeat (certificate expiry) is a warning alert apart from down/up."""
    payload = kuma(0) | {"heartbeat": None, "msg": "[Customer portal] Certificate will expire in 13 days"}
    alert = _one("uptime_kuma", payload)
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is Severity.WARNING
    assert alert.fingerprint == "uptime-kuma:id=12:notice"
    assert alert.fingerprint != _one("uptime_kuma", kuma(0)).fingerprint
    assert alert.summary == "[Customer portal] Certificate will expire in 13 days"
    assert alert.starts_at == RECEIVED


def test_kuma_test_message_is_marked_as_test():
    """Kuma's "Test" button (no heartbeat, no monitor) yields no alerts."""
    result = normalize("uptime_kuma", body=json.dumps({"heartbeat": None, "monitor": None, "msg": "test"}))
    assert result.is_test
    assert result.alerts == []


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (json.dumps(kuma(0) | {"heartbeat": {"status": 7}}), None, "heartbeat.status"),
        (json.dumps({"heartbeat": {"status": 0}, "monitor": {}}), None, "neither an id nor a name"),
        ("other=1", "application/x-www-form-urlencoded", "no `data` field"),
        ("data=%7Bnot", "application/x-www-form-urlencoded", "not valid JSON"),
    ],
)
def test_kuma_bad_input_is_a_clear_error(body, content_type, message):
    """Unknown statuses, anonymous monitors and broken forms are AlertPayloadErrors."""
    with pytest.raises(AlertPayloadError, match=message):
        normalize("uptime_kuma", body=body, content_type=content_type)


# ---- PagerDuty-style --------------------------------------------------------------------------


def test_pagerduty_trigger_acknowledge_resolve():
    """trigger / acknowledge / resolve with one dedup_key are one alert's three states."""
    trigger = _one("pagerduty", pagerduty("trigger"))
    ack = _one("pagerduty", pagerduty("acknowledge", payload=None))
    resolve = _one("pagerduty", pagerduty("resolve", payload=None))
    assert [a.status for a in (trigger, ack, resolve)] == [
        AlertStatus.FIRING,
        AlertStatus.ACKNOWLEDGED,
        AlertStatus.RESOLVED,
    ]
    assert {a.fingerprint for a in (trigger, ack, resolve)} == {"backup-srv-files01-nightly"}
    assert trigger.severity is Severity.HIGH  # PagerDuty's "error"
    assert trigger.group_key == "backup"
    assert trigger.host is not None
    assert trigger.host.name == "files01.corp.example.net"
    assert trigger.starts_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert trigger.annotations["log"] == '{"last":"disk full"}'
    assert trigger.labels["class"] == "backup_job"
    assert "R0UT1NGKEY" not in json.dumps(_fields(trigger), default=str)  # the routing key never leaks


def test_pagerduty_trigger_without_dedup_key_derives_a_stable_one():
    """Two identical triggers without dedup_key get the same derived key."""
    first = _one("pagerduty", pagerduty(dedup_key=None))
    second = _one("pagerduty", pagerduty(dedup_key=None))
    assert first.fingerprint_derived
    assert first.fingerprint == second.fingerprint


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (pagerduty("resolve", dedup_key=None), "needs a dedup_key"),
        (pagerduty("escalate"), "event_action"),
        (pagerduty("trigger", payload={"summary": "x"}), "payload.summary and payload.source"),
        ({"payload": {}}, "event_action: Field required"),
    ],
)
def test_pagerduty_bad_events_are_clear_errors(event, message):
    """Events PagerDuty itself would reject are AlertPayloadErrors saying why."""
    with pytest.raises(AlertPayloadError, match=message):
        normalize("pagerduty", body=json.dumps(event))


def test_zabbix_media_type_script_sends_the_fields_the_model_reads():
    """Every field the shipped media-type script sends is one the Zabbix model reads."""
    script = (Path(zabbix_module.__file__).parent / "zabbix_mediatype.js").read_text()
    sent = set(re.findall(r"^\s+(\w+): params\.\w+,?$", script, flags=re.MULTILINE))
    known = {
        *ZabbixEvent.model_fields,
        *ZabbixTrigger.model_fields,
        *ZabbixHost.model_fields,
        *ZabbixWebhook.model_fields,
    }
    assert len(sent) > 20
    assert sent <= known
