"""Mail in from a real Dovecot: delivered by dovecot-lda, polled over IMAP, filed and threaded."""

from __future__ import annotations

import io
import json
import threading
import urllib.parse
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from imap_tools import AND, MailBoxUnencrypted

from offload.core.tasks.testing import drain
from offload.servicedesk.models import (
    InboundMessage,
    InboundStatus,
    Mailbox,
    MailboxAuth,
    MailboxSecurity,
    Ticket,
)
from offload.servicedesk.services.mailboxes import fetch_access_token, is_due, poll_mailbox, token_request
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

SUPPORT = "support@acme.example"


@pytest.fixture
def people(world):
    with system_scope("test setup"):
        alice, bob = world.contacts["a1"]
        alice.email, bob.email = "alice@alphaone.example", "bob@alphaone.example"
        alice.save(update_fields=["email"])
        bob.save(update_fields=["email"])
    return {"alice": alice, "bob": bob}


def mail(sender: str, subject: str, msg_id: str, body: str = "Hello", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<{msg_id}>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def make_mailbox(world, dovecot, **fields) -> Mailbox:
    with system_scope("test setup"):
        return Mailbox.objects.create(
            msp=world.msp_a,
            name="Support inbox",
            host="127.0.0.1",
            port=dovecot.port,
            security=MailboxSecurity.NONE,
            username=dovecot.user,
            password=dovecot.password,
            **fields,
        )


def poll(mailbox: Mailbox):
    with system_scope("test poll", msp_id=mailbox.msp_id):
        return poll_mailbox(mailbox)


def unseen(dovecot, folder: str = "INBOX") -> list[str]:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(dovecot.user, dovecot.password, folder) as box:
        return list(box.uids(AND(seen=False)))


def test_polled_mail_opens_threads_and_ignores(people, world, dovecot):
    """A new mail opens a ticket, a header reply threads into it, an out-of-office is ignored; all seen."""
    dovecot.deliver(mail("Alice <alice@alphaone.example>", "Printer jammed", "p1@alphaone.example"))
    dovecot.deliver(
        mail(
            "bob@alphaone.example",
            "Re: Printer jammed",
            "p2@alphaone.example",
            "Mine too.",
            In_Reply_To="<p1@alphaone.example>",
        )
    )
    dovecot.deliver(
        mail(
            "alice@alphaone.example",
            "Out of office",
            "p3@alphaone.example",
            "I am away.",
            Auto_Submitted="auto-replied",
        )
    )
    mailbox = make_mailbox(world, dovecot)
    result = poll(mailbox)
    assert (result.stored, result.failed, result.connection_error) == (3, 0, "")
    assert unseen(dovecot) == []
    drain()
    with system_scope("test"):
        [ticket] = Ticket.objects.all()
        outcome = dict(InboundMessage.objects.values_list("message_id", "status"))
        threaded = InboundMessage.objects.get(message_id="p2@alphaone.example")
        mailbox.refresh_from_db()
    assert outcome == {
        "p1@alphaone.example": InboundStatus.PROCESSED,
        "p2@alphaone.example": InboundStatus.PROCESSED,
        "p3@alphaone.example": InboundStatus.IGNORED,
    }
    assert threaded.ticket_id == ticket.pk
    assert (mailbox.messages_fetched, mailbox.last_error, mailbox.consecutive_failures) == (3, "", 0)
    assert mailbox.last_success_at is not None
    assert poll(mailbox).stored == 0  # nothing unseen is left: nothing fetched twice


def test_processed_mail_is_moved_and_a_bad_message_does_not_block(people, world, dovecot):
    """Fetched mail moves to the processed folder; an unreadable message never stops the next one."""
    dovecot.deliver(b"\x00\x01 garbage without any header\r\n")
    dovecot.deliver(mail("alice@alphaone.example", "Keyboard", "k1@alphaone.example"))
    mailbox = make_mailbox(world, dovecot, processed_folder="Processed")
    assert poll(mailbox).stored == 2
    assert unseen(dovecot) == []
    assert len(unseen(dovecot, "Processed")) == 2
    drain()
    with system_scope("test"):
        statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
        assert Ticket.objects.filter(subject="Keyboard").exists()
    assert InboundStatus.PROCESSED in statuses
    assert len(statuses) == 2


def test_a_login_failure_is_recorded_and_retried_later(people, world, dovecot):
    """A wrong password leaves the mail on the server, records the error and backs off; fixed, it polls."""
    dovecot.deliver(mail("alice@alphaone.example", "Screen", "s1@alphaone.example"))
    mailbox = make_mailbox(world, dovecot)
    with system_scope("test"):
        Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
        mailbox.refresh_from_db()
    result = poll(mailbox)
    assert result.connection_error
    assert "AUTHENTICATIONFAILED" in mailbox.last_error or "failed" in mailbox.last_error.lower()
    assert mailbox.consecutive_failures == 1
    assert not is_due(mailbox)
    assert unseen(dovecot) != []
    with system_scope("test"):
        Mailbox.objects.filter(pk=mailbox.pk).update(password=dovecot.password)
        mailbox.refresh_from_db()
    assert poll(mailbox).stored == 1
    assert (mailbox.consecutive_failures, mailbox.last_error) == (0, "")


def test_mta_pipe_files_the_same_messages(people, world, dovecot):
    """The messages an MTA delivered are piped to `offload ingest-email` and thread the same way."""
    first = mail("alice@alphaone.example", "Backup failed", "b1@alphaone.example")
    reply = mail(
        "bob@alphaone.example",
        "Re: Backup failed",
        "b2@alphaone.example",
        In_Reply_To="<b1@alphaone.example>",
    )
    for raw in (first, reply):
        dovecot.deliver(raw)  # the MTA's local delivery, and the same bytes down its pipe transport
        call_command("ingest_email", to=SUPPORT, stdin=io.BytesIO(raw), stdout=io.StringIO())
    drain()
    with system_scope("test"):
        [ticket] = Ticket.objects.all()
        assert set(InboundMessage.objects.values_list("ticket_id", flat=True)) == {ticket.pk}
    # Polling the mailbox afterwards finds the same Message-IDs: stored once, nothing doubled.
    assert poll(make_mailbox(world, dovecot)).stored == 2
    drain()
    with system_scope("test"):
        assert InboundMessage.objects.count() == 2
        assert Ticket.objects.count() == 1


class _TokenEndpoint(BaseHTTPRequestHandler):
    requests: list[dict[str, list[str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        type(self).requests.append({**form, "content-type": [self.headers["Content-Type"]]})
        body = json.dumps(
            {"access_token": "at-123", "token_type": "Bearer", "refresh_token": "rt-2"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_xoauth2_refresh_token_is_traded_for_an_access_token(world):
    """The OAuth refresh request carries the client and token as a form; a rotated refresh token is kept."""
    server = HTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with system_scope("test", msp_id=world.msp_a.pk):
            mailbox = Mailbox.objects.create(
                msp=world.msp_a,
                name="M365",
                host="outlook.office365.com",
                username="support@acme.example",
                auth=MailboxAuth.XOAUTH2,
                oauth_token_url=f"http://127.0.0.1:{server.server_port}/tenant/oauth2/v2.0/token",
                oauth_client_id="client-1",
                oauth_client_secret="secret-1",
                oauth_refresh_token="rt-1",
                oauth_scope="https://outlook.office365.com/IMAP.AccessAsUser.All offline_access",
            )
            assert token_request(mailbox).get_method() == "POST"
            assert fetch_access_token(mailbox) == "at-123"
            mailbox.refresh_from_db()
    finally:
        server.shutdown()
    [sent] = _TokenEndpoint.requests
    assert sent == {
        "grant_type": ["refresh_token"],
        "client_id": ["client-1"],
        "client_secret": ["secret-1"],
        "refresh_token": ["rt-1"],
        "scope": ["https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"],
        "content-type": ["application/x-www-form-urlencoded"],
    }
    assert mailbox.oauth_refresh_token == "rt-2"
