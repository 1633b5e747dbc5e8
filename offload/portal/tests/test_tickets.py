"""Portal ticket pages: who sees which request, the public thread only, replies, files, close and reopen."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offload.portal.tests.conftest import ACME_HOST, Portals
from offload.portal.tests.desk import acting, open_for, resolve, staff_note, staff_reply
from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.models import Attachment, CsatResponse, Ticket
from offload.servicedesk.services import entries
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(client, portals: Portals, key: str):
    client.force_login(portals.world.user(key))
    return client


def get(client, path: str, **extra):
    return client.get(path, HTTP_HOST=ACME_HOST, **extra)


def post(client, path: str, data: dict, **extra):
    return client.post(path, data, HTTP_HOST=ACME_HOST, **extra)


def test_client_user_sees_only_their_own_requests(client, portals: Portals):
    """A client user lists their own requests; a colleague's request answers 404, like a missing one."""
    alice, bob = portals.world.contacts["a1"]
    mine = open_for(bob, "My screen flickers")
    theirs = open_for(alice, "Alice's printer is jammed")
    signed_in(client, portals, "client_user")
    listing = get(client, "/tickets/?state=all").text
    assert mine.reference in listing
    assert "My screen flickers" in listing
    assert theirs.reference not in listing
    assert "printer" not in listing
    assert get(client, f"/tickets/{mine.reference}/").status_code == 200
    assert get(client, f"/tickets/{theirs.reference}/").status_code == 404
    assert get(client, "/tickets/ACME-999999/").status_code == 404


def test_client_admin_sees_all_of_the_clients_requests_and_filters_by_requester(client, portals: Portals):
    """A client admin sees every request of the client, can filter by who asked, and opens a colleague's."""
    alice, bob = portals.world.contacts["a1"]
    own = open_for(alice, "Admin's own request")
    colleague = open_for(bob, "Colleague's request")
    other_client = open_for(portals.world.contacts["a2"][0], "Another client's request")
    signed_in(client, portals, "client_admin")
    listing = get(client, "/tickets/").text
    assert own.reference in listing
    assert colleague.reference in listing
    assert other_client.reference not in listing
    filtered = get(client, f"/tickets/?requester={bob.pk}&state=open").text
    assert colleague.reference in filtered
    assert own.reference not in filtered
    assert get(client, f"/tickets/{colleague.reference}/").status_code == 200
    assert get(client, f"/tickets/{other_client.reference}/").status_code == 404


def test_ticket_page_shows_the_public_thread_and_never_internal_notes(client, portals: Portals):
    """Staff replies appear; internal notes and staff-only timeline events never reach the client."""
    ticket = open_for(portals.world.contacts["a1"][1], "VPN drops")
    tech = portals.world.user("technician")
    staff_reply(tech, ticket, "Please restart the VPN client.")
    staff_note(tech, ticket, "SECRET-NOTE: the firewall config is wrong")
    signed_in(client, portals, "client_user")
    html = get(client, f"/tickets/{ticket.reference}/").text
    assert "Please restart the VPN client." in html
    assert "SECRET-NOTE" not in html
    assert "Internal" not in html
    assert portals.acme.name in html


def test_open_a_ticket_with_files(client, portals: Portals):
    """A client opens a request with two files; it is theirs, from the portal, with the files on it."""
    signed_in(client, portals, "client_user")
    response = post(
        client,
        "/tickets/new/",
        {
            "subject": "Laptop will not boot",
            "description": "Black screen since this morning.",
            "impact": "low",
            "urgency": "high",
            "attachments": [
                SimpleUploadedFile("photo.jpg", b"\xff\xd8 fake jpeg", content_type="image/jpeg"),
                SimpleUploadedFile("notes.txt", b"tried F8", content_type="text/plain"),
            ],
        },
    )
    assert response.status_code == 302
    with system_scope("test: read back"):
        ticket = Ticket.objects.get(subject="Laptop will not boot")
        assert ticket.contact == portals.world.contacts["a1"][1]
        assert ticket.source == "portal"
        assert ticket.urgency == "high"
        names = sorted(Attachment.objects.filter(entry__ticket=ticket).values_list("filename", flat=True))
    assert names == ["notes.txt", "photo.jpg"]
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    page = get(client, response["Location"]).text
    assert "photo.jpg" in page
    link = re.search(r'href="(/tickets/[^"]+/files/\d+/)"', page).group(1)  # type: ignore[union-attr]
    download = get(client, link)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]


def test_attachment_limits_refuse_with_a_clear_error_and_open_nothing(client, portals: Portals, settings):
    """Too many or too large files are refused with a message naming the limit; no ticket is opened."""
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 1024
    settings.SERVICEDESK_ATTACHMENTS_MAX_PER_ENTRY = 2
    signed_in(client, portals, "client_user")
    base = {"subject": "Too much", "description": "x", "impact": "low", "urgency": "low"}
    big = post(client, "/tickets/new/", {**base, "attachments": [SimpleUploadedFile("big.bin", b"x" * 2048)]})
    assert big.status_code == 400
    assert "big.bin is larger than 1 KB" in big.text
    many = post(
        client,
        "/tickets/new/",
        {**base, "attachments": [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(3)]},
    )
    assert many.status_code == 400
    assert "at most 2 files" in many.text
    with system_scope("test: nothing opened"):
        assert not Ticket.objects.filter(subject="Too much").exists()


