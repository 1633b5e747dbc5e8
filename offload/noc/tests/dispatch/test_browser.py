"""The NOC console in Debian's Chromium: an agent signs in with TOTP, sees two MSPs' work, claims one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import Browser, Page, expect

from offload.noc.models import StandingInstruction
from offload.servicedesk.choices import Priority
from offload.tenancy.scoping import system_scope

from .conftest import make_delegation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-dispatch")


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    # A CSP violation or a script error means the page is half-broken even if the test passed.
    assert errors == [], errors


def sign_in_with_totp(page: Page, base_url: str, user, password: str) -> None:
    secret = generate_totp_secret()
    with system_scope("test set-up"):
        TOTP.activate(user, secret)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/")


def test_an_agent_claims_work_from_the_queue_of_two_msps(browser_page, live_server, world):
    """The agent sees Acme's and Bravo's items with their brands and flags, claims one, and it is theirs."""
    SHOTS.mkdir(exist_ok=True)
    acme = make_delegation(world, client_key="a1", subject="Outlook keeps asking for the password")
    make_delegation(
        world, client_key="b1", subject="Branch office VPN tunnel down", due_in=dt.timedelta(minutes=-20),
        priority=Priority.P1,
    )  # fmt: skip
    make_delegation(
        world, client_key="a2", subject="New starter: create a mailbox", due_in=dt.timedelta(hours=9)
    )
    with system_scope("test setup"):
        StandingInstruction.objects.create(
            msp=world.msp_a, level="client", client=world.clients["a1"], title="CEO's office", is_vip=True,
            call_before_onsite_name="Dana", call_before_onsite_phone="+49 170 5550101",
        )  # fmt: skip
    page = browser_page
    sign_in_with_totp(page, live_server.url, world.user("noc_agent"), world.password)
    page.get_by_role("link", name="NOC queue").click()
    expect(page.locator("h1")).to_contain_text("NOC queue")
    rows = page.locator("#noc-queue tbody tr")
    expect(rows).to_have_count(3)
    brands = page.locator("#noc-queue [data-brand]")
    expect(brands.filter(has_text="Acme IT Service Desk")).to_have_count(2)
    expect(brands.filter(has_text="Bravo MSP Service Desk")).to_have_count(1)
    # Most urgent first: the breached Bravo item.
    expect(rows.first).to_contain_text("Branch office VPN tunnel down")
    expect(rows.first.locator(".ofl-breached")).to_contain_text(re.compile(r"Resolve\s+20m over"))
    row = page.locator(f"#delegation-{acme.pk}")
    expect(row).to_contain_text("VIP")
    expect(row).to_contain_text("not acknowledged")
    page.screenshot(path=str(SHOTS / "noc-queue.png"), full_page=True)

    row.get_by_role("button", name="Claim").click()
    expect(row.locator("[data-holder]")).to_have_text("You")
    expect(row.get_by_role("button", name="Release")).to_be_visible()
    page.screenshot(path=str(SHOTS / "noc-queue-claimed.png"), full_page=True)

    page.get_by_text("Mine", exact=True).click()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#noc-queue tbody tr")).to_have_count(1)
    expect(page.locator("#noc-queue tbody tr").first).to_contain_text("Outlook keeps asking for the password")

    page.get_by_role("link", name="Agents").click()
    expect(page.locator("#agents")).to_contain_text("noc_agent@people.example")
    page.screenshot(path=str(SHOTS / "agents.png"), full_page=True)
