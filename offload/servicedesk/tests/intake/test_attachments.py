"""Files and inline images of a mail end up on its ticket, within the ticket's limits."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from offload.servicedesk.models import Attachment, InboundMessage, InboundStatus, TicketEntry
from offload.servicedesk.services.intake import process_inbound, receive_email
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

SUPPORT = "support@acme.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def alice(world):
    with system_scope("test setup"):
        contact = world.contacts["a1"][0]
        contact.email = "alice@alphaone.example"
        contact.save(update_fields=["email"])
    return contact


def with_files(
    msg_id: str, files: list[tuple[str, bytes]], *, in_reply_to: str = "", inline: int = 0
) -> bytes:
    message = EmailMessage()
    message["From"] = "alice@alphaone.example"
    message["To"] = SUPPORT
    message["Subject"] = "Screenshots"
    message["Message-ID"] = f"<{msg_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    message.set_content("See the files.")
    if inline:
        html = "".join(f'<p><img src="cid:img{n}@x"></p>' for n in range(inline))
        message.add_alternative(f"<p>See the files.</p>{html}", subtype="html")
        body = message.get_payload()[1]
        for n in range(inline):
            body.add_related(
                PNG + bytes([n]),
                "image",
                "png",
                cid=f"<img{n}@x>",
                filename=f"img{n}.png",
                disposition="inline",
            )
    for name, content in files:
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def deliver(raw: bytes) -> InboundMessage:
    stored = receive_email(raw=raw, recipient=SUPPORT)
    assert isinstance(stored, InboundMessage)
    return process_inbound(stored.pk)


def test_new_ticket_keeps_files_and_inline_images(alice, settings, tmp_path):
    """A new ticket by mail keeps its attachments and inline images on a reply from the requester."""
    settings.MEDIA_ROOT = tmp_path / "media"
    message = deliver(with_files("f1@alphaone.example", [("report.pdf", b"%PDF-1.4 fake")], inline=2))
    assert message.status == InboundStatus.PROCESSED, message.error
    with system_scope("test"):
        files = list(Attachment.objects.filter(entry__ticket_id=message.ticket_id).order_by("filename"))
        entry = files[0].entry
    assert [(f.filename, f.is_inline) for f in files] == [
        ("img0.png", True),
        ("img1.png", True),
        ("report.pdf", False),
    ]
    assert entry.author_contact_id == alice.pk
    assert files[2].file.read() == b"%PDF-1.4 fake"


def test_files_beyond_the_limits_are_named_in_a_note(alice, settings, tmp_path):
    """Too large or too many files are dropped and named for staff in an internal note; the reply is kept."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 100
    settings.SERVICEDESK_ATTACHMENTS_MAX_PER_ENTRY = 2
    first = deliver(with_files("f2@alphaone.example", []))
    reply = deliver(
        with_files(
            "f3@alphaone.example",
            [("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c"), ("big.bin", b"x" * 500)],
            in_reply_to="f2@alphaone.example",
        )
    )
    assert (reply.status, reply.ticket_id) == (InboundStatus.PROCESSED, first.ticket_id)
    with system_scope("test"):
        kept = sorted(Attachment.objects.filter(entry_id=reply.entry_id).values_list("filename", flat=True))
        note = TicketEntry.objects.get(ticket_id=first.ticket_id, kind="note")
    assert kept == ["a.txt", "b.txt"]
    assert "c.txt (too_many_attachments)" in note.body
    assert "big.bin (attachment_too_large)" in note.body
