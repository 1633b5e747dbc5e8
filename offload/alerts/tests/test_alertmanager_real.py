"""Debian's real Alertmanager delivers v4 webhooks that the normaliser reads as expected."""

from __future__ import annotations

import json

import pytest

from offload.alerts.normalize import AlertStatus, normalize
from offload.alerts.normalize.common import labelset_fingerprint
from offload.alerts.tests.alertmanager import make_alert, post_alerts, resolve_alerts

pytestmark = pytest.mark.slow


def _alerts_by_fingerprint(bodies: list[bytes]) -> dict[str, list[str]]:
    """fingerprint → the statuses it had, across every recorded notification, in order."""
    seen: dict[str, list[str]] = {}
    for body in bodies:
        for alert in normalize("alertmanager", body=body).alerts:
            seen.setdefault(alert.fingerprint, []).append(alert.status.value)
    return seen


def test_real_alertmanager_webhooks_normalise_with_its_fingerprints(alertmanager_factory, webhook_recorder):
    """Three alerts (two of them posted twice) arrive once each, fingerprinted like Alertmanager does."""
    manager = alertmanager_factory(webhook_url=webhook_recorder.url)
    alerts = [
        make_alert(
            # A non-ASCII value too: the derived fingerprint hashes UTF-8 bytes, as Go does.
            {"alertname": "DiskFull", "instance": f"{host}:9100", "severity": "critical", "team": "Bühne ✓"},
            {"summary": f"Disk full on {host}"},
        )
        for host in ("web1.example.net", "web2.example.net", "db1.example.net")
    ]
    post_alerts(manager, alerts)
    post_alerts(manager, alerts[:2])
    expected = {labelset_fingerprint(a["labels"]) for a in alerts}

    bodies = webhook_recorder.wait_for(lambda got: set(_alerts_by_fingerprint(got)) >= expected)
    for body in bodies:  # the repeats were folded into the alerts Alertmanager already had
        fingerprints = [a.fingerprint for a in normalize("alertmanager", body=body).alerts]
        assert len(fingerprints) == len(set(fingerprints))
    first = json.loads(bodies[0])
    assert first["version"] == "4"
    assert "truncatedAlerts" in first
    payload = normalize("alertmanager", body=bodies[0])
    assert payload.group_key == first["groupKey"]
    assert {a.fingerprint for a in payload.alerts} == expected
    assert all(not a.fingerprint_derived for a in payload.alerts)
    assert {a.host.name for a in payload.alerts if a.host} == {
        "web1.example.net",
        "web2.example.net",
        "db1.example.net",
    }
    assert {a.condition_key for a in payload.alerts} == {
        "am:DiskFull:web1.example.net",
        "am:DiskFull:web2.example.net",
        "am:DiskFull:db1.example.net",
    }
    # The same payload without fingerprints (an older Alertmanager) derives the very same ones.
    for alert in first["alerts"]:
        del alert["fingerprint"]
    derived = normalize("alertmanager", body=json.dumps(first))
    assert {a.fingerprint for a in derived.alerts} == expected
    assert all(a.fingerprint_derived for a in derived.alerts)

    resolve_alerts(manager, alerts)
    bodies = webhook_recorder.wait_for(
        lambda got: any(json.loads(b)["status"] == "resolved" for b in got), timeout=20
    )
    resolved_body = next(b for b in bodies if json.loads(b)["status"] == "resolved")
    resolved = normalize("alertmanager", body=resolved_body)
    assert {a.fingerprint for a in resolved.alerts} == expected
    assert all(a.status is AlertStatus.RESOLVED and a.ends_at is not None for a in resolved.alerts)


def test_real_alertmanager_truncation_is_reported(alertmanager_factory, webhook_recorder):
    """With max_alerts set, the truncated count Alertmanager reports reaches the normalised payload;
    a bearer token configured on the receiver arrives as the Authorization header."""
    manager = alertmanager_factory(webhook_url=webhook_recorder.url, max_alerts=2, bearer_token="tok-123")
    post_alerts(
        manager, [make_alert({"alertname": "Storm", "instance": f"h{i}.example.net"}) for i in range(5)]
    )
    bodies = webhook_recorder.wait_for(lambda got: len(got) >= 1)
    payload = normalize("alertmanager", body=bodies[0])
    assert len(payload.alerts) == 2
    assert payload.truncated_alerts == 3
    assert any("truncated" in p for p in payload.problems)
    assert webhook_recorder.headers[0]["Authorization"] == "Bearer tok-123"
