"""Signing in with an emailed link: in the brand, to the same host, once, for a short time, rate limited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache

from offload.portal import link_views
from offload.portal.tests.conftest import ACME_HOST, BRAVO_HOST, Portals

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def ask_for_link(client, email: str, host: str = ACME_HOST):
    return client.post("/sign-in/link/", {"email": email}, HTTP_HOST=host)


def link_in(message) -> str:
    return re.search(r"http://\S+/sign-in/link/\S+/", message.body).group(0)  # type: ignore[union-attr]


def test_link_mail_is_in_the_brand_and_signs_in_once(client, portals: Portals):
    """The mail comes from the brand and links to the same portal host; the link signs in exactly once."""
    user = portals.world.user("client_user")
    response = ask_for_link(client, user.email.upper())
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/link/sent/"
    (message,) = mail.outbox
    assert message.from_email == f"{portals.acme.sender_name} <{portals.acme.sender_email}>"
    assert portals.acme.name in message.subject
    for name in portals.foreign_names(portals.acme):
        assert name.lower() not in (message.subject + message.body).lower()
    link = link_in(message)
    assert link.startswith(f"http://{ACME_HOST}/sign-in/link/")
    path = link.removeprefix(f"http://{ACME_HOST}")
    confirm = client.get(path, HTTP_HOST=ACME_HOST)
    assert confirm.status_code == 200
    assert user.email in confirm.text
    assert client.get("/", HTTP_HOST=ACME_HOST).status_code == 302  # showing the page signs nobody in
    signed = client.post(path, HTTP_HOST=ACME_HOST)
    assert signed.status_code == 302
    assert client.get("/", HTTP_HOST=ACME_HOST).status_code == 200
    client.logout()
    assert client.post(path, HTTP_HOST=ACME_HOST).status_code == 404
    assert client.get(path, HTTP_HOST=ACME_HOST).status_code == 404


def test_link_expires(client, portals: Portals, monkeypatch):
    """A link older than its lifetime no longer signs in."""
    ask_for_link(client, portals.world.user("client_user").email)
    path = link_in(mail.outbox[0]).removeprefix(f"http://{ACME_HOST}")
    monkeypatch.setattr(link_views, "LINK_MAX_AGE", timedelta(seconds=-1))
    response = client.post(path, HTTP_HOST=ACME_HOST)
    assert response.status_code == 404
    assert "no longer works" in response.text


def test_link_is_for_its_portal_only(client, portals: Portals):
    """A link made on MSP A's portal does not sign in on MSP B's."""
    ask_for_link(client, portals.world.user("client_user").email)
    path = link_in(mail.outbox[0]).removeprefix(f"http://{ACME_HOST}")
    assert client.post(path, HTTP_HOST=BRAVO_HOST).status_code == 404


def test_no_mail_for_strangers_and_staff_and_the_same_answer(client, portals: Portals):
    """Unknown addresses, staff and other MSPs' clients get no mail, and the page says the same."""
    for email in ("nobody@example.com", portals.world.user("technician").email):
        response = ask_for_link(client, email)
        assert response["Location"] == "/sign-in/link/sent/"
    assert ask_for_link(client, portals.world.user("client_user").email, host=BRAVO_HOST).status_code == 302
    assert mail.outbox == []


def test_requests_are_rate_limited(client, portals: Portals):
    """Asking again and again for one address is refused in the brand (429) after a few links."""
    email = portals.world.user("client_user").email
    statuses = [ask_for_link(client, email).status_code for _ in range(5)]
    assert statuses[:3] == [302, 302, 302]
    assert statuses[-1] == 429
    assert len(mail.outbox) == 3


def test_forged_token_is_refused(client, portals: Portals):
    """A made-up token is a page that does not exist."""
    assert client.get("/sign-in/link/made-up:token:here/", HTTP_HOST=ACME_HOST).status_code == 404
