"""Mail intake: raw bytes stored first, then filed as a reply or a ticket, or ignored, or held."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.testing import drain
from offload.servicedesk.choices import EntryKind, TicketSource, Visibility
from offload.servicedesk.models import (
    InboundMessage,
    InboundStatus,
    MessageDirection,
    Ticket,
    TicketEntry,
    UnroutedMessage,
)
from offload.servicedesk.services.intake import process_inbound, receive_email, remember_message_id
from offload.tenancy.models import Contact
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

SUPPORT = "support@acme.example"  # msp_a's brand (world fixture)
CORPUS = Path(__file__).resolve().parents[3] / "core" / "mail" / "tests" / "corpus"


@pytest.fixture
def people(world):
    """Known addresses: Alice and Bob of client a1, Carol of client a2 (same MSP, another client)."""
    with system_scope("test setup"):
        alice, bob = world.contacts["a1"]
        carol = world.contacts["a2"][0]
        for contact, email in (
            (alice, "alice@alpha-one.example"),
            (bob, "bob@alpha-one.example"),
            (carol, "carol@alpha-two.example"),
        ):
            contact.email = email
            contact.save(update_fields=["email"])
    return {"alice": alice, "bob": bob, "carol": carol}


def mail(
    sender: str, subject: str, msg_id: str, body: str = "Printer on floor 2 is jammed.", **headers: str
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<{msg_id}>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def deliver(raw: bytes, recipient: str = SUPPORT) -> InboundMessage:
    stored = receive_email(raw=raw, recipient=recipient)
    assert isinstance(stored, InboundMessage)
    return process_inbound(stored.pk)


def tickets() -> list[Ticket]:
    with system_scope("test check"):
        return list(Ticket.objects.order_by("id"))


def test_mail_from_a_known_contact_opens_an_email_ticket(people):
    """A first mail from a client's contact opens a ticket for that client with source email."""
    raw = mail("Alice <alice@alpha-one.example>", "Printer jammed", "m1@alpha-one.example")
    message = deliver(raw)
    assert message.status == InboundStatus.PROCESSED
    [ticket] = tickets()
    assert (ticket.client_id, ticket.contact_id, ticket.source) == (
        people["alice"].client_id,
        people["alice"].pk,
        TicketSource.EMAIL,
    )
    assert "jammed" in ticket.description
    assert message.ticket_id == ticket.pk
    assert bytes(message.raw) == raw  # the bytes as received, kept


def test_reply_threads_by_in_reply_to_header(people):
    """A mail whose In-Reply-To names a stored message becomes a public reply from the contact."""
    first = deliver(mail("alice@alpha-one.example", "VPN down", "a@alpha-one.example"))
    reply = deliver(
        mail(
            "bob@alpha-one.example",
            "Re: VPN down",
            "b@alpha-one.example",
            body="Still down.",
            In_Reply_To="<a@alpha-one.example>",
        )
    )
    assert len(tickets()) == 1
    assert reply.ticket_id == first.ticket_id
    with system_scope("test check"):
        entry = reply.entry
    assert entry is not None
    assert (entry.kind, entry.visibility, entry.author_contact_id) == (
        EntryKind.REPLY,
        Visibility.PUBLIC,
        people["bob"].pk,
    )
    assert "Still down." in entry.body


def test_reply_threads_by_references_to_our_outbound_message_id(people):
    """A reply referencing the Message-ID of a mail we sent lands on that mail's ticket."""
    first = deliver(mail("alice@alpha-one.example", "Laptop slow", "c@alpha-one.example"))
    with system_scope("test"):
        ticket = first.ticket
        assert ticket is not None
        remember_message_id(
            ticket=ticket, message_id="<Out-1@offload.example>", direction=MessageDirection.OUTBOUND
        )
    reply = deliver(
        mail(
            "alice@alpha-one.example",
            "Re: something else",
            "d@alpha-one.example",
            References="<unknown@x.example> <out-1@offload.example>",
        )
    )
    assert reply.ticket_id == ticket.pk
    assert len(tickets()) == 1


