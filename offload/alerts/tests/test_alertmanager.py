"""Alertmanager v4 webhooks normalise to one NormalizedAlert per alert, within bounds."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from offload.alerts.normalize import AlertPayloadError, AlertStatus, Limits, Severity, SourceKind, normalize
from offload.alerts.normalize.common import labelset_fingerprint
from offload.alerts.tests.payloads import am_payload, shared_example

RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_shared_probefailure_sample_keeps_its_fingerprint_and_group():
    """The docs.rs sample keeps the sender's fingerprint, groupKey and critical severity."""
    payload = normalize("alertmanager", body=shared_example("example_v4_firing_probefailure.json"))
    assert payload.source is SourceKind.ALERTMANAGER
    assert payload.group_key == '{}/{severity="critical"}:{alertname="ProbeFailure"}'
    assert payload.truncated_alerts == 0
    [alert] = payload.alerts
    assert alert.fingerprint == "1a30ba71cca2921f"
    assert not alert.fingerprint_derived
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is Severity.CRITICAL
    assert alert.summary == "BlackBox Probe Failure: https://server.example.org"
    assert alert.host is not None
    assert (alert.host.name, alert.host.short) == ("server.example.org", "server")
    assert alert.condition_key == "am:ProbeFailure:server.example.org"
    assert alert.starts_at == datetime(2023, 2, 6, 13, 8, 45, 828000, tzinfo=UTC)
    assert alert.ends_at is None  # Go's zero time: still firing
    assert alert.raw_ref == "/alerts/0"
    assert alert.problems == ()


def test_shared_old_sample_without_fingerprint_derives_one_and_reads_nanoseconds():
    """An old Alertmanager's payload (no fingerprint, +02:00, nanoseconds) still normalises."""
    payload = normalize("alertmanager", body=shared_example("example_v4_firing_test_no_fingerprint.json"))
    assert payload.truncated_alerts == 0
    [alert] = payload.alerts
    assert alert.fingerprint_derived
    assert alert.fingerprint == labelset_fingerprint(alert.labels)
    assert alert.starts_at == datetime(2018, 8, 3, 7, 52, 26, 739266, tzinfo=UTC)
    assert alert.host is not None
    assert alert.host.name == "localhost"
    assert alert.severity is Severity.WARNING  # no severity label: the middle default
    assert alert.description == "some description"
    assert alert.summary == "Test"  # no summary annotation: the alertname


def test_derived_fingerprint_depends_on_the_label_set_only():
    """The same labels in any order derive the same fingerprint; other labels another one."""
    first = am_payload(2, fingerprint=False)
    second = am_payload(2, fingerprint=False)
    second["alerts"][0]["labels"] = dict(reversed(list(second["alerts"][0]["labels"].items())))
    one = normalize("alertmanager", body=json.dumps(first)).alerts
    two = normalize("alertmanager", body=json.dumps(second)).alerts
    assert one[0].fingerprint == two[0].fingerprint
    assert one[0].fingerprint != one[1].fingerprint


def test_derived_fingerprint_uses_the_labels_as_sent():
    """Labels cut to the storage bound still derive the fingerprint Alertmanager computes from all of them."""
    payload = am_payload(1, fingerprint=False)
    payload["alerts"][0]["labels"]["query"] = "q" * 2000
    [alert] = normalize("alertmanager", body=json.dumps(payload)).alerts
    assert len(alert.labels["query"]) == 1024
    assert alert.fingerprint == labelset_fingerprint(payload["alerts"][0]["labels"])


def test_resolved_without_end_time_ends_when_received():
    """A resolved alert without endsAt ends at the time it was received (and says so)."""
    payload = am_payload(1, status="resolved")
    del payload["alerts"][0]["endsAt"]
    [alert] = normalize("alertmanager", body=json.dumps(payload), received_at=RECEIVED).alerts
    assert alert.ends_at == RECEIVED
    assert alert.problems == ("resolved without endsAt: the time received is taken",)


