"""The portal in a real Chromium: each MSP's brand on its own host name, and who may sign in where.

Chromium resolves every *.example host name to the loopback live server
(`--host-resolver-rules`), so these tests exercise real host-based brand resolution.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from offload.portal.tests.conftest import ACME_HOST, BRAVO_HOST, Portals
from offload.tenancy.models import Brand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Page]:
    """A fresh browser tab with its own cookies."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def port(live_server) -> int:
    return urlsplit(live_server.url).port


def host_url(host: str, port: int, path: str = "/") -> str:
    return f"http://{host}:{port}{path}"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


def assert_page_in_brand(page: Page, portals: Portals, brand: Brand) -> None:
    """The rendered page shows `brand` (title, colour variable) and no other name at all."""
    expect(page).to_have_title(brand.name)
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--portal-primary').trim()"
    )
    assert primary == brand.primary_color
    html = page.content().lower()
    for name in portals.foreign_names(brand):
        assert name.lower() not in html, f"{name!r} appears on {brand.name}'s portal"


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_each_msp_portal_shows_its_own_brand(tab: Page, portals: Portals, port: int):
    """On its host name, each MSP's portal shows its own name and colour and never the provider's."""
    for host, brand, rgb in (
        (ACME_HOST, portals.acme, "rgb(194, 65, 12)"),
        (BRAVO_HOST, portals.bravo, "rgb(15, 118, 110)"),
    ):
        tab.goto(host_url(host, port))
        expect(tab).to_have_url(host_url(host, port, "/sign-in/"))
        assert_page_in_brand(tab, portals, brand)
        header_bg = tab.locator("header.portal-header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert header_bg == rgb
        expect(tab.locator("footer")).to_contain_text(brand.support_email)
        expect(tab.locator("footer")).to_contain_text(brand.support_phone)
        shot(tab, f"sign-in-{brand.portal_slug}")


def test_path_fallback_shows_the_brand(tab: Page, portals: Portals, port: int):
    """http://127.0.0.1:<port>/portal/<slug>/ shows the MSP's portal for local use."""
    tab.goto(f"http://127.0.0.1:{port}/portal/bravo/")
    expect(tab).to_have_url(f"http://127.0.0.1:{port}/portal/bravo/sign-in/")
    assert_page_in_brand(tab, portals, portals.bravo)


def test_client_user_signs_in_on_their_msp_portal(tab: Page, portals: Portals, port: int):
    """A client user signs in on MSP A's portal host and lands on the portal home, in A's brand."""
    tab.goto(host_url(ACME_HOST, port, "/sign-in/"))
    sign_in(tab, portals.world.user("client_user").email, portals.world.password)
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/"))
    expect(tab.get_by_role("heading", name="Your requests")).to_be_visible()
    expect(tab.get_by_test_id("contact-details")).to_contain_text(portals.world.clients["a1"].name)
    assert_page_in_brand(tab, portals, portals.acme)
    shot(tab, "home-acme")
    tab.set_viewport_size({"width": 390, "height": 844})
    shot(tab, "home-acme-phone")
    tab.get_by_role("button", name="Sign out").click()
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/sign-in/"))


def test_client_user_cannot_sign_in_on_another_msp_portal(tab: Page, portals: Portals, port: int):
    """A client user of MSP A is refused on MSP B's portal and stays signed out there."""
    tab.goto(host_url(BRAVO_HOST, port, "/sign-in/"))
    sign_in(tab, portals.world.user("client_user").email, portals.world.password)
    expect(tab.get_by_test_id("sign-in-error")).to_contain_text("This account cannot sign in")
    assert_page_in_brand(tab, portals, portals.bravo)
    shot(tab, "refused-bravo")
    tab.goto(host_url(BRAVO_HOST, port, "/"))
    expect(tab).to_have_url(host_url(BRAVO_HOST, port, "/sign-in/"))


def test_staff_on_the_portal_are_pointed_to_the_console(tab: Page, portals: Portals, port: int):
    """MSP staff who sign in on a portal see that it is for clients, with a link to the console."""
    tab.goto(host_url(ACME_HOST, port, "/sign-in/"))
    sign_in(tab, portals.world.user("technician").email, portals.world.password)
    expect(tab.get_by_test_id("staff-notice")).to_be_visible()
    expect(tab.get_by_role("link", name="Go to the console")).to_be_visible()
    assert_page_in_brand(tab, portals, portals.acme)
    shot(tab, "staff-notice-acme")


def test_client_with_totp_passes_branded_second_step(tab: Page, portals: Portals, port: int):
    """A client who enrolled TOTP enters a code on a branded second step and reaches the home."""
    secret = pyotp.random_base32()
    TOTP.activate(portals.world.user("client_admin"), secret)
    tab.goto(host_url(ACME_HOST, port, "/sign-in/"))
    sign_in(tab, portals.world.user("client_admin").email, portals.world.password)
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/accounts/2fa/authenticate/"))
    assert_page_in_brand(tab, portals, portals.acme)
    shot(tab, "two-factor-acme")
    tab.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    tab.get_by_role("button", name="Verify").click()
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/"))
    expect(tab.get_by_role("heading", name=re.compile("^(Your|Latest) requests$"))).to_be_visible()


def test_client_resets_forgotten_password_in_the_brand(tab: Page, portals: Portals, port: int):
    """'Forgot password?' leads to branded pages and a brand mail whose link sets a new password."""
    new_password = "a-Fresh-passw0rd-for-the-portal"
    user = portals.world.user("client_user")
    tab.goto(host_url(ACME_HOST, port, "/sign-in/"))
    tab.get_by_role("link", name="Forgot password?").click()
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/accounts/password/reset/"))
    assert_page_in_brand(tab, portals, portals.acme)
    shot(tab, "reset-request-acme")
    tab.get_by_label("Email address").fill(user.email)
    tab.get_by_role("button", name="Send reset link").click()
    expect(tab.get_by_test_id("reset-sent")).to_be_visible()

    (message,) = mail.outbox
    assert message.from_email == f"{portals.acme.sender_name} <{portals.acme.sender_email}>"
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", message.body).group(0)  # type: ignore[union-attr]
    assert link.startswith(host_url(ACME_HOST, port, "/accounts/password/reset/key/"))
    tab.goto(link)
    expect(tab.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_page_in_brand(tab, portals, portals.acme)
    shot(tab, "reset-choose-password-acme")
    tab.get_by_label("New password", exact=True).fill(new_password)
    tab.get_by_label("New password (again)").fill(new_password)
    tab.get_by_role("button", name="Set password").click()
    expect(tab.get_by_test_id("reset-done")).to_be_visible()
    tab.get_by_role("link", name="Sign in").click()
    sign_in(tab, user.email, new_password)
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/"))