def test_subject_tag_threads_for_the_tickets_own_client(people):
    """Without threading headers, [ACME-n] threads when the sender is of the ticket's client."""
    first = deliver(mail("alice@alpha-one.example", "Scanner broken", "e@alpha-one.example"))
    ref = tickets()[0].reference
    reply = deliver(mail("bob@alpha-one.example", f"Re: [{ref}] Scanner broken", "f@alpha-one.example"))
    assert reply.status == InboundStatus.PROCESSED
    assert reply.ticket_id == first.ticket_id
    assert reply.entry_id is not None


def test_subject_tag_from_another_clients_sender_opens_a_new_ticket(people):
    """A foreign client's mail carrying our ticket's tag is never appended to that ticket (lessons §1)."""
    first = deliver(mail("alice@alpha-one.example", "Payroll export", "g@alpha-one.example"))
    ref = tickets()[0].reference
    foreign = deliver(mail("carol@alpha-two.example", f"Re: [{ref}] Payroll export", "h@alpha-two.example"))
    assert foreign.status == InboundStatus.PROCESSED
    assert foreign.ticket_id != first.ticket_id
    with system_scope("test check"):
        assert foreign.ticket is not None
        assert foreign.ticket.client_id == people["carol"].client_id
        assert not TicketEntry.objects.filter(ticket=first.ticket, kind=EntryKind.REPLY).exists()


def test_duplicate_message_id_is_stored_and_processed_once(people):
    """Delivering the same Message-ID twice keeps one row and enqueues one task."""
    raw = mail("alice@alpha-one.example", "Dup", "dup@alpha-one.example")
    one = receive_email(raw=raw, recipient=SUPPORT)
    two = receive_email(raw=raw, recipient="SUPPORT@Acme.Example")
    assert one.pk == two.pk
    with system_scope("test check"):
        assert InboundMessage.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    drain()
    assert len(tickets()) == 1


def test_auto_reply_is_ignored_and_never_touches_the_thread(people):
    """An out-of-office answer to our mail is ignored with its reason: no reply, no reopen, no ticket."""
    first = deliver(mail("alice@alpha-one.example", "Mailbox full", "i@alpha-one.example"))
    auto = deliver(
        mail(
            "alice@alpha-one.example",
            "Automatic reply: Mailbox full",
            "j@alpha-one.example",
            In_Reply_To="<i@alpha-one.example>",
            Auto_Submitted="auto-replied",
        )
    )
    assert (auto.status, auto.reason, auto.ticket_id) == (InboundStatus.IGNORED, "auto_reply", None)
    with system_scope("test check"):
        assert not TicketEntry.objects.filter(ticket=first.ticket, kind=EntryKind.REPLY).exists()
    assert len(tickets()) == 1


def test_unknown_sender_domain_is_quarantined_for_review(people):
    """A sender no client owns is held (quarantined, unknown_sender) and opens nothing."""
    message = deliver(mail("stranger@nowhere.example", "Hello", "k@nowhere.example"))
    assert (message.status, message.reason, message.ticket_id) == (
        InboundStatus.QUARANTINED,
        "unknown_sender",
        None,
    )
    assert tickets() == []


def test_unknown_sender_of_a_client_domain_becomes_a_contact(people, world):
    """A new address in a client's mail domain is created as that client's contact, then files a ticket."""
    message = deliver(mail("Dave <dave@alpha-one.example>", "New starter", "l@alpha-one.example"))
    assert message.status == InboundStatus.PROCESSED
    with system_scope("test check"):
        dave = Contact.objects.get(email="dave@alpha-one.example")
    assert dave.client_id == world.clients["a1"].pk
    assert message.contact_id == dave.pk


def test_mail_for_an_unknown_recipient_is_kept_unrouted(people):
    """A recipient that is no brand's support address is kept as an unrouted message, not guessed."""
    stored = receive_email(
        raw=mail("alice@alpha-one.example", "x", "m@x.example"), recipient="nobody@else.example"
    )
    assert isinstance(stored, UnroutedMessage)
    assert stored.reason == "unknown_recipient"
    with system_scope("test check"):
        assert InboundMessage.objects.count() == 0


