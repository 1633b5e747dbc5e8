"""The alert pipeline end to end: webhook → raw payload → alert → ticket, and everything after."""

from __future__ import annotations

import copy
import io
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone

from offload.accounts.acting import acting_for_user
from offload.alerts.choices import CorrelateBy, PayloadStatus
from offload.alerts.models import Alert, AlertCorrelation, MaintenanceWindow, RawAlertPayload
from offload.alerts.services.integrations import revoke_integration
from offload.alerts.tests.helpers import alert_tickets, alerts_of, make_token, post
from offload.alerts.tests.payloads import (
    GRAFANA_LEGACY,
    GRAFANA_UNIFIED,
    am_payload,
    grafana_value_string,
    kuma,
    pagerduty,
    shared_example,
    zabbix,
)
from offload.core.tasks.testing import drain
from offload.servicedesk.choices import EntryKind, TicketKind, TicketSource, TicketStatus
from offload.servicedesk.models import TicketEntry
from offload.servicedesk.services.entries import add_note
from offload.tenancy.scoping import activate, system_scope
from offload.tenancy.tests import factories as tf

pytestmark = pytest.mark.django_db


def _notes(ticket) -> list[str]:
    with system_scope("test: read notes", msp_id=ticket.msp_id):
        return list(
            TicketEntry.objects.filter(ticket=ticket, kind=EntryKind.NOTE)
            .order_by("id")
            .values_list("body", flat=True)
        )


def _fresh(ticket):
    with system_scope("test: reload", msp_id=ticket.msp_id):
        ticket.refresh_from_db()
    return ticket


def _server(world, key: str, hostname: str):
    client = world.clients[key]
    with system_scope("test: an asset with a host name"):
        return tf.AssetFactory(
            client=client, msp=client.msp, name=hostname.split(".")[0].upper(), hostname=hostname
        )


# ---- every source kind ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["example_v4_firing_probefailure.json", "example_v4_firing_test_no_fingerprint.json"]
)
def test_shared_alertmanager_examples_open_an_alert_ticket(world, name):
    """Each shared Alertmanager sample becomes an alert and an alert ticket with its details as a note."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    response = post(token, "alertmanager", shared_example(name))
    assert response.status_code == 202, response.content
    assert response.json()["accepted"] == 1
    drain()
    [alert] = alerts_of(world.msp_a)
    [ticket] = alert_tickets(world.msp_a)
    assert alert.ticket == ticket
    assert alert.status == "firing"
    assert alert.count == 1
    assert ticket.kind == TicketKind.ALERT
    assert ticket.source == TicketSource.ALERT
    assert ticket.contact_id is None
    assert ticket.client == world.clients["a1"]
    assert alert.fingerprint in _notes(ticket)[0]


SOURCES = [
    ("grafana", GRAFANA_UNIFIED, "application/json"),
    ("grafana", grafana_value_string(), "application/json"),
    ("grafana", GRAFANA_LEGACY, "application/json"),
    ("zabbix", zabbix(), "application/json"),
    ("uptime_kuma", kuma(0), "application/json"),
    ("uptime_kuma", urlencode({"data": json.dumps(kuma(0))}), "application/x-www-form-urlencoded"),
    ("pagerduty", pagerduty(), "application/json"),
]


@pytest.mark.parametrize(("kind", "body", "content_type"), SOURCES)
def test_every_source_kind_opens_a_ticket(world, kind, body, content_type):
    """Grafana (both value formats and legacy), Zabbix, Uptime Kuma (JSON and form) and PagerDuty-style
    notifications each open one alert ticket."""
    _, token = make_token(world.msp_a, kind, client=world.clients["a1"])
    response = post(token, kind, body, content_type=content_type)
    assert response.status_code == 202, response.content
    drain()
    [alert] = alerts_of(world.msp_a)
    assert alert.source == kind
    assert alert.ticket is not None
    assert len(alert_tickets(world.msp_a)) == 1


def test_uptime_kuma_get_variant_with_the_token_in_the_query(world):
    """Uptime Kuma's GET webhook (token and data in the query string) is accepted."""
    _, token = make_token(world.msp_a, "uptime_kuma", client=world.clients["a1"])
    query = urlencode({"token": token, "status": "0", "msg": "down", "monitor_id": "7", "name": "Portal"})
    response = HttpClient().get(f"/hooks/alerts/uptime_kuma/?{query}")
    assert response.status_code == 202, response.content
    drain()
    assert len(alert_tickets(world.msp_a)) == 1
    with system_scope("test", msp_id=world.msp_a.pk):
        raw = RawAlertPayload.objects.get()
    assert "token" not in raw.query


