"""The alerts API and console pages: tokens made and revoked by desk managers, alerts and windows listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from offload.alerts.models import AlertIntegration, MaintenanceWindow
from offload.alerts.tests.helpers import make_token, post
from offload.alerts.tests.payloads import am_payload
from offload.core.tasks.testing import drain
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def _signed_in(world, key: str) -> HttpClient:
    http = HttpClient()
    http.force_login(world.user(key))
    return http


def test_api_creates_a_token_that_the_webhook_accepts_and_revokes_it(world):
    """A service manager creates an Alertmanager token by API, its tool posts, then revocation refuses it."""
    http = _signed_in(world, "service_manager")
    response = http.post(
        "/api/v1/alert-integrations",
        {"kind": "alertmanager", "client_id": world.clients["a1"].pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["endpoint"].endswith("/hooks/alerts/alertmanager/")
    assert post(created["token"], "alertmanager", am_payload(2)).status_code == 202
    drain()
    alerts = http.get("/api/v1/alerts").json()["items"]
    assert len(alerts) == 2
    assert all(a["ticket_id"] for a in alerts)
    assert all(a["count"] == 1 for a in alerts)
    listed = http.get("/api/v1/alert-integrations").json()["items"]
    assert "token" not in listed[0]
    revoked = http.post(f"/api/v1/alert-integrations/{created['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    assert post(created["token"], "alertmanager", am_payload(2)).status_code == 401


def test_a_technician_may_not_create_tokens_and_a_client_user_sees_no_alerts(world):
    """Tokens are for desk managers (403 for a technician); client people get 403 on the alert list."""
    response = _signed_in(world, "technician").post(
        "/api/v1/alert-integrations", {"kind": "grafana"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert _signed_in(world, "client_user").get("/api/v1/alerts").status_code == 403


def test_api_maintenance_window_round_trip(world):
    """A technician plans a window for a client, reads it back, ends it and deletes it."""
    http = _signed_in(world, "technician")
    now = timezone.now()
    response = http.post(
        "/api/v1/maintenance-windows",
        {
            "name": "Firmware upgrade",
            "client_id": world.clients["a1"].pk,
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    window_id = response.json()["id"]
    assert http.get(f"/api/v1/maintenance-windows/{window_id}").json()["name"] == "Firmware upgrade"
    assert http.post(f"/api/v1/maintenance-windows/{window_id}/end").status_code == 200
    assert http.delete(f"/api/v1/maintenance-windows/{window_id}").status_code == 204
    with system_scope("test", msp_id=world.msp_a.pk):
        assert not MaintenanceWindow.objects.exists()


def test_quarantined_payloads_are_listed_with_their_reason(world):
    """A payload that could not be read shows up in the API list of quarantined payloads."""
    _, token = make_token(world.msp_a, "zabbix", client=world.clients["a1"])
    assert post(token, "zabbix", b"[]").status_code == 400
    items = _signed_in(world, "technician").get("/api/v1/alert-payloads?status=quarantined").json()["items"]
    assert len(items) == 1
    assert items[0]["error_code"]
    assert items[0]["body_preview"] == "[]"


def test_console_pages_create_list_and_revoke(world, settings):
    """The console creates a token (shown once), lists alerts with their ticket, plans a window, revokes."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False  # the pages under test, not the enrolment gate
    http = _signed_in(world, "msp_owner")
    page = http.post("/alert-integrations/", {"kind": "alertmanager", "correlate_by": "condition"})
    assert page.status_code == 200
    token = page.context["created"][1]
    assert token.encode() in page.content
    assert post(token, "alertmanager", am_payload(1)).status_code == 202
    drain()
    listing = http.get("/alerts/")
    assert listing.status_code == 200
    assert b"node0 is down" in listing.content
    now = timezone.now()
    planned = http.post(
        "/maintenance-windows/",
        {
            "name": "Patch night",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "client": world.clients["a2"].pk,
        },
    )
    assert planned.status_code == 302
    assert b"Patch night" in http.get("/maintenance-windows/").content
    with system_scope("test", msp_id=world.msp_a.pk):
        integration = AlertIntegration.objects.get()
    assert http.post(f"/alert-integrations/{integration.pk}/revoke/").status_code == 302
    assert post(token, "alertmanager", am_payload(1)).status_code == 401
