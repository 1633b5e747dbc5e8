"""Sign-in and the console shell in a real browser (Debian's Chromium through Playwright).

Screenshots of every page visited are saved under test-artifacts/ (git-ignored) for review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from offload.accounts.choices import Role
from offload.accounts.tests.factories import MembershipFactory
from offload.tenancy.scoping import system_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PROVIDER_NAV = [
    "NOC queue",
    "MSPs served",
    "Agents",
    "Runbook library",
    "Standing instructions",
    "Agreement terms",
    "Clients",
    "Assets",
]
MSP_NAV = [
    "Dashboard",
    "Tickets",
    "My team",
    "Triage",
    "Alerts",
    "Held mail",
    "Clients",
    "Sites",
    "Contacts",
    "Assets",
    "Standing instructions",
    "Runbooks",
    "Maintenance",
    "Knowledge base",
    "Scope matrix",
    "SLA policies",
    "Business hours",
    "SLA by holder",
    "Mailboxes",
    "Alert sources",
    "Maintenance windows",
    "Webhooks",
    "API tokens",
    "Settings",
]
ROLE_HOMES = {
    "provider_admin": ("MSPs served", PROVIDER_NAV),
    "noc_lead": ("MSPs served", PROVIDER_NAV),
    "noc_agent": ("MSPs served", PROVIDER_NAV),
    "msp_owner": ("Dashboard", MSP_NAV),
    "service_manager": ("Dashboard", MSP_NAV),
    "technician": ("Dashboard", MSP_NAV),
    "finance": ("Dashboard", MSP_NAV),
}


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    # A CSP violation or a script error means a page is half-broken even if the test passed.
    assert errors == [], errors


def enrol_totp(user) -> str:
    """Activate an authenticator for `user` as allauth does; return the secret the app would hold."""
    secret = generate_totp_secret()
    with system_scope("test set-up"):
        TOTP.activate(user, secret)
    return secret


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("key", list(ROLE_HOMES))
def test_staff_sign_in_with_totp_and_land_on_their_home(browser_page, live_server, world, key):
    """Each staff role signs in with email, password and an authenticator code and sees its own home."""
    page = browser_page
    user = world.user(key)
    secret = enrol_totp(user)
    sign_in(page, live_server.url, user.email, world.password)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    if key == "msp_owner":
        shot(page, "signin-2fa-code")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()

    heading, nav = ROLE_HOMES[key]
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#side-nav a")).to_have_text(nav)
    expect(page.locator("#acting-role")).to_have_text(user.memberships.get().get_role_display())
    shot(page, f"home-{key}")


def test_sign_in_asks_for_a_code_and_refuses_a_wrong_one(browser_page, live_server, world):
    """A staff user with an authenticator cannot get past the code prompt with a wrong code."""
    page = browser_page
    user = world.user("msp_owner")
    enrol_totp(user)
    sign_in(page, live_server.url, user.email, world.password)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    # Still half signed in: the console sends them back to the code prompt.
    page.goto(f"{live_server.url}/clients/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))


def test_staff_without_mfa_enrols_then_lands_on_home(browser_page, live_server, world):
    """A staff user with no authenticator is sent to set one up, and after that reaches the console."""
    page = browser_page
    user = world.user("service_manager")
    sign_in(page, live_server.url, user.email, world.password)
    # allauth asks for the password again before a second factor is added (its default).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    shot(page, "mfa-reauthenticate")
    page.get_by_label("Password").fill(world.password)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    shot(page, "mfa-activate")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.locator("#recovery_codes li")).to_have_count(10)
    shot(page, "mfa-recovery-codes")
    page.get_by_role("link", name="Continue to Offload").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Dashboard")


def test_client_user_is_sent_to_their_portal(browser_page, live_server, world):
    """A client user signs in without a second factor and is redirected to their MSP's portal."""
    page = browser_page
    user = world.user("client_user")
    sign_in(page, live_server.url, user.email, world.password)
    expect(page).to_have_url(re.compile(rf"/portal/{world.msp_a.brand.portal_slug}/"))


def test_sign_in_page_and_wrong_password(browser_page, live_server, world):
    """The sign-in page says plainly when the email or password is wrong."""
    page = browser_page
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    shot(page, "signin")
    sign_in(page, live_server.url, world.user("finance").email, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    shot(page, "signin-wrong-password")


def test_console_pages_search_and_history(browser_page, live_server, world, settings):
    """An MSP owner searches clients as they type, opens one, edits it and sees the change in History."""
    page = browser_page
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    user = world.user("msp_owner")
    sign_in(page, live_server.url, user.email, world.password)
    expect(page.locator("h1")).to_have_text("Dashboard")

    page.get_by_role("link", name="Clients", exact=True).click()
    expect(page.locator("#rows tr")).to_have_count(2)
    shot(page, "clients")
    page.locator("#search").fill("two")
    expect(page.locator("#rows tr")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("Alpha Two")
    page.get_by_role("link", name="Alpha Two").click()
    shot(page, "client-overview")

    page.locator("#edit-button").click()
    shot(page, "client-edit")
    page.get_by_label("Phone").fill("+49 30 1234567")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("saved")
    page.get_by_role("link", name="History").click()
    expect(page.locator("#history")).to_contain_text("+49 30 1234567")
    expect(page.locator("#history .history-who").first).to_have_text(str(user))
    shot(page, "client-history")

    for tab in ("Sites", "Contacts", "Assets"):
        page.locator("#detail-tabs").get_by_role("link", name=tab).click()
        expect(page.locator("#detail-tabs .active")).to_have_text(tab)
    shot(page, "client-assets")
    page.get_by_role("link", name="Alpha Two Laptop").click()
    shot(page, "asset-detail")
    page.get_by_role("link", name="Contacts", exact=True).click()
    shot(page, "contacts")
    page.get_by_role("link", name="Settings").click()
    shot(page, "settings")


def test_membership_switcher(browser_page, live_server, world, settings):
    """A user with two memberships switches from MSP owner to NOC agent and gets the provider console."""
    page = browser_page
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    user = world.user("msp_owner")
    MembershipFactory(user=user, role=Role.NOC_AGENT, provider=world.provider)
    sign_in(page, live_server.url, user.email, world.password)
    expect(page.locator("#acting-role")).to_have_text("Owner")
    page.locator("#user-menu").click()
    shot(page, "user-menu")
    page.get_by_role("button", name=re.compile("NOC agent")).click()
    expect(page.locator("#acting-role")).to_have_text("NOC agent")
    expect(page.locator("h1")).to_have_text("MSPs served")
    expect(page.locator("#msps-served")).to_contain_text("Acme IT")
    expect(page.locator("#msps-served")).not_to_contain_text("FOREIGN")


def test_password_reset_by_email_in_the_browser(browser_page, live_server, world, mailoutbox):
    """A user follows 'Forgot your password?', gets a link by email, sets a new password and signs in."""
    page = browser_page
    user = world.user("client_admin")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    shot(page, "password-reset")
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name=re.compile("Reset", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    shot(page, "password-reset-done")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mailoutbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", live_server.url, link))
    shot(page, "password-reset-new")
    new_password = "a-much-better-passphrase-42"
    page.locator("input[name=password1]").fill(new_password)
    page.locator("input[name=password2]").fill(new_password)
    page.get_by_role("button", name=re.compile("Change", re.IGNORECASE)).click()
    shot(page, "password-reset-complete")
    sign_in(page, live_server.url, user.email, new_password)
    expect(page).to_have_url(re.compile(r"/portal/"))