@pytest.mark.parametrize(
    ("kind", "fire", "resolve"),
    [
        ("zabbix", zabbix(), zabbix("resolve")),
        ("uptime_kuma", kuma(0), kuma(1)),
        ("pagerduty", pagerduty(), pagerduty("resolve")),
        ("grafana", GRAFANA_UNIFIED, {**GRAFANA_UNIFIED, "status": "resolved", "alerts": [
            {**GRAFANA_UNIFIED["alerts"][0], "status": "resolved", "endsAt": "2026-11-25T10:30:00Z"}]}),
    ],
)  # fmt: skip
def test_recovery_auto_resolves_an_untouched_ticket_for_every_source(world, kind, fire, resolve):
    """A recovery notes the ticket and resolves it when nobody worked on it."""
    _, token = make_token(world.msp_a, kind, client=world.clients["a1"])
    post(token, kind, fire)
    drain()
    post(token, kind, resolve)
    drain()
    [ticket] = alert_tickets(world.msp_a)
    assert _fresh(ticket).status == TicketStatus.RESOLVED
    assert any(n.startswith("Recovered") for n in _notes(ticket))


# ---- dedup and correlation -----------------------------------------------------------------------------


def test_repeats_bump_the_counter_and_open_no_second_ticket(world):
    """The same notification three times: one alert counted three times, one ticket, one note."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    for _ in range(3):
        assert post(token, "alertmanager", am_payload(1)).status_code == 202
        drain()
    [alert] = alerts_of(world.msp_a)
    [ticket] = alert_tickets(world.msp_a)
    assert alert.count == 3
    assert len(_notes(ticket)) == 1


def test_alerts_of_one_condition_share_a_ticket(world):
    """Two alerts (different label sets) for the same alertname and host correlate to one ticket."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    payload = am_payload(1)
    second = copy.deepcopy(payload["alerts"][0])
    second["labels"]["mountpoint"] = "/var"
    second["fingerprint"] = "00000000000000ff"
    payload["alerts"].append(second)
    post(token, "alertmanager", payload)
    drain()
    alerts = alerts_of(world.msp_a)
    assert len(alerts) == 2
    [ticket] = alert_tickets(world.msp_a)
    assert {a.ticket_id for a in alerts} == {ticket.pk}
    assert any(n.startswith("Another alert joined") for n in _notes(ticket))


def test_a_storm_gives_one_ticket_per_condition_and_resolves_itself(world):
    """An Alertmanager storm of 20 hosts, repeated, gives 20 tickets that all resolve on recovery."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    for _ in range(3):
        post(token, "alertmanager", am_payload(20))
    drain()
    assert len(alert_tickets(world.msp_a)) == 20
    post(token, "alertmanager", am_payload(20, status="resolved"))
    drain()
    assert {t.status for t in alert_tickets(world.msp_a)} == {TicketStatus.RESOLVED}


def test_group_correlation_gives_one_ticket_per_alertmanager_group(world):
    """An integration that correlates by group files a whole Alertmanager group under one ticket."""
    _, token = make_token(
        world.msp_a, "alertmanager", client=world.clients["a1"], correlate_by=CorrelateBy.GROUP
    )
    post(token, "alertmanager", am_payload(5))
    drain()
    assert len(alerts_of(world.msp_a)) == 5
    assert len(alert_tickets(world.msp_a)) == 1


# ---- recovery, people, order ---------------------------------------------------------------------------


def test_recovery_leaves_a_ticket_a_person_worked_on_open(world):
    """After a technician's note, recovery adds a note but the ticket stays open."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    post(token, "alertmanager", am_payload(1))
    drain()
    [ticket] = alert_tickets(world.msp_a)
    technician = world.user("technician")
    with activate(acting_for_user(technician).scope):
        add_note(actor=technician, ticket=ticket, body="Looking at it.")
    post(token, "alertmanager", am_payload(1, status="resolved"))
    drain()
    assert _fresh(ticket).status == TicketStatus.NEW
    assert any("stays open" in n for n in _notes(ticket))


