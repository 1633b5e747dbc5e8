"""The SLA and webhook API: managers write, agents read, clients and other tenants see nothing."""

from __future__ import annotations

import json

import pytest

from offload.api.testing import api_as
from offload.servicedesk.models import BusinessCalendar, SlaPolicy, WebhookEndpoint
from offload.servicedesk.services import sla, webhooks
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

OFFICE = {"zone": "Europe/Berlin", "week": {"mon": [["09:00", "17:00"]], "tue": [["22:00", "06:00"]]}}
ICAL = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20241225
DTEND;VALUE=DATE:20241227
SUMMARY:Christmas
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;VALUE=DATE:20240101
RRULE:FREQ=YEARLY
SUMMARY:New year
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def foreign(world):
    """MSP B's calendar, policy and webhook endpoint (nobody at MSP A may see them)."""
    with system_scope("MSP B's SLA rows", msp_id=world.msp_b.pk):
        calendar = sla.create_calendar(actor=None, msp=world.msp_b, name="FOREIGN hours", spec=OFFICE)
        policy = sla.create_policy(actor=None, msp=world.msp_b, name="FOREIGN policy")
        endpoint = webhooks.create_endpoint(
            actor=None, msp=world.msp_b, name="FOREIGN hook", url="http://127.0.0.1:9/x"
        )
    return calendar, policy, endpoint


def test_manager_creates_calendar_policy_and_assigns_them(world, foreign):
    """A service manager sets up hours with a night frame, imports iCal holidays, and gives a client both."""
    api = api_as(world.user("service_manager"))
    response = api.post("/business-calendars", {"name": "Office", "spec": OFFICE, "is_default": True})
    assert response.status_code == 201, response.content
    calendar = response.json()
    assert calendar["spec"]["week"]["tue"] == [["22:00", "06:00"]]
    response = api.post(f"/business-calendars/{calendar['id']}/ical-holidays", {"ical": ICAL})
    assert response.status_code == 200, response.content
    assert response.json()["added"] == 3
    assert response.json()["calendar"]["spec"]["recurring_holidays"] == ["01-01"]
    targets = {
        "p1": {"first_response": {"minutes": 15, "business_hours": False}, "resolution": {"minutes": 240}}
    }
    response = api.post("/sla-policies", {"name": "Gold", "targets": targets, "warn_at": [50, 80]})
    assert response.status_code == 201, response.content
    policy = response.json()
    assert policy["targets"]["p1"]["first_response"] == {"minutes": 15, "business_hours": False}
    client_id = world.clients["a1"].pk
    response = api.client.put(
        f"/api/v1/clients/{client_id}/sla",
        json.dumps({"policy_id": policy["id"], "calendar_id": calendar["id"]}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "client_id": client_id,
        "policy_id": policy["id"],
        "calendar_id": calendar["id"],
    }
    # Another MSP's calendar in the body is "no such calendar", not a leak.
    response = api.client.put(
        f"/api/v1/clients/{client_id}/sla",
        json.dumps({"calendar_id": foreign[0].pk}),
        content_type="application/json",
    )
    assert response.status_code == 422


def test_invalid_calendars_are_refused_with_a_reason(world):
    """Overlapping frames or an unknown zone answer 400 invalid_calendar, never a server error."""
    api = api_as(world.user("msp_owner"))
    overlapping = {"zone": "Europe/Berlin", "week": {"mon": [["09:00", "17:00"], ["16:00", "18:00"]]}}
    for spec in (overlapping, {"zone": "Mars/Olympus", "week": {"mon": [["09:00", "17:00"]]}}):
        response = api.post("/business-calendars", {"name": "Bad", "spec": spec})
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "invalid_calendar"


def test_technicians_read_but_do_not_write(world, foreign):
    """Technicians list policies; creating one is forbidden; clients read nothing."""
    with system_scope("policy", msp_id=world.msp_a.pk):
        sla.create_policy(actor=None, msp=world.msp_a, name="Standard", is_default=True)
    tech = api_as(world.user("technician"))
    response = tech.get("/sla-policies")
    assert [p["name"] for p in response.json()["items"]] == ["Standard"]
    assert tech.post("/sla-policies", {"name": "Mine"}).status_code == 403
    assert tech.get("/webhook-endpoints").status_code == 403
    assert api_as(world.user("client_admin")).get("/sla-policies").status_code == 403


def test_foreign_rows_answer_404(world, foreign):
    """Another MSP's calendar, policy and endpoint are not found, for reading and writing."""
    calendar, policy, endpoint = foreign
    api = api_as(world.user("msp_owner"))
    assert api.get(f"/business-calendars/{calendar.pk}").status_code == 404
    assert api.patch(f"/sla-policies/{policy.pk}", {"name": "HACKED"}).status_code == 404
    assert api.get(f"/webhook-endpoints/{endpoint.pk}/deliveries").status_code == 404
    assert api.client.delete(f"/api/v1/webhook-endpoints/{endpoint.pk}").status_code == 404
    with system_scope("unchanged"):
        assert SlaPolicy.objects.get(pk=policy.pk).name == "FOREIGN policy"
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
        assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_ticket_clocks_are_readable_by_agents(world):
    """GET /tickets/{id}/sla gives each clock's deadline, elapsed and remaining minutes."""
    with system_scope("setup", msp_id=world.msp_a.pk):
        sla.create_policy(
            actor=None,
            msp=world.msp_a,
            name="Standard",
            is_default=True,
            targets={"p3": {"first_response": {"minutes": 60, "business_hours": False}}},
        )
        ticket = open_ticket(actor=None, client=world.clients["a1"], subject="Printer", priority="p3")
    response = api_as(world.user("technician")).get(f"/tickets/{ticket.pk}/sla")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["clock"] for c in body["clocks"]] == ["first_response"]
    assert body["clocks"][0]["state"] == "running"
    assert body["clocks"][0]["target_minutes"] == 60
    assert api_as(world.user("client_admin")).get(f"/tickets/{ticket.pk}/sla").status_code == 403


def test_webhook_endpoint_crud_shows_the_secret_once(world):
    """Creating an endpoint answers its secret; reading it later does not."""
    api = api_as(world.user("msp_owner"))
    response = api.post(
        "/webhook-endpoints", {"name": "PSA", "url": "https://psa.example/hook", "events": ["ticket.*"]}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_")
    again = api.get(f"/webhook-endpoints/{created['id']}").json()
    assert "secret" not in again
    assert api.get(f"/webhook-endpoints/{created['id']}/deliveries").json()["items"] == []
    assert api.post("/webhook-endpoints", {"name": "Bad", "url": "ftp://x.example/"}).status_code == 422
