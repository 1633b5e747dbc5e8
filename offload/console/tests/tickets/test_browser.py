"""The agent's queue in a real browser: sign in with TOTP, move with the keyboard, reply with time.

Screenshots go to /tmp/shots-desk/ (queue, ticket page) for review.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from offload.console.tests.test_browser import enrol_totp, sign_in
from offload.servicedesk.choices import Priority, TicketStatus
from offload.servicedesk.models import TimeEntry
from offload.tenancy.scoping import system_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-desk")


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    expect.set_options(timeout=15_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    # A CSP violation or a script error means the page is half-broken even if the test passed.
    assert errors == [], errors


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_technician_works_the_queue_from_the_keyboard(page, live_server, world, make_ticket):
    """j/k move, Enter opens, r writes a reply with minutes logged, and the reply shows in the thread."""
    tech = world.user("technician")
    subjects = ["Outlook asks for password", "VPN drops every hour", "New laptop for Sam", "Printer jammed"]
    priorities = [Priority.P1, Priority.P2, Priority.P3, Priority.P4]
    made = []
    for i, (subject, priority) in enumerate(zip(subjects, priorities, strict=True)):
        held = i % 2 == 1
        status = TicketStatus.ASSIGNED if held else TicketStatus.NEW
        made.append(
            make_ticket(subject=subject, priority=priority, assignee=tech if held else None, status=status)
        )
    make_ticket(client="a2", subject="Backup failed on file server")
    with system_scope("test set-up"):
        caller = world.contacts["a1"][1]
        caller.phone = "+49 30 1234-5678"
        caller.save(update_fields=["phone"])
    secret = enrol_totp(tech)
    sign_in(page, live_server.url, tech.email, world.password)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("link", name="Tickets").click()
    expect(page.locator("tr[data-row]")).to_have_count(5)
    expect(page.locator("body[data-keys-ready]")).to_have_count(1)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.ofl-current")).to_have_count(1)
    shot(page, "queue")
    page.keyboard.press("k")
    current = page.locator("tr.ofl-current")
    expect(current).to_contain_text("Backup failed on file server")
    # The newest ticket is first: the a2 one; k went back to it from the second row.
    page.keyboard.press("j")
    second = page.locator("tr.ofl-current").get_attribute("data-href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{second}")
    reference = second.strip("/").split("/")[-1]
    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator("body[data-keys-ready]")).to_have_count(1)
    shot(page, "ticket-top")

    page.keyboard.press("r")
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    page.keyboard.type("Restarted the print spooler; please try again.")
    page.get_by_label("Minutes").fill("12")
    page.get_by_label("Time note").fill("Spooler restart")
    page.get_by_role("textbox", name="Message").press("Control+Enter")
    expect(page.locator(".alert-success")).to_contain_text("12 min logged")
    message = page.locator("#thread [data-entry]").last
    expect(message).to_contain_text("Restarted the print spooler")
    expect(message).to_contain_text("12 min")
    page.locator("#thread").scroll_into_view_if_needed()
    shot(page, "ticket")
    with system_scope("test check"):
        logged = TimeEntry.objects.get(ticket__reference=reference)
    assert (logged.minutes, logged.note, logged.user_id) == (12, "Spooler restart", tech.pk)

    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(r"/tickets/$"))
    expect(page.locator("body[data-keys-ready]")).to_have_count(1)
    page.keyboard.press("/")
    page.keyboard.type("vpn hour")
    expect(page.locator("tr[data-row]")).to_have_count(1)
    expect(page.locator("tr[data-row]")).to_contain_text(made[1].reference)

    # A phone call, keyboard only: c, the number, Enter picks the one caller, subject, Ctrl+Enter.
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    expect(page.locator("body[data-keys-ready]")).to_have_count(1)
    expect(page.get_by_label("Caller's number")).to_be_focused()
    page.keyboard.type("030 1234 5678")
    expect(page.locator("[data-caller]")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Subject of a new ticket")).to_be_focused()
    page.keyboard.type("Scanner does not send mail")
    page.get_by_label("What the caller said").fill("Since this morning, error 550.")
    page.get_by_label("Minutes").fill("3")
    shot(page, "call")
    page.get_by_label("What the caller said").press("Control+Enter")
    expect(page.locator("h1")).to_contain_text("Scanner does not send mail")
    expect(page.locator(".alert-success")).to_contain_text("Call logged")