def test_a_resolve_that_overtakes_its_firing_opens_no_ticket(world):
    """A resolve stored first makes the late firing (with the earlier start) open nothing."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    post(token, "alertmanager", am_payload(1, status="resolved"))
    post(token, "alertmanager", am_payload(1))
    drain()
    [alert] = alerts_of(world.msp_a)
    assert alert.status == "resolved"
    assert alert.count == 2
    assert alert_tickets(world.msp_a) == []


def test_a_new_firing_after_recovery_opens_a_new_ticket(world):
    """The same alert firing again later (a later start) is a new incident: a new ticket."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    post(token, "alertmanager", am_payload(1))
    drain()
    post(token, "alertmanager", am_payload(1, status="resolved"))
    drain()
    _age(world, hours=2)
    later = am_payload(1)
    later["alerts"][0]["startsAt"] = "2026-11-25T12:00:00Z"
    post(token, "alertmanager", later)
    drain()
    tickets = alert_tickets(world.msp_a)
    assert [t.status for t in tickets] == [TicketStatus.RESOLVED, TicketStatus.NEW]


def _age(world, *, hours: int) -> None:
    """Pretend the alerts' state changes and auto-resolves happened `hours` ago."""
    earlier = timezone.now() - timedelta(hours=hours)
    with system_scope("test: age", msp_id=world.msp_a.pk):
        Alert.objects.update(flap_window_start=earlier)
        AlertCorrelation.objects.exclude(auto_resolved_at=None).update(auto_resolved_at=earlier)


def test_a_quick_refire_reopens_the_auto_resolved_ticket(world):
    """The same alert firing again minutes after its recovery reopens its ticket, not a new one."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    post(token, "alertmanager", am_payload(1))
    drain()
    post(token, "alertmanager", am_payload(1, status="resolved"))
    drain()
    later = am_payload(1)
    later["alerts"][0]["startsAt"] = "2026-11-25T12:00:00Z"
    post(token, "alertmanager", later)
    drain()
    [ticket] = alert_tickets(world.msp_a)
    assert ticket.status == TicketStatus.NEW
    assert any(n.startswith("Firing again") for n in _notes(ticket))


def test_flapping_keeps_one_ticket_with_one_note_and_no_resolve_storm(world):
    """Fire, resolve, fire, resolve, fire: one ticket, reopened once, flagged flapping once, left open."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    for n in range(5):
        payload = am_payload(1, status="resolved" if n % 2 else "firing")
        payload["alerts"][0]["startsAt"] = f"2026-11-25T1{n}:00:00Z"
        payload["alerts"][0]["endsAt"] = f"2026-11-25T1{n}:30:00Z" if n % 2 else "0001-01-01T00:00:00Z"
        post(token, "alertmanager", payload)
        drain()
    [ticket] = alert_tickets(world.msp_a)
    [alert] = alerts_of(world.msp_a)
    assert alert.is_flapping
    assert _fresh(ticket).status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    assert sum(n.startswith("Flapping") for n in _notes(ticket)) == 1


# ---- maintenance, assets, clients ----------------------------------------------------------------------


