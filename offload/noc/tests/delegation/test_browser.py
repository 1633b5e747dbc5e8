"""The delegation round trip and My team in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from offload.noc.models import Delegation
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Ticket
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import system_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-delegation")


@pytest.fixture
def page(chromium: Browser, settings) -> Iterator[Page]:
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors  # a CSP violation or a script error half-breaks a page


def sign_in(page: Page, base: str, world, key: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(world.user(key).email)
    page.get_by_label("Password").fill(world.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _ticket(world, subject: str) -> Ticket:
    with system_scope("browser test setup"):
        return TicketFactory(client=world.clients["a1"], priority=Priority.P2, subject=subject)


def _state(ticket: Ticket) -> str:
    with system_scope("browser test assertion"):
        return Delegation.objects.filter(ticket=ticket).order_by("-id").values_list("state", flat=True)[0]


def test_round_trip_offer_accept_complete_approve_and_a_return(page, live_server, world):
    """A technician offers, the NOC accepts and completes, the technician approves; another comes back."""
    base = live_server.url
    done = _ticket(world, "Reset the VPN token of the sales team")
    back = _ticket(world, "Replace the broken switch in the server room")

    sign_in(page, base, world, "technician")
    for ticket in (done, back):
        page.goto(f"{base}/tickets/{ticket.reference}/")
        page.locator("#delegation-offer-note").fill("Please handle this for Alpha One.")
        page.locator("#delegation-offer-button").click()
        expect(page.locator("#delegation-state")).to_have_text("Offered")
    shot(page, "panel-offered")

    sign_in(page, base, world, "noc_agent")
    page.goto(f"{base}/tickets/{done.reference}/")
    page.locator("#delegation-accept").click()
    expect(page.locator("#delegation-state")).to_have_text("Accepted")
    expect(page.locator('#delegation-clocks [data-clock="resolve"]')).to_contain_text("Running")
    page.locator("#delegation-note-input").fill("Token reset; the user confirmed the VPN works.")
    page.locator("#delegation-complete").click()
    expect(page.locator("#delegation-state")).to_have_text("Completed")
    page.goto(f"{base}/tickets/{back.reference}/")
    page.locator("#delegation-accept").click()
    page.locator("#delegation-note-input").fill("The switch is dead; someone must swap it on site.")
    page.locator("#delegation-reason").select_option("needs_onsite")
    page.locator("#delegation-return").click()
    expect(page.locator("#delegation-state")).to_have_text("Returned")
    assert _state(back) == "returned"

    sign_in(page, base, world, "technician")
    page.goto(f"{base}/my-team/")
    expect(page.locator("#awaiting-review")).to_contain_text(done.reference)
    expect(page.locator("#returns")).to_contain_text("Needs onsite work")
    shot(page, "my-team")
    page.locator("#awaiting-review").get_by_role("link", name=done.reference).click()
    expect(page.locator("#delegation-note")).to_contain_text("user confirmed")
    shot(page, "panel-completed")
    page.locator("#delegation-approve").click()
    expect(page.locator("#delegation-state")).to_have_text("Approved")
    expect(page.locator("#ticket-status")).to_have_text("Resolved")
    assert _state(done) == "approved"
    shot(page, "panel-approved")

    page.goto(f"{base}/sla-by-holder/")
    expect(page.locator("#holder-table")).to_contain_text("Alpha One")
    page.wait_for_function("() => !!document.querySelector('#holder-chart') && window.Chart !== undefined")
    shot(page, "sla-by-holder")