def test_resolved_payload_has_an_end_time():
    """A resolved notification gives resolved alerts with their real endsAt in UTC."""
    payload = normalize("alertmanager", body=json.dumps(am_payload(1, status="resolved")))
    [alert] = payload.alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2026, 11, 25, 10, 5, tzinfo=UTC)


def test_storm_of_a_thousand_alerts_is_normalised_quickly():
    """A 1,000-alert storm in one payload normalises in well under a second, each alert once."""
    body = json.dumps(am_payload(1000, fingerprint=False)).encode()
    started = time.perf_counter()
    payload = normalize("alertmanager", body=body, received_at=RECEIVED)
    elapsed = time.perf_counter() - started
    assert len(payload.alerts) == 1000
    assert len({a.fingerprint for a in payload.alerts}) == 1000
    assert len({a.condition_key for a in payload.alerts}) == 1000
    assert elapsed < 1.0


def test_alerts_beyond_the_limit_are_dropped_and_counted_as_truncated():
    """Past max_alerts the first alerts are kept and the rest counted as truncated, as Alertmanager does."""
    payload = am_payload(12)
    payload["truncatedAlerts"] = 5
    result = normalize("alertmanager", body=json.dumps(payload), limits=Limits(max_alerts=10))
    assert [a.raw_ref for a in result.alerts] == [f"/alerts/{i}" for i in range(10)]
    assert result.truncated_alerts == 7
    assert any("2 alerts beyond the limit of 10" in p for p in result.problems)


def test_oversize_body_is_refused_before_parsing():
    """A body over the byte limit is refused as too large."""
    with pytest.raises(AlertPayloadError) as caught:
        normalize("alertmanager", body=json.dumps(am_payload(50)), limits=Limits(max_body_bytes=1000))
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        (b"", "invalid_json", "empty"),
        (b"{not json", "invalid_json", "not valid JSON"),
        (b"[]", "invalid_payload", "(body)"),
        (b'{"version": "4"}', "invalid_payload", "alerts: Field required"),
        (b'{"alerts": {"a": 1}}', "invalid_payload", "alerts: Input should be a valid list"),
        (b'{"alerts": [{"labels": {"a": [1]}}]}', "invalid_payload", "alerts.0.labels.a: Value error"),
        (b"[" * 5000, "invalid_json", "recursion limit"),
    ],
)
def test_bad_input_is_one_clear_error(body, code, where):
    """Malformed bodies raise AlertPayloadError whose message says where and carries details."""
    with pytest.raises(AlertPayloadError) as caught:
        normalize("alertmanager", body=body)
    assert caught.value.code == code
    assert where in str(caught.value)
    if code == "invalid_payload":
        assert caught.value.details
        assert all("input" not in d for d in caught.value.details)


def test_oddities_are_survived_and_reported_as_problems():
    """Oversize text, NUL characters, bad times and unknown severities become problems, not errors."""
    payload = am_payload(1)
    alert = payload["alerts"][0]
    alert["annotations"]["description"] = "x" * 20000
    alert["labels"]["severity"] = "apocalyptic"
    alert["labels"]["team"] = "ops\x00"
    alert["startsAt"] = "yesterday"
    payload["version"] = "3"
    payload["truncatedAlerts"] = 4
    result = normalize("alertmanager", body=json.dumps(payload), received_at=RECEIVED)
    [normalized] = result.alerts
    assert len(normalized.description) == 8000
    assert normalized.labels["team"] == "ops"
    assert normalized.severity is Severity.WARNING
    assert normalized.starts_at == RECEIVED
    problems = " | ".join(normalized.problems)
    for fragment in ("truncated from 20000", "NUL", "apocalyptic", "unreadable time"):
        assert fragment in problems
    assert result.truncated_alerts == 4
    assert any("version '3'" in p for p in result.problems)


def test_unknown_source_kind_is_an_alert_payload_error():
    """Asking for a source Offload does not know is the same well-defined error."""
    with pytest.raises(AlertPayloadError) as caught:
        normalize("nagios", body=b"{}")
    assert caught.value.code == "unknown_source"
