"""The attachment API: upload with limits, list, and download only through the access check."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from offload.api.testing import BASE, api_as
from offload.servicedesk.choices import EntryKind, Visibility
from offload.servicedesk.models import Attachment, Ticket, TicketEntry
from offload.servicedesk.services import entries
from offload.servicedesk.tests import factories as sf
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def _ticket(world, key: str = "a1") -> Ticket:
    with system_scope("test set-up"):
        client = world.clients[key]
        return sf.TicketFactory(client=client, msp=client.msp, contact=world.contacts[key][1])


def _upload(api, ticket: Ticket, *files: SimpleUploadedFile, **form: str):
    return api.client.post(f"{BASE}/tickets/{ticket.pk}/attachments", {"files": list(files), **form})


def test_staff_upload_files_as_a_note_and_list_them(world):
    """Two files in one request land on one new internal note and are listed with download links."""
    ticket = _ticket(world)
    api = api_as(world.user("technician"))
    response = _upload(
        api,
        ticket,
        SimpleUploadedFile("a.txt", b"one", content_type="text/plain"),
        SimpleUploadedFile("b.png", b"\x89PNG", content_type="image/png"),
        kind="note",
    )
    assert response.status_code == 201, response.content
    names = [a["filename"] for a in response.json()]
    assert names == ["a.txt", "b.png"]
    with system_scope("test check"):
        entry = TicketEntry.objects.get(ticket=ticket, kind=EntryKind.NOTE)
    assert {a["entry_id"] for a in response.json()} == {entry.pk}
    listed = api.get(f"/tickets/{ticket.pk}/attachments").json()["items"]
    assert [a["filename"] for a in listed] == ["a.txt", "b.png"]
    assert listed[0]["download_url"] == f"/api/v1/attachments/{listed[0]['id']}/download"


def test_limits_are_enforced(world, settings):
    """A file over the size limit is refused with its code, and nothing is stored."""
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = _ticket(world)
    api = api_as(world.user("technician"))
    response = _upload(api, ticket, SimpleUploadedFile("big.bin", b"x" * 11))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "attachment_too_large"
    with system_scope("test check"):
        assert not Attachment.objects.filter(entry__ticket=ticket).exists()
        assert not TicketEntry.objects.filter(ticket=ticket, kind=EntryKind.REPLY).exists()


def test_client_downloads_public_files_only(world):
    """A client user downloads files of public replies on their ticket; a note's file is not found."""
    ticket = _ticket(world)
    with system_scope("test set-up"):
        public = TicketEntry.objects.create(
            msp=ticket.msp, ticket=ticket, kind=EntryKind.REPLY, body="p", created_at=ticket.created_at
        )
        note = TicketEntry.objects.create(
            msp=ticket.msp,
            ticket=ticket,
            kind=EntryKind.NOTE,
            visibility=Visibility.MSP_INTERNAL,
            body="n",
            created_at=ticket.created_at,
        )
        shown = entries.add_attachment(
            actor=None, entry=public, content=b"<h1>hi</h1>", filename="x.html", content_type="text/html"
        )
        hidden = entries.add_attachment(actor=None, entry=note, content=b"secret", filename="s.txt")
    api = api_as(world.user("client_user"))
    response = api.get(f"/attachments/{shown.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<h1>hi</h1>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert api.get(f"/attachments/{hidden.pk}/download").status_code == 404
    listed = api.get(f"/tickets/{ticket.pk}/attachments").json()["items"]
    assert [a["id"] for a in listed] == [shown.pk]


def test_foreign_tickets_and_files_are_not_found(world):
    """Another client's ticket and file answer 404 to a limited technician, for upload too."""
    ticket = _ticket(world, "a2")
    with system_scope("test set-up"):
        entry = TicketEntry.objects.create(
            msp=ticket.msp, ticket=ticket, kind=EntryKind.REPLY, body="p", created_at=ticket.created_at
        )
        stored = entries.add_attachment(actor=None, entry=entry, content=b"data", filename="d.txt")
    api = api_as(world.user("technician_limited"))
    assert api.get(f"/attachments/{stored.pk}/download").status_code == 404
    assert api.get(f"/tickets/{ticket.pk}/attachments").status_code == 404
    assert _upload(api, ticket, SimpleUploadedFile("x.txt", b"x")).status_code == 404