def test_maintenance_window_stores_the_alert_but_opens_no_ticket(world):
    """During a client's maintenance window the alert is stored, marked suppressed, and no ticket opens."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    now = timezone.now()
    with system_scope("test", msp_id=world.msp_a.pk):
        MaintenanceWindow.objects.create(
            msp=world.msp_a,
            client=world.clients["a1"],
            name="Patch night",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )
    post(token, "alertmanager", am_payload(2))
    drain()
    alerts = alerts_of(world.msp_a)
    assert len(alerts) == 2
    assert all(a.is_suppressed for a in alerts)
    assert alert_tickets(world.msp_a) == []


def test_msp_wide_token_matches_the_asset_by_host_name_and_files_under_its_client(world):
    """An MSP-wide integration finds the asset from `instance` and opens the ticket for its client."""
    server = _server(world, "a2", "node0.example.net")
    _, token = make_token(world.msp_a, "alertmanager")
    post(token, "alertmanager", am_payload(1))
    drain()
    [alert] = alerts_of(world.msp_a)
    [ticket] = alert_tickets(world.msp_a)
    assert alert.asset == server
    assert ticket.asset_id == server.pk
    assert ticket.client == world.clients["a2"]


def test_client_token_never_attaches_another_clients_asset(world):
    """A token bound to client a1 does not match a2's asset with the alerted host name."""
    _server(world, "a2", "node0.example.net")
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    post(token, "alertmanager", am_payload(1))
    drain()
    [alert] = alerts_of(world.msp_a)
    [ticket] = alert_tickets(world.msp_a)
    assert alert.asset is None
    assert ticket.asset_id is None
    assert ticket.client == world.clients["a1"]


def test_msp_wide_alert_without_an_asset_is_stored_without_ticket(world):
    """An MSP-wide alert for an unknown host has no client: it is listed, not ticketed."""
    _, token = make_token(world.msp_a, "alertmanager")
    post(token, "alertmanager", am_payload(1))
    drain()
    assert len(alerts_of(world.msp_a)) == 1
    assert alert_tickets(world.msp_a) == []


# ---- refusals ------------------------------------------------------------------------------------------


def test_bad_payload_answers_400_and_is_kept_quarantined(world):
    """Unreadable JSON answers 400 with a code, and the raw bytes stay stored as quarantined."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    response = post(token, "alertmanager", b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    with system_scope("test", msp_id=world.msp_a.pk):
        raw = RawAlertPayload.objects.get()
    assert raw.status == PayloadStatus.QUARANTINED
    assert bytes(raw.body) == b"{not json"
    assert raw.error
    assert alerts_of(world.msp_a) == []


def test_revoked_missing_or_wrong_kind_tokens_are_refused(world):
    """No token or a revoked one answers 401, another kind's token 403; nothing is stored."""
    integration, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    assert post(None, "alertmanager", am_payload(1)).status_code == 401
    assert post("ofa_nope", "alertmanager", am_payload(1)).status_code == 401
    assert post(token, "grafana", GRAFANA_UNIFIED).status_code == 403
    with system_scope("test", msp_id=world.msp_a.pk):
        revoke_integration(actor=None, integration=integration)
    assert post(token, "alertmanager", am_payload(1)).status_code == 401
    with system_scope("test", msp_id=world.msp_a.pk):
        assert not RawAlertPayload.objects.exists()
        assert not Alert.objects.exists()


def test_alert_token_command_prints_the_endpoint_and_the_token_last(world):
    """`offload alert-token MSP KIND --client NAME` prints the URL and a working token on its last line."""
    out = io.StringIO()
    call_command("alert_token", "acme", "alertmanager", "--client", "Alpha One", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any("/hooks/alerts/alertmanager/" in line for line in lines)
    assert post(lines[-1], "alertmanager", am_payload(1)).status_code == 202
    drain()
    assert alert_tickets(world.msp_a)[0].client == world.clients["a1"]
