"""The staff queue page: filters, search, keyset pages, saved views and bulk actions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from offload.console.tickets.queue import short_when
from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.models import SavedView, Ticket
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

URL = "/tickets/"


def test_technician_sees_open_tickets_of_their_msp_only(as_role, make_ticket):
    """The default queue lists the MSP's open tickets and nothing of another MSP or a closed one."""
    mine = make_ticket(subject="Mail server is down")
    closed = make_ticket(subject="Old closed thing", status=TicketStatus.CLOSED)
    foreign = make_ticket(client="c1", subject="FOREIGN printer")
    body = as_role("technician").get(URL).content.decode()
    assert mine.reference in body
    assert "Mail server is down" in body
    assert closed.reference not in body
    assert foreign.reference not in body
    assert "FOREIGN printer" not in body


def test_search_jumps_to_a_reference_and_matches_subject_words(as_role, make_ticket):
    """Typing a reference finds exactly that ticket; words find subjects containing all of them."""
    vpn = make_ticket(subject="VPN drops every hour")
    other = make_ticket(subject="Printer jammed")
    http = as_role("technician")
    body = http.get(URL, {"q": vpn.reference.lower()}).content.decode()
    assert vpn.reference in body
    assert other.reference not in body
    body = http.get(URL, {"q": "hour vpn"}).content.decode()
    assert vpn.reference in body
    assert other.reference not in body


def test_filters_assignee_me_and_unassigned(as_role, make_ticket, world):
    """'Me' shows my tickets, 'Unassigned' those nobody holds."""
    tech = world.user("technician")
    held = make_ticket(subject="Held by me", assignee=tech, status=TicketStatus.ASSIGNED)
    free = make_ticket(subject="Nobody holds this")
    http = as_role("technician")
    body = http.get(URL, {"assignee": "me"}).content.decode()
    assert held.reference in body
    assert free.reference not in body
    body = http.get(URL, {"assignee": "none"}).content.decode()
    assert free.reference in body
    assert held.reference not in body


def test_keyset_pages_follow_each_other_without_gaps(as_role, make_ticket):
    """ "Show more" continues exactly where the page ended, however many tickets there are."""
    made = [make_ticket(subject=f"Ticket number {i}") for i in range(55)]
    http = as_role("technician")
    first = http.get(URL)
    page = first.context["page"]
    assert len(page.tickets) == 50
    assert page.next_cursor
    rest = http.get(URL, {"after": page.next_cursor}, HTTP_HX_REQUEST="true")
    seen = [t.pk for t in page.tickets] + [t.pk for t in rest.context["page"].tickets]
    assert sorted(seen) == sorted(t.pk for t in made)


def test_a_forged_cursor_starts_again_at_page_one(as_role, make_ticket):
    """A page link that cannot be compared by the database is ignored, not a server error."""
    make_ticket()
    response = as_role("technician").get(URL, {"after": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 200


def test_queue_page_costs_a_fixed_number_of_queries(as_role, make_ticket, world, django_assert_num_queries):
    """The queue issues the same queries for 3 tickets as for 40 of many clients and assignees."""
    http = as_role("service_manager")
    with system_scope("test set-up"):
        SavedView.objects.create(msp=world.msp_a, name="P1", filters={"priority": "p1"})
    for _ in range(3):
        make_ticket()
    http.get(URL)  # warm the cached counts
    with django_assert_num_queries(QUERIES):
        assert http.get(URL).status_code == 200
    for i in range(40):
        make_ticket(client="a2" if i % 2 else "a1", assignee=world.user("technician") if i % 3 else None)
    http.get(URL)
    with django_assert_num_queries(QUERIES):
        response = http.get(URL)
    assert len(response.context["page"].tickets) == 43


QUERIES = 16


def test_sidebar_counts_views(as_role, make_ticket, world):
    """The sidebar shows each view with the number of tickets in it."""
    tech = world.user("technician")
    make_ticket(assignee=tech, status=TicketStatus.ASSIGNED)
    make_ticket()
    response = as_role("technician").get(URL)
    counts = {v["key"]: str(v["count"]) for v in response.context["views"]}
    assert counts["mine"] == "1"
    assert counts["unassigned"] == "1"
    assert counts["open"] == "2"


def test_desk_manager_bulk_assigns_and_resolves(as_role, make_ticket, world):
    """The bulk bar assigns chosen tickets to a colleague, then resolves them."""
    tickets = [make_ticket() for _ in range(3)]
    http = as_role("service_manager")
    ids = [str(t.pk) for t in tickets]
    tech = world.user("technician")
    http.post("/tickets/bulk/", {"ids": ids, "assignee": tech.pk, "next": URL})
    with system_scope("test check"):
        assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {tech.pk}
    response = http.post("/tickets/bulk/", {"ids": ids, "transition": "resolve", "next": URL})
    assert response.status_code == 302
    assert response["Location"] == URL
    with system_scope("test check"):
        assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"resolved"}


def test_technician_cannot_bulk_update(as_role, make_ticket):
    """Bulk changes are for desk managers; a technician's attempt changes nothing."""
    ticket = make_ticket()
    as_role("technician").post("/tickets/bulk/", {"ids": [ticket.pk], "transition": "resolve"})
    with system_scope("test check"):
        assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


def test_client_users_have_no_queue(as_role):
    """The staff queue refuses client people (they have the portal)."""
    assert as_role("client_user").get(URL).status_code == 403


def test_updated_times_read_like_a_mail_client():
    """Today's changes show the time, this year's the day, older ones the date."""
    now = timezone.make_aware(datetime.datetime(2026, 11, 25, 15, 0))
    assert short_when(now - datetime.timedelta(hours=1), now=now) == "14:00"
    assert short_when(now - datetime.timedelta(days=1), now=now) == "Nov 24"
    assert short_when(now - datetime.timedelta(days=400), now=now) == "2025-10-21"