def test_parse_failure_is_quarantined_and_does_not_block_the_next_message(people):
    """An unreadable mail is quarantined with its reason while the next one is filed by the worker."""
    bad = receive_email(raw=b"   \r\n", recipient=SUPPORT)
    good = receive_email(
        raw=mail("alice@alpha-one.example", "After the bad one", "n@alpha-one.example"), recipient=SUPPORT
    )
    drain()
    with system_scope("test check"):
        bad = InboundMessage.objects.get(pk=bad.pk)
        good = InboundMessage.objects.get(pk=good.pk)
    assert (bad.status, bad.reason) == (InboundStatus.QUARANTINED, "parse_empty")
    assert good.status == InboundStatus.PROCESSED
    assert good.ticket_id is not None


def test_pipe_command_stores_the_message_read_from_stdin(people):
    """`offload ingest-email --to` stores stdin for the brand and returns normally (exit 0)."""
    out = io.StringIO()
    call_command(
        "ingest-email",
        to=SUPPORT,
        stdin=io.BytesIO(mail("alice@alpha-one.example", "Pipe", "p@a.example")),
        stdout=out,
    )
    assert "stored inbound message" in out.getvalue()
    with system_scope("test check"):
        assert InboundMessage.objects.get().message_id == "p@a.example"


def test_pipe_command_refuses_a_bad_recipient_with_ex_usage(people):
    """A --to that is no address is a usage error (64), not a temporary failure."""
    with pytest.raises(CommandError) as caught:
        call_command("ingest_email", to="nobody", stdin=io.BytesIO(b"Subject: x\r\n\r\nx"))
    assert caught.value.returncode == 64


def test_pipe_command_exits_75_when_the_database_is_unavailable(tmp_path):
    """With no reachable database the pipe exits 75 (EX_TEMPFAIL) so that the MTA retries later."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"}
    done = subprocess.run(
        [sys.executable, "-m", "offload.config.cli", "ingest-email", "--to", SUPPORT],
        input=mail("alice@alpha-one.example", "x", "q@a.example"),
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 75, done.stderr.decode()[-2000:]


def test_every_corpus_message_ends_processed_ignored_or_quarantined(people, world):
    """Each message of the parser's corpus is received and processed without a crash, and none is lost."""
    with system_scope("test setup"):
        client = world.clients["a1"]
        client.email_domains = [*client.email_domains, "client.example", "vendor.example"]
        client.save(update_fields=["email_domains"])
    files = sorted(CORPUS.glob("*.eml"))
    assert len(files) > 60
    stored = [receive_email(raw=path.read_bytes(), recipient=SUPPORT) for path in files]
    ids = {row.pk for row in stored}
    for pk in ids:
        process_inbound(pk)
    with system_scope("test check"):
        rows = list(InboundMessage.objects.filter(pk__in=ids))
    assert len(rows) == len(ids)
    assert {r.status for r in rows} <= {
        InboundStatus.PROCESSED,
        InboundStatus.IGNORED,
        InboundStatus.QUARANTINED,
    }
    assert not [r for r in rows if r.retryable], [(r.message_id, r.error) for r in rows if r.retryable]
    assert sum(r.status == InboundStatus.PROCESSED for r in rows) > 30
    assert sum(r.status == InboundStatus.IGNORED for r in rows) >= 5


def test_header_reply_from_another_clients_contact_becomes_an_internal_note(people):
    """Another client's person answering by header is kept for staff, never shown as a public reply."""
    first = deliver(mail("alice@alpha-one.example", "Shared printer", "r@alpha-one.example"))
    other = deliver(
        mail(
            "carol@alpha-two.example",
            "Re: Shared printer",
            "s@alpha-two.example",
            In_Reply_To="<r@alpha-one.example>",
        )
    )
    assert other.ticket_id == first.ticket_id
    with system_scope("test check"):
        entry = other.entry
        assert entry is not None
        assert (entry.kind, entry.visibility) == (EntryKind.NOTE, Visibility.MSP_INTERNAL)
        assert not TicketEntry.objects.filter(ticket=first.ticket, kind=EntryKind.REPLY).exists()


def test_mail_from_our_own_support_address_is_ignored(people):
    """A mail sent from the brand's own address (a loop through a forwarder) is ignored, not filed."""
    message = deliver(mail(SUPPORT, "Your ticket was updated", "t@acme.example"))
    assert (message.status, message.reason) == (InboundStatus.IGNORED, "own_mail")
    assert tickets() == []
