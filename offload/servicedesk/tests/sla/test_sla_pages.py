"""Console pages of SLA setup and the SLA panel on the staff ticket page (server-rendered)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from offload.servicedesk.models import BusinessCalendar, SlaPolicy, WebhookEndpoint
from offload.servicedesk.services import sla
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

ICAL = b"""BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:xmas
DTSTART;VALUE=DATE:20241225
RRULE:FREQ=YEARLY
SUMMARY:Christmas
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def as_role(world, settings):
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False

    def sign_in(key: str) -> HttpClient:
        http = HttpClient()
        http.force_login(world.user(key))
        return http

    return sign_in


def test_manager_writes_a_policy_with_targets_per_priority(as_role, world):
    """The policy form stores minutes per priority and target, 24x7 ticks and pausing statuses."""
    http = as_role("service_manager")
    assert http.get("/sla-policies/new/").status_code == 200
    response = http.post(
        "/sla-policies/new/",
        {
            "name": "Standard",
            "is_default": "on",
            "warn_at": "75, 90",
            "notify_in_business_hours": "on",
            "p1_first_response": "15",
            "p1_first_response_247": "on",
            "p1_resolution": "240",
            "p3_first_response": "120",
            "pausing_statuses": ["waiting_on_client"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with system_scope("check", msp_id=world.msp_a.pk):
        policy = SlaPolicy.objects.get(name="Standard")
    assert policy.targets["p1"] == {
        "first_response": {"minutes": 15, "business_hours": False},
        "resolution": {"minutes": 240, "business_hours": True},
    }
    assert policy.pausing_statuses == ["waiting_on_client"]
    assert policy.is_default
    page = http.get("/sla-policies/").content.decode()
    assert "15m 24x7" in page
    assert "4h" in page


def test_bad_target_keeps_the_form_with_a_message(as_role):
    """A target that is not whole minutes re-shows the form (400) with what was typed."""
    response = as_role("msp_owner").post("/sla-policies/new/", {"name": "Odd", "p2_plan": "ten"})
    assert response.status_code == 400
    assert "whole minutes" in response.content.decode()


def test_calendar_form_with_night_frames_holidays_and_ical(as_role, world):
    """Frames per weekday (one across midnight), holidays typed in, more imported from an .ics file."""
    http = as_role("msp_owner")
    response = http.post(
        "/business-calendars/new/",
        {
            "name": "Night desk",
            "zone": "Europe/Berlin",
            "day_mon": "09:00-12:00, 13:00-17:00",
            "day_tue": "22:00-06:00",
            "holidays": "2025-12-24\n01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with system_scope("check", msp_id=world.msp_a.pk):
        calendar = BusinessCalendar.objects.get(name="Night desk")
    assert calendar.spec["week"] == {
        "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
        "tue": [["22:00", "06:00"]],
    }
    assert calendar.spec["holidays"] == ["2025-12-24"]
    upload = SimpleUploadedFile("holidays.ics", ICAL, content_type="text/calendar")
    response = http.post(f"/business-calendars/{calendar.pk}/ical/", {"file": upload})
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.spec["recurring_holidays"] == ["01-01", "12-25"]
    assert "22:00-06:00" in http.get(f"/business-calendars/{calendar.pk}/").content.decode()


def test_technicians_read_setup_but_cannot_change_it(as_role, world):
    """A technician sees the policies; posting is forbidden; webhooks are managers' only."""
    with system_scope("setup", msp_id=world.msp_a.pk):
        policy = sla.create_policy(actor=None, msp=world.msp_a, name="Standard")
    tech = as_role("technician")
    assert tech.get("/sla-policies/").status_code == 200
    assert tech.post(f"/sla-policies/{policy.pk}/", {"name": "HACKED"}).status_code == 403
    assert tech.get("/webhook-endpoints/").status_code == 403
    with system_scope("check", msp_id=world.msp_a.pk):
        assert SlaPolicy.objects.get(pk=policy.pk).name == "Standard"


def test_foreign_setup_pages_are_not_found(as_role, world):
    """Another MSP's policy, calendar and endpoint answer 404."""
    with system_scope("MSP B", msp_id=world.msp_b.pk):
        policy = sla.create_policy(actor=None, msp=world.msp_b, name="FOREIGN")
        calendar = sla.create_calendar(
            actor=None, msp=world.msp_b, name="FOREIGN", spec={"zone": "UTC", "always_open": True}
        )
        endpoint = WebhookEndpoint.objects.create(msp=world.msp_b, name="FOREIGN", url="https://x.example/")
    http = as_role("msp_owner")
    assert http.get(f"/sla-policies/{policy.pk}/").status_code == 404
    assert http.get(f"/business-calendars/{calendar.pk}/").status_code == 404
    assert http.get(f"/webhook-endpoints/{endpoint.pk}/").status_code == 404


def test_webhook_page_adds_an_endpoint_and_shows_its_secret_once(as_role, world):
    """Adding an endpoint shows its signing secret in the confirmation."""
    http = as_role("msp_owner")
    response = http.post(
        "/webhook-endpoints/",
        {"name": "PSA", "url": "https://psa.example/h", "events": "ticket.*"},
        follow=True,
    )
    assert response.status_code == 200
    with system_scope("check", msp_id=world.msp_a.pk):
        endpoint = WebhookEndpoint.objects.get(name="PSA")
    assert endpoint.events == ["ticket.*"]
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in http.get(f"/webhook-endpoints/{endpoint.pk}/").content.decode()


def test_ticket_page_shows_the_sla_panel(as_role, world):
    """The staff ticket page shows each clock with its state and deadline."""
    with system_scope("setup", msp_id=world.msp_a.pk):
        sla.create_policy(
            actor=None,
            msp=world.msp_a,
            name="Standard",
            is_default=True,
            targets={"p3": {"first_response": {"minutes": 60, "business_hours": False}}},
        )
        ticket = open_ticket(actor=None, client=world.clients["a1"], subject="Printer", priority="p3")
    page = as_role("technician").get(f"/tickets/{ticket.reference}/").content.decode()
    assert 'id="sla-panel"' in page
    assert 'data-clock="first_response"' in page
    assert 'data-state="running"' in page
