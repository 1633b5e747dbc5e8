"""The SLA panel and the policy page in Chromium (screenshots in /tmp/shots-sla/ for review)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import expect

from offload.accounts.acting import acting_for_user
from offload.servicedesk.services import sla
from offload.servicedesk.services.entries import add_reply
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.tenancy.scoping import activate, system_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-sla")


@pytest.fixture
def page(chromium, live_server, world, settings):
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    http = HttpClient()
    http.force_login(world.user("service_manager"))
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": http.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors  # a CSP violation or script error means a half-broken page


def test_sla_panel_and_policy_page(page, live_server, world):
    """A ticket with a met first response, a breached update and a pause shows each on its panel."""
    now = timezone.now()
    with system_scope("SLA demo ticket", msp_id=world.msp_a.pk):
        sla.create_calendar(
            actor=None,
            msp=world.msp_a,
            name="Round the clock",
            spec={"zone": "Europe/Berlin", "always_open": True},
            is_default=True,
        )
        targets = {
            "first_response": {"minutes": 60},
            "resolution": {"minutes": 480},
            "update": {"minutes": 60},
        }
        policy = sla.create_policy(
            actor=None, msp=world.msp_a, name="Standard", is_default=True, targets={"p2": targets}
        )
        ticket = open_ticket(
            actor=None,
            client=world.clients["a1"],
            subject="Mail server rejects logins",
            priority="p2",
            at=now - dt.timedelta(hours=5),
        )
    tech = world.user("technician")
    with activate(acting_for_user(tech).scope):
        add_reply(actor=tech, ticket=ticket, body="Looking", at=now - dt.timedelta(hours=4, minutes=30))
    with system_scope("SLA demo ticket", msp_id=world.msp_a.pk):
        transition_ticket(actor=None, ticket=ticket, transition="triage")
        transition_ticket(actor=None, ticket=ticket, transition="wait_on_client")
        sla.evaluate_ticket_sla(ticket_id=ticket.pk)
    SHOTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/tickets/{ticket.reference}/")
    panel = page.locator("#sla-panel")
    expect(panel).to_be_visible()
    expect(panel.locator('tr[data-clock="first_response"]')).to_contain_text("Met")
    expect(panel.locator('tr[data-clock="update"]')).to_contain_text("Breached")
    expect(panel.locator('tr[data-clock="resolution"]')).to_contain_text("Paused")
    expect(panel).to_contain_text("Waiting on client")
    panel.screenshot(path=str(SHOTS / "sla-panel.png"))
    page.screenshot(path=str(SHOTS / "ticket-page.png"))
    page.goto(f"{live_server.url}/sla-policies/{policy.pk}/")
    expect(page.locator("#targets")).to_be_visible()
    page.screenshot(path=str(SHOTS / "policy-form.png"), full_page=True)
    page.goto(f"{live_server.url}/sla-policies/")
    expect(page.get_by_text("Standard")).to_be_visible()
    page.screenshot(path=str(SHOTS / "policy-list.png"))
