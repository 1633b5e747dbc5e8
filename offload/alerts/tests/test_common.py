"""The shared pieces: host names for asset matching, times, severities, fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from offload.alerts.normalize import Limits, Severity
from offload.alerts.normalize.common import (
    bounded_key,
    labelset_fingerprint,
    map_severity,
    normalize_host,
    parse_time,
)


@pytest.mark.parametrize(
    ("raw", "name", "short", "is_ip"),
    [
        ("web1.example.net:9100", "web1.example.net", "web1", False),
        ("https://Server.Example.ORG:8443/health?x=1", "server.example.org", "server", False),
        ("SRV-APP01", "srv-app01", "srv-app01", False),
        ("host.example.com.", "host.example.com", "host", False),
        ("10.0.0.5:9100", "10.0.0.5", "10.0.0.5", True),
        ("[2001:DB8::1]:9100", "2001:db8::1", "2001:db8::1", True),
        ("2001:db8:0:0::1", "2001:db8::1", "2001:db8::1", True),
        ("fe80::1%eth0", "fe80::1", "fe80::1", True),
        ("tcp://user@db1.example.net:5432", "db1.example.net", "db1", False),
        ("node3.example.net/metrics", "node3.example.net", "node3", False),
        ("bücher.example", "xn--bcher-kva.example", "xn--bcher-kva", False),
    ],
)
def test_host_names_are_prepared_for_asset_matching(raw, name, short, is_ip):
    """Ports, schemes, paths and case are stripped; FQDN and short name both kept."""
    problems: list[str] = []
    host = normalize_host(raw, problems)
    assert host is not None
    assert (host.name, host.short, host.is_ip) == (name, short, is_ip)
    assert problems == []


@pytest.mark.parametrize("raw", ["bad host!", "http://[::1", ":9100", "-leading.example", "a" * 300])
def test_unusable_host_names_are_a_problem_not_an_error(raw):
    """Something that is not a host name gives no host and a problem."""
    problems: list[str] = []
    assert normalize_host(raw, problems) is None
    assert problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-08-03T09:52:26.739266876+02:00", datetime(2018, 8, 3, 7, 52, 26, 739266, tzinfo=UTC)),
        ("2026-11-25T10:00:00Z", datetime(2026, 11, 25, 10, tzinfo=UTC)),
        ("2026-11-25T02:00:00.000+0100", datetime(2026, 11, 25, 1, tzinfo=UTC)),
        (1764064800, datetime(2025, 11, 25, 10, tzinfo=UTC)),
        (1764064800000, datetime(2025, 11, 25, 10, tzinfo=UTC)),
        ("1764064800", datetime(2025, 11, 25, 10, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00+05:00", None),
        (None, None),
        ("", None),
    ],
)
def test_times_become_aware_utc(value, expected):
    """RFC 3339 at any precision and offset, and epoch s/ms, become UTC; Go's zero time is None."""
    problems: list[str] = []
    assert parse_time(value, "t", problems) == expected
    assert problems == []


@pytest.mark.parametrize(
    "value",
    [
        "\u00b9",  # a superscript one: a digit to str.isdigit, not to int()
        "\uff12\uff10\uff12\uff16-11-25T10:00:00Z",  # full-width digits
        "yesterday",
        "9999-12-31T23:59:59-14:00",
        "2026-02-30T00:00:00Z",
        -5,
        1e300,
    ],
)
def test_impossible_times_are_problems(value):
    """Unreadable or out-of-range times give None and a problem, never an exception."""
    problems: list[str] = []
    assert parse_time(value, "t", problems) is None
    assert problems


def test_time_without_offset_is_taken_as_utc_with_a_problem():
    """A naive time is read as UTC, and that guess is reported."""
    problems: list[str] = []
    assert parse_time("2026-11-25 10:00:00", "t", problems) == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert problems == ["t: time without UTC offset, taken as UTC"]


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("Disaster", Severity.CRITICAL),
        ("P1", Severity.CRITICAL),
        ("error", Severity.HIGH),
        ("High", Severity.HIGH),
        ("Average", Severity.WARNING),
        ("warn", Severity.WARNING),
        ("Information", Severity.INFO),
        ("Not classified", Severity.INFO),
        ("5", Severity.CRITICAL),
        ("4", Severity.HIGH),
    ],
)
def test_every_tools_severity_words_map_onto_four(word, severity):
    """Severity words and Zabbix's numeric levels map onto critical/high/warning/info."""
    assert map_severity(word, default=Severity.WARNING, problems=[]) is severity


def test_labelset_fingerprint_is_alertmanagers():
    """The derived fingerprint is Prometheus's FNV-1a label-set hash (empty set = FNV offset)."""
    assert labelset_fingerprint({}) == "cbf29ce484222325"
    assert labelset_fingerprint({"a": "1", "b": "2"}) == labelset_fingerprint({"b": "2", "a": "1"})
    assert labelset_fingerprint({"a": "1"}) != labelset_fingerprint({"a": "2"})


def test_overlong_keys_are_shortened_without_colliding():
    """Two long keys that share their first max_key characters still get different bounded keys."""
    limits = Limits(max_key=40)
    problems: list[str] = []
    first = bounded_key("k" * 100 + "1", limits, "key", problems)
    second = bounded_key("k" * 100 + "2", limits, "key", problems)
    assert len(first) == len(second) == 40
    assert first != second
    assert bounded_key("short", limits, "key", problems) == "short"
    assert len(problems) == 2
