"""The staff ticket page: thread, reply with time, notes, files, moves, merge, and 404 for foreign."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from offload.servicedesk.choices import EntryKind, TicketStatus, Visibility
from offload.servicedesk.models import Attachment, Ticket, TicketEntry, TimeEntry
from offload.servicedesk.services import entries
from offload.servicedesk.tests.factories import CannedReplyFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def _url(ticket: Ticket, name: str = "detail") -> str:
    # Paths, not reverse(): resolving the URLconf outside a request would import every console
    # module without a scope, which is not what these tests are about.
    return f"/tickets/{ticket.reference}/" + ("" if name == "detail" else f"{name}/")


def test_ticket_page_shows_header_thread_and_client_context(as_role, make_ticket, world):
    """The page names the ticket, its moves, the requester's phone and the client's recent tickets."""
    older = make_ticket(subject="Earlier VPN trouble")
    ticket = make_ticket(subject="Outlook keeps asking for a password")
    body = as_role("technician").get(_url(ticket)).content.decode()
    assert ticket.reference in body
    assert "Outlook keeps asking for a password" in body
    assert 'value="triage"' in body
    assert world.contacts["a1"][0].full_name in body
    assert older.reference in body


def test_reference_is_case_insensitive_and_foreign_references_are_404(as_role, make_ticket):
    """A reference typed in lower case opens the ticket; another MSP's or client's is not found."""
    ticket = make_ticket()
    foreign = make_ticket(client="c1")
    http = as_role("technician_limited")
    assert http.get(f"/tickets/{ticket.reference.lower()}/").status_code == 200
    assert http.get(_url(foreign)).status_code == 404
    other_client = make_ticket(client="a2")
    assert http.get(_url(other_client)).status_code == 404
    response = http.post(_url(other_client, "reply"), {"kind": "reply", "body": "hi"})
    assert response.status_code == 404


def test_reply_with_time_and_a_file(as_role, make_ticket, world):
    """A reply posts to the thread with its file, and its minutes become a billable time entry."""
    ticket = make_ticket(status=TicketStatus.IN_PROGRESS)
    http = as_role("technician")
    upload = SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain")
    response = http.post(
        _url(ticket, "reply"),
        {
            "kind": "reply",
            "body": "Restarted the service, please try again.",
            "minutes": "15",
            "is_billable": "on",
            "work_type": "remote_support",
            "time_note": "Remote restart",
            "attachments": [upload],
            "then": "wait_on_client",
        },
    )
    assert response.status_code == 302
    with system_scope("test check"):
        entry = TicketEntry.objects.get(ticket=ticket, kind=EntryKind.REPLY)
        time = TimeEntry.objects.get(ticket=ticket)
        assert Attachment.objects.get(entry=entry).filename == "log.txt"
        assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.WAITING_ON_CLIENT
    assert (time.minutes, time.is_billable, time.entry_id, time.note) == (
        15,
        True,
        entry.pk,
        "Remote restart",
    )
    assert time.user == world.user("technician")
    body = http.get(_url(ticket)).content.decode()
    assert "Restarted the service" in body
    assert "15 min" in body


def test_internal_note_is_marked_and_hidden_from_the_client(as_role, make_ticket):
    """A note is shown as internal to staff and never reaches the client's thread."""
    ticket = make_ticket()
    http = as_role("technician")
    http.post(
        _url(ticket, "reply"),
        {"kind": "note", "body": "Password is on the sticky note", "work_type": "admin"},
    )
    body = http.get(_url(ticket)).content.decode()
    assert "Internal note" in body
    with system_scope("test check"):
        entry = TicketEntry.objects.get(ticket=ticket, kind=EntryKind.NOTE)
    assert entry.visibility == Visibility.MSP_INTERNAL


def test_a_refused_move_takes_the_reply_back(as_role, make_ticket):
    """A reply whose status move is refused is not posted either: nothing half-done to retry."""
    ticket = make_ticket(status=TicketStatus.CLOSED)
    response = as_role("technician").post(
        _url(ticket, "reply"),
        {"kind": "reply", "body": "Done", "minutes": "5", "work_type": "admin", "then": "resolve"},
    )
    assert response.status_code == 400
    with system_scope("test check"):
        assert not TicketEntry.objects.filter(ticket=ticket, kind=EntryKind.REPLY).exists()
        assert not TimeEntry.objects.filter(ticket=ticket).exists()


def test_refused_reply_keeps_the_text(as_role, make_ticket):
    """Too many minutes are refused and the typed message stays in the composer."""
    ticket = make_ticket()
    response = as_role("technician").post(
        _url(ticket, "reply"), {"kind": "reply", "body": "Keep me", "minutes": "5000", "work_type": "admin"}
    )
    assert response.status_code == 400
    assert "Keep me" in response.content.decode()
    with system_scope("test check"):
        assert not TicketEntry.objects.filter(ticket=ticket, kind=EntryKind.REPLY).exists()


def test_named_transitions_and_assignment(as_role, make_ticket, world):
    """Buttons move the ticket by named transitions; 'me' takes it."""
    ticket = make_ticket()
    http = as_role("technician")
    http.post(_url(ticket, "assign"), {"assignee": "me"})
    http.post(_url(ticket, "transition"), {"transition": "start_work"})
    with system_scope("test check"):
        ticket.refresh_from_db()
    assert ticket.assignee == world.user("technician")
    assert ticket.status == TicketStatus.IN_PROGRESS
    response = http.post(_url(ticket, "transition"), {"transition": "triage"})
    assert response.status_code == 302


def test_canned_replies_are_filled_in_for_the_ticket(as_role, make_ticket, world):
    """The composer offers the MSP's canned replies with the requester's name filled in."""
    ticket = make_ticket()
    with system_scope("test set-up"):
        CannedReplyFactory(msp=world.msp_a, title="Greeting", body="Hello {{contact.first_name}},")
    body = as_role("technician").get(_url(ticket)).content.decode()
    assert f"Hello {world.contacts['a1'][0].first_name}," in body


def test_desk_manager_merges_into_another_ticket(as_role, make_ticket):
    """Merging moves the thread and sends the manager to the surviving ticket."""
    source = make_ticket()
    target = make_ticket()
    response = as_role("service_manager").post(_url(source, "merge"), {"into": target.reference})
    assert response["Location"] == _url(target)
    with system_scope("test check"):
        assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk


def test_attachment_downloads_only_through_the_access_check(as_role, make_ticket, world):
    """Files download as attachments with nosniff for staff who see the ticket; others get 404."""
    ticket = make_ticket(client="a2")
    with system_scope("test set-up"):
        entry = TicketEntry.objects.create(
            msp=ticket.msp, ticket=ticket, kind=EntryKind.REPLY, body="x", created_at=ticket.created_at
        )
        attachment = entries.add_attachment(
            actor=None,
            entry=entry,
            content=b"<script>alert(1)</script>",
            filename="x.html",
            content_type="text/html",
        )
    url = f"/tickets/attachments/{attachment.pk}/"
    response = as_role("technician").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert as_role("technician_limited").get(url).status_code == 404
    assert as_role("client_user").get(url).status_code == 403
