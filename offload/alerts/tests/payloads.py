"""Payloads we write ourselves, shaped like what each tool sends (with their documented fields),
plus the shared Alertmanager samples in ../shared/data/alerts (read from there, never copied)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "alerts"


def shared_example(name: str) -> bytes:
    """The raw bytes of one shared sample (e.g. "example_v4_firing_probefailure.json")."""
    return (SHARED / name).read_bytes()


def shared_examples() -> dict[str, Any]:
    """Every shared JSON sample, decoded, by file name."""
    return {p.name: json.loads(p.read_bytes()) for p in sorted(SHARED.glob("*.json"))}


def am_alert(i: int, *, status: str = "firing", fingerprint: bool = True) -> dict[str, Any]:
    """One Alertmanager alert for host number i."""
    alert: dict[str, Any] = {
        "status": status,
        "labels": {"alertname": "HostDown", "instance": f"node{i}.example.net:9100", "severity": "critical"},
        "annotations": {"summary": f"node{i} is down", "description": f"node{i} stopped answering"},
        "startsAt": "2026-11-25T10:00:00.123456789Z",
        "endsAt": "2026-11-25T10:05:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.net:9090/graph?g0.expr=up+%3D%3D+0",
    }
    if fingerprint:
        alert["fingerprint"] = f"{i:016x}"
    return alert


def am_payload(count: int, *, status: str = "firing", fingerprint: bool = True) -> dict[str, Any]:
    """An Alertmanager v4 notification with `count` alerts in one group."""
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HostDown"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "offload",
        "groupLabels": {"alertname": "HostDown"},
        "commonLabels": {"alertname": "HostDown", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.net:9093",
        "alerts": [am_alert(i, status=status, fingerprint=fingerprint) for i in range(count)],
    }


GRAFANA_UNIFIED: dict[str, Any] = {
    "receiver": "offload",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "High memory usage",
                "grafana_folder": "Infra",
                "instance": "web1.example.net:9100",
                "severity": "warning",
            },
            "annotations": {"summary": "Memory above 90% on web1", "description": "web1 uses 93% memory"},
            "startsAt": "2026-11-25T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.net/alerting/grafana/abc/view",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://grafana.example.net/alerting/silence/new",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 93.2, "C": 1},
        }
    ],
    "groupLabels": {"alertname": "High memory usage"},
    "commonLabels": {"alertname": "High memory usage"},
    "commonAnnotations": {},
    "externalURL": "https://grafana.example.net/",
    "version": "1",
    "groupKey": '{}:{alertname="High memory usage"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] High memory usage (Infra)",
    "state": "alerting",
    "message": "**Firing**",
}


def grafana_value_string() -> dict[str, Any]:
    """The unified payload as Grafana 8/9 sent it: `valueString` instead of `values`."""
    payload = copy.deepcopy(GRAFANA_UNIFIED)
    alert = payload["alerts"][0]
    del alert["values"]
    alert["valueString"] = (
        "[ var='B' labels={instance=web1.example.net:9100} value=93.2 ], "
        "[ var='C' labels={instance=web1.example.net:9100} value=1 ]"
    )
    return payload


GRAFANA_LEGACY: dict[str, Any] = {
    "dashboardId": 1,
    "evalMatches": [{"value": 100, "metric": "High value", "tags": {"instance": "db1.example.net:9187"}}],
    "imageUrl": "https://grafana.example.net/public/img/x.png",
    "message": "Notification Message",
    "orgId": 1,
    "panelId": 2,
    "ruleId": 7,
    "ruleName": "Panel Title alert",
    "ruleUrl": "https://grafana.example.net/d/abc/dash?panelId=2",
    "state": "alerting",
    "tags": {"severity": "high"},
    "title": "[Alerting] Panel Title alert",
}


def zabbix(kind: str = "problem") -> dict[str, Any]:
    """The body our Zabbix media type sends for a problem, a recovery or an update."""
    event: dict[str, Any] = {
        "id": "4711",
        "value": "1",
        "update_status": "0",
        "update_action": "{EVENT.UPDATE.ACTION}",
        "update_message": "{EVENT.UPDATE.MESSAGE}",
        "recovery_id": "{EVENT.RECOVERY.ID}",
        "name": "High CPU utilization on SRV-APP01",
        "severity": "High",
        "nseverity": "4",
        "date": "2026.11.25",
        "time": "11:00:00",
        "recovery_date": "{EVENT.RECOVERY.DATE}",
        "recovery_time": "{EVENT.RECOVERY.TIME}",
        "timezone": "+01:00",
        "tags": '[{"tag":"scope","value":"performance"},{"tag":"component","value":"cpu"}]',
        "opdata": "Current utilization: 97 %",
    }
    if kind == "resolve":
        event |= {
            "value": "0",
            "recovery_id": "4790",
            "recovery_date": "2026.11.25",
            "recovery_time": "11:20:00",
        }
    elif kind == "ack":
        event |= {"update_status": "1", "update_action": "acknowledged, commented", "update_message": "on it"}
    elif kind == "comment":
        event |= {"update_status": "1", "update_action": "commented", "update_message": "still high"}
    return {
        "event": event,
        "trigger": {"id": "23456", "name": "High CPU utilization", "description": "CPU above 90% for 5m"},
        "host": {"host": "srv-app01.corp.example.net", "name": "SRV-APP01", "ip": "10.1.2.3", "dns": ""},
        "subject": "Problem: High CPU utilization",
        "message": "Problem started at 11:00:00 on 2026.11.25",
        "url": "https://zabbix.example.net/tr_events.php?triggerid=23456&eventid=4711",
    }


def kuma(status: int = 0) -> dict[str, Any]:
    """Uptime Kuma's webhook JSON for an HTTP monitor going down (0) or up (1)."""
    return {
        "heartbeat": {
            "monitorID": 12,
            "status": status,
            "time": "2026-11-25 10:00:00.512",
            "msg": "timeout of 48000ms exceeded" if status == 0 else "200 - OK",
            "important": True,
            "duration": 60,
            "timezone": "Europe/Berlin",
            "timezoneOffset": "+01:00",
            "localDateTime": "2026-11-25 11:00:00",
        },
        "monitor": {
            "id": 12,
            "name": "Customer portal",
            "url": "https://Portal.Example.net/login",
            "hostname": None,
            "port": None,
            "type": "http",
        },
        "msg": "[Customer portal] [🔴 Down] timeout of 48000ms exceeded",
    }


def pagerduty(action: str = "trigger", **changes: Any) -> dict[str, Any]:
    """A PagerDuty-Events-v2-shaped event."""
    event: dict[str, Any] = {
        "routing_key": "R0UT1NGKEYSECRET000000000000000",
        "event_action": action,
        "dedup_key": "backup-srv-files01-nightly",
        "payload": {
            "summary": "Nightly backup failed on files01",
            "source": "files01.corp.example.net",
            "severity": "error",
            "timestamp": "2026-11-25T02:00:00.000+0100",
            "component": "veeam",
            "group": "backup",
            "class": "backup_job",
            "custom_details": {"job": "nightly", "errors": 3, "log": {"last": "disk full"}},
        },
        "client": "Backup monitor",
        "client_url": "https://backup.example.net/jobs/17",
    }
    event.update(changes)
    return event
