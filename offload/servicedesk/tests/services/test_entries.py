"""The thread: replies and notes, hostile HTML, attachments and their limits, canned replies."""

from __future__ import annotations

import hashlib

import pytest

from offload.core.errors import DomainError
from offload.servicedesk.choices import TicketStatus, Transition, Visibility
from offload.servicedesk.models import Attachment, TicketEntry
from offload.servicedesk.services import entries
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.servicedesk.tests.factories import CannedReplyFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(world, acting_as):
    with acting_as("client_user"):
        return open_ticket(
            actor=world.user("client_user"), client=world.clients["a1"], subject="Outlook crashes"
        )


HOSTILE = [
    "<p>Hi</p><script>alert(document.cookie)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<div style="background:url(https://evil.example/track.png)">x</div>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    '<img src="https://tracker.example/pixel.gif">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_html_is_sanitized_on_write(world, acting_as, ticket, html):
    """Scripts, event handlers, javascript:/data: links, remote images and CSS never reach storage."""
    with acting_as("technician"):
        entry = entries.add_reply(actor=world.user("technician"), ticket=ticket, body="text", body_html=html)
        stored = TicketEntry.objects.get(pk=entry.pk).body_html.lower()
    for needle in ("<script", "onerror", "javascript:", "style=", "<iframe", "https://tracker", "data:"):
        assert needle not in stored


def test_plain_text_reply_is_escaped_into_html(world, acting_as, ticket):
    """A plain-text body is shown as text: angle brackets are escaped, not interpreted."""
    with acting_as("technician"):
        entry = entries.add_reply(
            actor=world.user("technician"), ticket=ticket, body="<b>not bold</b>\nline 2"
        )
    assert "&lt;b&gt;" in entry.body_html
    assert "<br>" in entry.body_html


def test_agent_reply_sets_first_response_once(world, acting_as, ticket):
    """The first staff reply is the first response; a later one only moves last agent reply."""
    with acting_as("technician"):
        entries.add_reply(actor=world.user("technician"), ticket=ticket, body="On it")
        ticket.refresh_from_db()
        first = ticket.first_response_at
        entries.add_reply(actor=world.user("technician"), ticket=ticket, body="Still on it")
        ticket.refresh_from_db()
    assert ticket.first_response_at == first
    assert ticket.last_agent_reply_at > first


def test_customer_reply_resumes_work_and_reopens_resolved(world, acting_as, ticket):
    """A reply from the client takes a ticket off waiting-on-client, and reopens a resolved one."""
    tech = world.user("technician")
    with acting_as("technician"):
        ticket = transition_ticket(actor=tech, ticket=ticket, transition=Transition.START_WORK)
        ticket = transition_ticket(actor=tech, ticket=ticket, transition=Transition.WAIT_ON_CLIENT)
    with acting_as("client_user"):
        entries.add_reply(actor=world.user("client_user"), ticket=ticket, body="Here is the log")
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.IN_PROGRESS
    with acting_as("technician"):
        ticket = transition_ticket(actor=tech, ticket=ticket, transition=Transition.RESOLVE)
    with acting_as("client_user"):
        entry = entries.add_reply(actor=world.user("client_user"), ticket=ticket, body="Still broken")
        ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert entry.author_contact == world.contacts["a1"][1]


def test_customer_cannot_reply_to_a_closed_ticket(world, acting_as, ticket):
    """Mail to a closed ticket must not silently revive it: the reply is refused with a code."""
    with acting_as("technician"):
        ticket = transition_ticket(actor=world.user("technician"), ticket=ticket, transition=Transition.CLOSE)
    with system_scope("mail intake"), pytest.raises(DomainError) as refused:
        entries.add_reply(actor=None, ticket=ticket, body="thanks!", author_contact=world.contacts["a1"][1])
    assert refused.value.code == "ticket_closed"


def test_client_never_reads_internal_notes(world, acting_as, ticket):
    """Internal notes and their files are invisible to the client, in lists and by id."""
    with acting_as("technician"):
        note = entries.add_note(actor=world.user("technician"), ticket=ticket, body="Client is difficult")
        entries.add_attachment(
            actor=world.user("technician"), entry=note, content=b"secret", filename="notes.txt"
        )
    with acting_as("client_user"):
        assert not TicketEntry.objects.filter(pk=note.pk).exists()
        assert not Attachment.objects.filter(entry_id=note.pk).exists()
        assert TicketEntry.objects.filter(ticket=ticket).count() == 1  # the public "created" event
    with acting_as("msp_owner"):
        assert TicketEntry.objects.filter(pk=note.pk).exists()


def test_provider_notes_stay_with_the_provider(world, acting_as, ticket):
    """A provider-internal note is read by the NOC, not by the MSP's own staff."""
    with acting_as("noc_agent"):
        note = entries.add_note(
            actor=world.user("noc_agent"),
            ticket=ticket,
            body="NOC only",
            visibility=Visibility.PROVIDER_INTERNAL,
        )
        assert TicketEntry.objects.filter(pk=note.pk).exists()
    with acting_as("msp_owner"):
        assert not TicketEntry.objects.filter(pk=note.pk).exists()


def test_client_cannot_write_internal_notes(world, acting_as, ticket):
    """Notes are staff work."""
    with acting_as("client_user"), pytest.raises(DomainError):
        entries.add_note(actor=world.user("client_user"), ticket=ticket, body="sneaky")


def test_attachment_is_stored_under_a_random_path_with_its_checksum(world, acting_as, ticket):
    """The file's storage path reveals neither its name nor its ticket; size and sha256 are kept."""
    content = b"%PDF-1.4 invoice"
    with acting_as("client_user"):
        reply = entries.add_reply(actor=world.user("client_user"), ticket=ticket, body="see attached")
        attachment = entries.add_attachment(
            actor=world.user("client_user"),
            entry=reply,
            content=content,
            filename="../../etc/Invoice 12.pdf",
            content_type="application/pdf",
        )
    assert attachment.filename == "Invoice 12.pdf"
    assert "invoice" not in attachment.file.name.lower()
    assert ticket.reference not in attachment.file.name
    assert (attachment.size, attachment.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


def test_attachment_size_limit(world, acting_as, ticket, settings):
    """A file over the size limit is refused with attachment_too_large and nothing is stored."""
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 1024
    with acting_as("technician"):
        reply = entries.add_reply(actor=world.user("technician"), ticket=ticket, body="x")
        with pytest.raises(DomainError) as refused:
            entries.add_attachment(
                actor=world.user("technician"), entry=reply, content=b"x" * 1025, filename="a"
            )
        assert refused.value.code == "attachment_too_large"
        assert not Attachment.objects.exists()


def test_attachment_count_limit(world, acting_as, ticket, settings):
    """Past the per-message count the next file is refused with too_many_attachments."""
    settings.SERVICEDESK_ATTACHMENTS_MAX_PER_ENTRY = 2
    with acting_as("technician"):
        reply = entries.add_reply(actor=world.user("technician"), ticket=ticket, body="x")
        for name in ("a", "b"):
            entries.add_attachment(actor=world.user("technician"), entry=reply, content=b"1", filename=name)
        with pytest.raises(DomainError) as refused:
            entries.add_attachment(actor=world.user("technician"), entry=reply, content=b"1", filename="c")
    assert refused.value.code == "too_many_attachments"


def test_empty_attachment_is_refused(world, acting_as, ticket):
    """A zero-byte file is a mistake, not an attachment."""
    with acting_as("technician"):
        reply = entries.add_reply(actor=world.user("technician"), ticket=ticket, body="x")
        with pytest.raises(DomainError) as refused:
            entries.add_attachment(actor=world.user("technician"), entry=reply, content=b"", filename="a")
    assert refused.value.code == "empty_attachment"


def test_canned_reply_fills_known_placeholders_only(world, acting_as, ticket):
    """Known placeholders are filled in; unknown or dangerous ones stay as typed."""
    canned = CannedReplyFactory(
        msp=world.msp_a,
        body="Hi {{contact.first_name}}, {{ticket.reference}} {{settings.SECRET_KEY}} {{ticket.__class__}}",
    )
    with acting_as("technician"):
        entry = entries.apply_canned_reply(actor=world.user("technician"), ticket=ticket, canned=canned)
    assert entry.body == "Hi Alpha One Bob, ACME-1 {{settings.SECRET_KEY}} {{ticket.__class__}}"


def test_canned_reply_of_another_msp_is_refused(world, acting_as, ticket):
    """A canned reply of another MSP cannot be sent on this MSP's ticket."""
    canned = CannedReplyFactory(msp=world.msp_b)
    with acting_as("technician"), pytest.raises(DomainError):
        entries.apply_canned_reply(actor=world.user("technician"), ticket=ticket, canned=canned)
