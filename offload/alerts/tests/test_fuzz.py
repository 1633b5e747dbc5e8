"""Whatever arrives, normalize() returns clean NormalizedAlerts or raises AlertPayloadError."""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offload.alerts.normalize import (
    AlertPayloadError,
    AlertStatus,
    Limits,
    NormalizedPayload,
    Severity,
    SourceKind,
    normalize,
)
from offload.alerts.tests.payloads import (
    GRAFANA_LEGACY,
    GRAFANA_UNIFIED,
    am_payload,
    grafana_value_string,
    kuma,
    pagerduty,
    shared_examples,
    zabbix,
)

FUZZ = settings(
    max_examples=int(os.environ.get("ALERT_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Small limits so fuzzing crosses every bound cheaply.
TIGHT = Limits(
    max_body_bytes=20_000,
    max_alerts=3,
    max_labels=3,
    max_label_name=8,
    max_label_value=12,
    max_summary=10,
    max_description=30,
    max_key=40,
)
KINDS = list(SourceKind)
SEEDS: list[tuple[SourceKind, Any]] = [
    *((SourceKind.ALERTMANAGER, example) for example in shared_examples().values()),
    (SourceKind.ALERTMANAGER, am_payload(2)),
    (SourceKind.ALERTMANAGER, am_payload(2, status="resolved", fingerprint=False)),
    (SourceKind.GRAFANA, GRAFANA_UNIFIED),
    (SourceKind.GRAFANA, grafana_value_string()),
    (SourceKind.GRAFANA, GRAFANA_LEGACY),
    *((SourceKind.ZABBIX, zabbix(kind)) for kind in ("problem", "resolve", "ack", "comment")),
    (SourceKind.UPTIME_KUMA, kuma(0)),
    (SourceKind.UPTIME_KUMA, kuma(1)),
    *((SourceKind.PAGERDUTY, pagerduty(action)) for action in ("trigger", "acknowledge", "resolve")),
]
# Field names of every format, so random objects often look almost right.
KEYS = sorted(
    """
    version groupKey truncatedAlerts status receiver alerts labels annotations startsAt endsAt
    fingerprint generatorURL values valueString instance alertname severity state ruleId
    evalMatches tags metric value event id update_status trigger host time date timezone
    heartbeat monitor msg monitorID url hostname event_action dedup_key payload summary source
    custom_details timestamp class group recovery_id nseverity
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-14:00",
        "2026-13-45T99:99:99Z",
        "{EVENT.ID}",
        "*UNKNOWN*",
        "[ var='A' labels={} value=NaN ]",
        "http://[::1",
        "x" * 5000,
        "ü" * 300,
        -1,
        0,
        1,
        2**70,
        1e308,
        -1e308,
        True,
        None,
        [],
        {},
    ]
)
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | TRICKY
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=40,
)


def assert_clean(result: object, limits: Limits) -> None:
    """A result is a NormalizedPayload whose every value is storable and within the limits."""
    assert isinstance(result, NormalizedPayload)
    assert result.truncated_alerts >= 0
    assert len(result.alerts) <= limits.max_alerts
    for alert in result.alerts:
        assert alert.status in AlertStatus
        assert alert.severity in Severity
        assert alert.fingerprint
        assert len(alert.fingerprint) <= limits.max_key
        assert len(alert.condition_key) <= limits.max_key
        assert alert.group_key is None or len(alert.group_key) <= limits.max_key
        assert len(alert.summary) <= limits.max_summary
        assert len(alert.description) <= limits.max_description
        assert len(alert.labels) <= limits.max_labels
        texts = [alert.summary, alert.description, alert.fingerprint, alert.condition_key, alert.group_key]
        texts += [alert.source_url, alert.event_id, alert.host.raw if alert.host else None, *alert.values]
        texts += [*alert.labels, *alert.labels.values(), *alert.annotations, *alert.annotations.values()]
        for text in filter(None, texts):
            assert isinstance(text, str)
            assert "\x00" not in text
            text.encode()  # storable: no lone surrogates
        for moment in (alert.starts_at, alert.ends_at):
            assert moment is None or moment.tzinfo is UTC
        if alert.host is not None:
            assert alert.host.name == alert.host.name.lower()
            assert ":" not in alert.host.name or alert.host.is_ip
        assert all(isinstance(p, str) and p.encode() for p in alert.problems)


def run(kind: SourceKind, body: bytes | str, limits: Limits, **kwargs: Any) -> None:
    try:
        result: object = normalize(kind, body=body, limits=limits, **kwargs)
    except AlertPayloadError as error:
        result = error
    if isinstance(result, AlertPayloadError):
        assert result.code
        assert str(result)
    else:
        assert_clean(result, limits)


@FUZZ
@given(kind=st.sampled_from(KINDS), value=json_values, tight=st.booleans())
def test_arbitrary_json(kind, value, tight):
    """Any JSON document, for any source, gives clean alerts or AlertPayloadError."""
    run(kind, json.dumps(value), TIGHT if tight else Limits())


@FUZZ
@given(
    kind=st.sampled_from(KINDS),
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [None, "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
    ),
)
def test_arbitrary_bytes(kind, body, content_type):
    """Any bytes, with any of the content types senders use, give alerts or AlertPayloadError."""
    run(kind, body, Limits(), content_type=content_type)


# Any code point, lone surrogates included: str bodies may come from anywhere.
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=200)


@FUZZ
@given(
    kind=st.sampled_from(KINDS),
    body=any_text,
    content_type=st.sampled_from([None, "application/x-www-form-urlencoded"]),
)
def test_arbitrary_text_bodies(kind, body, content_type):
    """Text bodies, even ones UTF-8 cannot encode, give alerts or AlertPayloadError."""
    run(kind, body, Limits(), content_type=content_type)


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["monitor_id", "id", "name", "status", "msg", "url", "hostname", "time"])
        | st.text(max_size=5),
        st.sampled_from(["0", "1", "2", "3", "down", "up", "12"]) | any_text,
    )
)
def test_arbitrary_query_parameters(query):
    """Uptime Kuma's GET variant with any parameters gives an alert or AlertPayloadError."""
    run(SourceKind.UPTIME_KUMA, b"", Limits(), query=query)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a JSON document (the root is the empty path)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _mutate(document: Any, path: tuple[Any, ...], action: str, replacement: Any) -> Any:
    if not path:
        return replacement
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "wrap":
        parent[last] = [parent[last]]
    elif action == "duplicate" and isinstance(parent, list):
        parent.extend([copy.deepcopy(parent[last])] * 5)
    else:
        parent[last] = replacement
    return document


@FUZZ
@given(seed=st.sampled_from(SEEDS), data=st.data(), tight=st.booleans())
def test_mutated_examples(seed, data, tight):
    """Real-looking payloads with parts deleted, replaced, wrapped or duplicated stay contained."""
    kind, original = seed
    document = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        path = data.draw(st.sampled_from(_paths(document)))
        action = data.draw(st.sampled_from(["delete", "replace", "tricky", "wrap", "duplicate"]))
        replacement = data.draw(TRICKY if action == "tricky" else json_values)
        document = _mutate(document, path, action, replacement)
    run(kind, json.dumps(document), TIGHT if tight else Limits())


@FUZZ
@given(seed=st.sampled_from(SEEDS), tight=st.booleans())
def test_unmutated_examples_are_clean(seed, tight):
    """Every example normalises cleanly (also under tight limits, where it may be refused as too big)."""
    kind, original = seed
    run(kind, json.dumps(original), TIGHT if tight else Limits())
