"""Staff pages for held mail and mailboxes: safe display, actions, and only the MSP's own rows."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.test import Client as HttpClient

from offload.servicedesk.models import InboundMessage, InboundStatus, Mailbox, Ticket
from offload.servicedesk.services.intake import process_inbound, receive_email
from offload.tenancy.models import Contact
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(world, settings):
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False

    def sign_in(key: str) -> HttpClient:
        http = HttpClient()
        http.force_login(world.user(key))
        return http

    return sign_in


def held(recipient: str = "support@acme.example", sender: str = "stranger@nowhere.example") -> InboundMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "<script>alert(1)</script> Need help"
    message["Message-ID"] = f"<{sender}.{recipient}>"
    message.set_content("Our <b>server</b> is down.")
    message.add_alternative(
        '<p onclick="x()">Our <b>server</b> is down.</p><script>alert(2)</script>', "html"
    )
    stored = receive_email(raw=message.as_bytes(), recipient=recipient)
    assert isinstance(stored, InboundMessage)
    return process_inbound(stored.pk)


def test_held_mail_is_listed_and_shown_escaped(world, signed_in):
    """A technician sees the quarantined mail with its reason; subject, headers and text are escaped."""
    message = held()
    assert (message.status, message.reason) == (InboundStatus.QUARANTINED, "unknown_sender")
    http = signed_in("technician")
    page = http.get("/mail/")
    assert page.status_code == 200
    assert "unknown_sender" in page.content.decode()
    detail = http.get(f"/mail/{message.pk}/").content.decode()
    assert "<script>alert" not in detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "onclick" not in detail
    raw = http.get(f"/mail/{message.pk}/raw/")
    assert raw["Content-Type"].startswith("text/plain")
    assert raw["X-Content-Type-Options"] == "nosniff"


def test_file_for_a_client_opens_a_ticket_and_discard_keeps_it_ignored(world, signed_in):
    """Filing a held mail for a client makes the sender its contact and opens the ticket; discard ignores."""
    message = held()
    http = signed_in("service_manager")
    response = http.post(f"/mail/{message.pk}/action/", {"action": "file", "client": world.clients["a1"].pk})
    assert response.status_code == 302
    with system_scope("test"):
        message.refresh_from_db()
        ticket = Ticket.objects.get(pk=message.ticket_id)
        assert Contact.objects.get(email="stranger@nowhere.example").client_id == world.clients["a1"].pk
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    other = held(sender="spam@nowhere.example")
    http.post(f"/mail/{other.pk}/action/", {"action": "discard"})
    with system_scope("test"):
        other.refresh_from_db()
    assert (other.status, other.reason) == (InboundStatus.IGNORED, "discarded")


def test_another_msps_mail_and_mailbox_are_404_and_clients_are_refused(world, signed_in):
    """Bravo's held mail and mailbox are not found for Acme's staff; a client user gets no mail page."""
    foreign = held(recipient="support@bravo.example")
    with system_scope("test"):
        box = Mailbox.objects.create(msp=world.msp_b, name="FOREIGN box", host="x", username="u")
    http = signed_in("msp_owner")
    assert http.get(f"/mail/{foreign.pk}/").status_code == 404
    assert http.post(f"/mail/{foreign.pk}/action/", {"action": "discard"}).status_code == 404
    assert http.get(f"/mail/mailboxes/{box.pk}/").status_code == 404
    assert "FOREIGN" not in http.get("/mail/mailboxes/").content.decode()
    assert signed_in("client_user").get("/mail/").status_code == 403


def test_owner_adds_a_mailbox_and_secrets_are_never_shown(world, signed_in):
    """An owner adds an IMAP mailbox; its edit page never shows the password, and saving empty keeps it."""
    http = signed_in("msp_owner")
    response = http.post(
        "/mail/mailboxes/",
        {
            "name": "Support",
            "host": "imap.acme.example",
            "port": 993,
            "security": "ssl",
            "username": "support@acme.example",
            "auth": "password",
            "password": "hunter2-secret",
            "folder": "INBOX",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with system_scope("test"):
        box = Mailbox.objects.get(name="Support")
    assert box.msp_id == world.msp_a.pk
    page = http.get(f"/mail/mailboxes/{box.pk}/").content.decode()
    assert "hunter2-secret" not in page
    http.post(
        f"/mail/mailboxes/{box.pk}/",
        {
            "name": "Support desk",
            "host": "imap.acme.example",
            "port": 993,
            "security": "ssl",
            "username": "support@acme.example",
            "auth": "password",
            "password": "",
            "folder": "INBOX",
        },
    )
    with system_scope("test"):
        box.refresh_from_db()
    assert (box.name, box.password, box.is_active) == ("Support desk", "hunter2-secret", False)
    assert signed_in("technician").post("/mail/mailboxes/", {"name": "x"}).status_code == 403
