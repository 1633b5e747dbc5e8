"""Held mail in a real browser: the list, a hostile mail shown inert, filing it as a ticket.

Screenshots go to /tmp/shots-mail/ for review.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import expect

from offload.console.tests.test_browser import sign_in
from offload.servicedesk.models import InboundMessage
from offload.servicedesk.services.intake import process_inbound, receive_email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-mail")


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield page
    context.close()
    assert errors == [], errors  # no script from the mail ran, no CSP-broken page


def test_reviewer_files_a_hostile_held_mail_as_a_ticket(page, live_server, world, settings):
    """A mail with script in subject and HTML is listed, shown as text only, and filed for a client."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    message = EmailMessage()
    message["From"] = "New Person <new.person@unknown-domain.example>"
    message["To"] = "support@acme.example"
    message["Subject"] = '<img src=x onerror="alert(1)"> Laptop will not boot'
    message["Message-ID"] = "<hostile@unknown-domain.example>"
    message.set_content("My laptop shows a black screen since this morning.\n\nNew Person")
    message.add_alternative('<p>Black screen</p><script>alert("xss")</script>', subtype="html")
    stored = receive_email(raw=message.as_bytes(), recipient="support@acme.example")
    assert isinstance(stored, InboundMessage)
    process_inbound(stored.pk)

    sign_in(page, live_server.url, world.user("service_manager").email, world.password)
    page.goto(f"{live_server.url}/mail/")
    expect(page.locator("#held-mail")).to_contain_text("unknown_sender")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "held-list.png"))
    page.get_by_role("link", name="Laptop will not boot").click()
    expect(page.locator("#mail-text")).to_contain_text("black screen since this morning")
    page.screenshot(path=str(SHOTS / "held-detail.png"), full_page=True)
    page.get_by_label("Client").select_option(label="Alpha One")
    page.get_by_role("button", name="File as ticket").click()
    expect(page.locator("h1")).to_contain_text("ACME-")
    page.screenshot(path=str(SHOTS / "filed-ticket.png"))