def test_reply_with_file_and_note_files_stay_hidden(client, portals: Portals):
    """A client replies with a file; a file on an internal note cannot be downloaded by the client."""
    ticket = open_for(portals.world.contacts["a1"][1], "Printer")
    tech = portals.world.user("technician")
    note = staff_note(tech, ticket, "internal")
    with acting(tech):
        hidden = entries.add_attachment(actor=tech, entry=note, content=b"secret", filename="secret.txt")
    signed_in(client, portals, "client_user")
    response = post(
        client,
        f"/tickets/{ticket.reference}/reply/",
        {"body": "Here is the log", "attachments": [SimpleUploadedFile("log.txt", b"error 42")]},
    )
    assert response.status_code == 302
    page = get(client, f"/tickets/{ticket.reference}/").text
    assert "Here is the log" in page
    assert "log.txt" in page
    assert "secret.txt" not in page
    assert get(client, f"/tickets/{ticket.reference}/files/{hidden.pk}/").status_code == 404


def test_close_and_reopen_are_the_named_transitions(client, portals: Portals):
    """'This is solved' closes the request; 'Reopen' opens it again."""
    ticket = open_for(portals.world.contacts["a1"][1], "Mail is slow")
    signed_in(client, portals, "client_user")
    post(client, f"/tickets/{ticket.reference}/status/", {"transition": "close"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    post(client, f"/tickets/{ticket.reference}/status/", {"transition": "reopen"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    post(client, f"/tickets/{ticket.reference}/status/", {"transition": "resolve"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_csat_once_per_resolution(client, portals: Portals):
    """The rating form shows after resolution (?rate=1 from the mail); one rating per resolution."""
    ticket = open_for(portals.world.contacts["a1"][1], "Wi-Fi")
    signed_in(client, portals, "client_user")
    assert 'data-testid="csat-form"' not in get(client, f"/tickets/{ticket.reference}/").text
    tech = portals.world.user("technician")
    resolve(tech, ticket)
    page = get(client, f"/tickets/{ticket.reference}/?rate=1").text
    assert 'data-testid="csat-form"' in page
    post(client, f"/tickets/{ticket.reference}/rate/", {"rating": "4", "comment": "Quick, thanks"})
    post(client, f"/tickets/{ticket.reference}/rate/", {"rating": "1"})
    with system_scope("test: ratings"):
        assert list(CsatResponse.objects.values_list("rating", "comment")) == [(4, "Quick, thanks")]
    assert 'data-testid="csat-thanks"' in get(client, f"/tickets/{ticket.reference}/").text
    post(client, f"/tickets/{ticket.reference}/status/", {"transition": "reopen"})
    ticket.refresh_from_db()
    resolve(tech, ticket)
    post(client, f"/tickets/{ticket.reference}/rate/", {"rating": "5"})
    with system_scope("test: ratings"):
        assert sorted(CsatResponse.objects.values_list("rating", flat=True)) == [4, 5]


def test_client_admin_follows_a_colleagues_request(client, portals: Portals):
    """Following a colleague's request copies the admin on replies (their address in the CCs)."""
    alice, bob = portals.world.contacts["a1"]
    ticket = open_for(bob, "Shared drive full")
    signed_in(client, portals, "client_admin")
    post(client, f"/tickets/{ticket.reference}/follow/", {"follow": "1"})
    ticket.refresh_from_db()
    assert alice.email.lower() in ticket.cc_emails
    assert "Stop following" in get(client, f"/tickets/{ticket.reference}/").text
    post(client, f"/tickets/{ticket.reference}/follow/", {"follow": "0"})
    ticket.refresh_from_db()
    assert alice.email.lower() not in ticket.cc_emails


def test_pages_work_by_path_too(client, portals: Portals):
    """Under /portal/<slug>/ the same pages answer, with links under that prefix."""
    ticket = open_for(portals.world.contacts["a1"][1], "By path")
    signed_in(client, portals, "client_user")
    listing = client.get("/portal/acme/tickets/").text
    assert f'href="/portal/acme/tickets/{ticket.reference}/"' in listing
    assert client.get(f"/portal/acme/tickets/{ticket.reference}/").status_code == 200


def test_rating_link_from_the_mail_survives_signing_in(client, portals: Portals):
    """A signed-out person following /tickets/<ref>/?rate=1 signs in and lands on the rating form."""
    ticket = open_for(portals.world.contacts["a1"][1], "Monitor")
    resolve(portals.world.user("technician"), ticket)
    response = get(client, f"/tickets/{ticket.reference}/?rate=1")
    assert response.status_code == 302
    assert response["Location"] == f"/sign-in/?next=%2Ftickets%2F{ticket.reference}%2F%3Frate%3D1"
    form = get(client, response["Location"]).text
    assert f'name="next" value="/tickets/{ticket.reference}/?rate=1"' in form
    signed = post(
        client,
        "/sign-in/",
        {
            "login": portals.world.user("client_user").email,
            "password": portals.world.password,
            "next": f"/tickets/{ticket.reference}/?rate=1",
        },
    )
    assert signed["Location"] == f"/tickets/{ticket.reference}/?rate=1"
    assert 'data-testid="csat-form"' in get(client, signed["Location"]).text
    evil = post(
        client, "/sign-in/", {"login": "x@example.com", "password": "x", "next": "https://evil.example/"}
    )
    assert "evil.example" not in evil.text


def test_request_list_reads_a_fixed_number_of_queries(
    client, portals: Portals, django_assert_max_num_queries
):
    """The request list costs the same number of queries for 2 requests as for 12."""
    contact = portals.world.contacts["a1"][0]
    signed_in(client, portals, "client_admin")
    for n in range(2):
        open_for(contact, f"Request {n}")
    with CaptureQueriesContext(connection) as few:
        assert get(client, "/tickets/").status_code == 200
    for n in range(10):
        open_for(contact, f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert get(client, "/tickets/").status_code == 200
