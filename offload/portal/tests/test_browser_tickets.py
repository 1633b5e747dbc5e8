"""A client's whole request in a real Chromium, on an MSP's own portal host: sign in, see the brand, open a
request with a file, reply, read the staff answer, and rate the resolution."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Browser, Page, expect

from offload.demo.logos import logo_png
from offload.portal.tests.conftest import ACME_HOST, Portals
from offload.portal.tests.desk import acting, resolve, staff_note, staff_reply
from offload.portal.tests.test_browser import assert_page_in_brand, host_url, sign_in
from offload.servicedesk.models import CsatResponse, Ticket
from offload.servicedesk.services import knowledge
from offload.tenancy.scoping import system_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-portal")


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def port(live_server) -> int:
    return urlsplit(live_server.url).port  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_client_opens_replies_and_rates_a_request(tab: Page, portals: Portals, port: int, tmp_path: Path):
    """On MSP A's host a client user opens a request with a file, replies, reads the answer and rates it."""
    world = portals.world
    brand = portals.acme
    with system_scope("test data: the brand's logo"):
        png = logo_png(name=brand.name, color=brand.primary_color, accent=brand.accent_color)
        brand.logo.save("acme.png", ContentFile(png), save=True)
    tech = world.user("technician")
    with acting(tech):
        knowledge.save_article(
            actor=tech, title="Connect to the VPN", body="Open the client.", is_published=True
        )
        knowledge.save_article(
            actor=tech,
            title="Alpha One printers",
            body="Badge to print.",
            is_published=True,
            visible_to_all_clients=False,
            clients=[world.clients["a1"]],
        )

    tab.goto(host_url(ACME_HOST, port, "/sign-in/"))
    sign_in(tab, world.user("client_user").email, world.password)
    expect(tab).to_have_url(host_url(ACME_HOST, port, "/"))
    assert_page_in_brand(tab, portals, brand)
    expect(tab.locator("img.portal-logo")).to_be_visible()
    assert tab.locator("img.portal-logo").evaluate("img => img.naturalWidth") > 0

    tab.get_by_role("link", name="New request").first.click()
    tab.get_by_label("Subject").fill("Laptop fan is very loud")
    tab.get_by_label("Description").fill("Since Monday the fan runs at full speed.")
    tab.get_by_label("How urgent is it?").select_option(label="It slows my work down")
    screenshot = tmp_path / "fan-noise.txt"
    screenshot.write_text("recorded 70 dB")
    tab.get_by_label("Attachments").set_input_files(str(screenshot))
    tab.get_by_role("button", name="Send request").click()
    expect(tab.get_by_test_id("ticket-subject")).to_have_text("Laptop fan is very loud")
    expect(tab.get_by_test_id("attachment-link")).to_contain_text("fan-noise.txt")
    with system_scope("test: the opened ticket"):
        ticket = Ticket.objects.get(subject="Laptop fan is very loud")
    assert urlsplit(tab.url).path == f"/tickets/{ticket.reference}/"

    tab.get_by_label("Your reply").fill("It is the black laptop on desk 4.")
    tab.get_by_role("button", name="Send reply").click()
    expect(tab.get_by_test_id("client-reply").last).to_contain_text("desk 4")

    staff_reply(tech, ticket, "We will replace the fan tomorrow morning.")
    staff_note(tech, ticket, "HIDDEN-NOTE: order part 123")
    tab.reload()
    expect(tab.get_by_test_id("staff-reply")).to_contain_text("replace the fan")
    expect(tab.get_by_test_id("staff-reply")).to_contain_text(brand.name)
    assert "HIDDEN-NOTE" not in tab.content()
    assert_page_in_brand(tab, portals, brand)
    shot(tab, "ticket")

    resolve(tech, ticket)
    tab.goto(host_url(ACME_HOST, port, f"/tickets/{ticket.reference}/?rate=1"))
    expect(tab.get_by_test_id("csat-form")).to_be_visible()
    shot(tab, "ticket-rate")
    tab.get_by_text("Excellent", exact=True).click()
    tab.get_by_label("Anything to add?").fill("Fast and friendly")
    tab.get_by_role("button", name="Send rating").click()
    expect(tab.get_by_test_id("csat-thanks")).to_contain_text("5 of 5")
    with system_scope("test: the rating"):
        (rating,) = CsatResponse.objects.filter(ticket=ticket)
    assert (rating.rating, rating.comment) == (5, "Fast and friendly")

    tab.get_by_role("navigation", name="Portal").get_by_role("link", name="My requests").click()
    tab.get_by_label("Show").select_option("all")
    tab.get_by_role("button", name="Filter").click()
    expect(tab.get_by_test_id("ticket-list")).to_contain_text(ticket.reference)
    assert_page_in_brand(tab, portals, brand)
    shot(tab, "ticket-list")

    tab.get_by_role("navigation", name="Portal").get_by_role("link", name="Knowledge base").click()
    expect(tab.get_by_test_id("kb-articles")).to_contain_text("Alpha One printers")
    shot(tab, "kb")
    tab.get_by_label("Search articles").fill("vpn")
    tab.get_by_role("button", name="Search").click()
    expect(tab.get_by_test_id("kb-articles")).to_contain_text("Connect to the VPN")
    expect(tab.get_by_test_id("kb-articles")).not_to_contain_text("printers")
    assert_page_in_brand(tab, portals, brand)
