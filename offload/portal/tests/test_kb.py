"""The knowledge base: each client reads the MSP's published articles meant for it; staff write them."""

from __future__ import annotations

import pytest

from offload.portal.tests.conftest import ACME_HOST, Portals
from offload.portal.tests.desk import acting
from offload.servicedesk.models import Article
from offload.servicedesk.services import knowledge
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def write(
    portals: Portals, title: str, body: str = "Some help.", *, published: bool = True, clients=None, msp=None
):
    """An article written by MSP A's technician (or, for another MSP, by the system)."""
    if msp is not None:
        with system_scope("test data: another MSP's article"):
            article = Article.objects.create(
                msp=msp, title=title, body_html=body, body_text=body, is_published=True
            )
        return article
    tech = portals.world.user("technician")
    with acting(tech):
        return knowledge.save_article(
            actor=tech,
            title=title,
            body=body,
            is_published=published,
            visible_to_all_clients=clients is None,
            clients=clients or [],
        )


def test_each_client_reads_only_articles_meant_for_it(client, portals: Portals):
    """Articles for all clients and for a1 show to a1's user; a2-only, drafts and other MSPs' do not."""
    world = portals.world
    for_all = write(portals, "Reset your password")
    for_a1 = write(portals, "Alpha One VPN setup", clients=[world.clients["a1"]])
    for_a2 = write(portals, "Alpha Two printer guide", clients=[world.clients["a2"]])
    draft = write(portals, "Draft about backups", published=False)
    elsewhere = write(portals, "Bravo only article", msp=world.msp_b)
    client.force_login(world.user("client_user"))
    page = client.get("/kb/", HTTP_HOST=ACME_HOST).text
    assert for_all.title in page
    assert for_a1.title in page
    assert for_a2.title not in page
    assert draft.title not in page
    assert elsewhere.title not in page
    for article, status in ((for_all, 200), (for_a1, 200), (for_a2, 404), (draft, 404), (elsewhere, 404)):
        assert client.get(f"/kb/{article.pk}/", HTTP_HOST=ACME_HOST).status_code == status
    home = client.get("/", HTTP_HOST=ACME_HOST).text
    assert for_all.title in home
    assert for_a2.title not in home


def test_search_finds_words_in_title_and_text_in_any_case(client, portals: Portals):
    """Searching matches every word in the title or the text, ignoring case."""
    write(portals, "Connect to the office Wi-Fi", "Choose the network ACME-GUEST and enter the code.")
    write(portals, "Printer toner", "Order toner from the portal.")
    client.force_login(portals.world.user("client_user"))
    page = client.get("/kb/?q=acme-guest", HTTP_HOST=ACME_HOST).text
    assert "Connect to the office Wi-Fi" in page
    assert "Printer toner" not in page
    assert "Printer toner" in client.get("/kb/?q=TONER", HTTP_HOST=ACME_HOST).text
    assert "No articles match" in client.get("/kb/?q=zebra", HTTP_HOST=ACME_HOST).text


def test_article_html_is_sanitised(portals: Portals):
    """Scripts and event handlers are stripped from an article; plain text becomes paragraphs."""
    html = write(portals, "XSS", '<p onclick="x()">Hi<script>alert(1)</script></p>').body_html
    assert "script" not in html
    assert "onclick" not in html
    assert write(portals, "Plain", "One\n\nTwo & 3").body_html == "<p>One</p>\n\n<p>Two &amp; 3</p>"


def test_staff_write_and_publish_in_the_console(client, portals: Portals, settings):
    """A technician writes an article for one client in the console; that client's user reads it."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    world = portals.world
    client.force_login(world.user("technician"))
    response = client.post(
        "/kb/new/",
        {
            "title": "Alpha One badge reader",
            "category": "Office",
            "body": "Hold the badge still.",
            "is_published": "on",
            "clients": [world.clients["a1"].pk],
        },
    )
    assert response.status_code == 302, response.text
    listing = client.get("/kb/").text
    assert "Alpha One badge reader" in listing
    with system_scope("test: read back"):
        article = Article.objects.get(title="Alpha One badge reader")
        assert list(article.clients.all()) == [world.clients["a1"]]
    assert not article.visible_to_all_clients
    client.force_login(world.user("client_user"))
    assert client.get(f"/kb/{article.pk}/", HTTP_HOST=ACME_HOST).status_code == 200


def test_finance_cannot_write_articles(client, portals: Portals, settings):
    """Only owners, service managers and technicians write articles."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    client.force_login(portals.world.user("finance"))
    assert client.get("/kb/new/").status_code == 403


def test_api_lists_for_clients_and_writes_for_staff(client, portals: Portals, settings):
    """Through the API staff create articles; a client user lists only published ones meant for them."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    world = portals.world
    client.force_login(world.user("service_manager"))
    created = client.post(
        "/api/v1/kb/articles",
        {
            "title": "API article",
            "body": "<p>Hello</p>",
            "is_published": True,
            "visible_to_all_clients": False,
            "client_ids": [world.clients["a2"].pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.text
    assert created.json()["client_ids"] == [world.clients["a2"].pk]
    foreign = client.post(
        "/api/v1/kb/articles",
        {"title": "Bad", "visible_to_all_clients": False, "client_ids": [world.clients["b1"].pk]},
        content_type="application/json",
    )
    assert foreign.status_code == 422
    client.force_login(world.user("client_user"))
    listed = client.get("/api/v1/kb/articles").json()["items"]
    assert [a["title"] for a in listed] == []
    assert client.get(f"/api/v1/kb/articles/{created.json()['id']}").status_code == 404
    assert (
        client.post("/api/v1/kb/articles", {"title": "Mine"}, content_type="application/json").status_code
        == 403
    )
