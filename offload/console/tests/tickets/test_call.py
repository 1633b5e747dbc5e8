"""Logging a phone call: the caller found by number, then a new ticket or a note on an open one."""

from __future__ import annotations

import pytest

from offload.servicedesk.choices import EntryKind, TicketSource
from offload.servicedesk.models import Ticket, TicketEntry, TimeEntry
from offload.servicedesk.selectors import callers_by_phone
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

URL = "/tickets/call/"


@pytest.fixture
def caller(world):
    """Alpha One's Alice, with a phone number written the way people write them."""
    contact = world.contacts["a1"][0]
    with system_scope("test set-up"):
        contact.phone = "+49 (30) 1234-5678"
        contact.save(update_fields=["phone"])
    return contact


def test_callers_are_found_by_digits_whatever_the_formatting(world, caller, acting_as):
    """The same line typed with a trunk prefix, spaces or partly finds the caller; others' don't."""
    with acting_as("technician"):
        assert callers_by_phone(phone="030 12345678") == [caller]
        assert callers_by_phone(phone="+493012345678") == [caller]
        assert callers_by_phone(phone="2345") == [caller]
        assert callers_by_phone(phone="12") == []
    with acting_as("technician_limited"):
        assert callers_by_phone(phone="030 12345678") == [caller]
    with system_scope("test set-up"):
        other = world.contacts["a2"][0]
        other.mobile = "0049 30 1234 5678"
        other.save(update_fields=["mobile"])
    with acting_as("technician_limited"):
        assert callers_by_phone(phone="030 12345678") == [caller]
    with acting_as("technician"):
        assert set(callers_by_phone(phone="030 12345678")) == {caller, other}


def test_lookup_shows_the_caller_with_client_and_open_tickets(as_role, caller, make_ticket):
    """Typing the number lists the caller, their client and their open tickets."""
    open_ticket = make_ticket(subject="Scanner offline", contact=caller)
    body = as_role("technician").get("/tickets/call/lookup/", {"phone": "030-1234 5678"}).content.decode()
    assert caller.full_name in body
    assert caller.client.name in body
    assert open_ticket.reference in body


def test_call_opens_a_phone_ticket_with_time(as_role, caller, world):
    """A call with a subject opens a phone ticket for the caller and logs the minutes."""
    response = as_role("technician").post(
        URL,
        {
            "phone": "030 12345678",
            "contact": caller.pk,
            "subject": "Cannot print invoices",
            "body": "Printer on 2nd floor shows error E13.",
            "kind": "note",
            "minutes": "4",
            "is_billable": "on",
            "work_type": "remote_support",
        },
    )
    assert response.status_code == 302
    with system_scope("test check"):
        ticket = Ticket.objects.get(subject="Cannot print invoices")
        time = TimeEntry.objects.get(ticket=ticket)
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    assert (ticket.source, ticket.contact_id, ticket.client_id) == (
        TicketSource.PHONE,
        caller.pk,
        caller.client_id,
    )
    assert ticket.description == "Printer on 2nd floor shows error E13."
    assert (time.minutes, time.user) == (4, world.user("technician"))


def test_call_adds_a_note_to_an_open_ticket_of_the_caller(as_role, caller, make_ticket):
    """Choosing one of the caller's open tickets adds the call to it as a note with its time."""
    ticket = make_ticket(contact=caller)
    response = as_role("technician").post(
        URL,
        {"contact": caller.pk, "ticket": ticket.pk, "body": "Called again, still broken.", "kind": "note",
         "minutes": "3", "work_type": "remote_support"},
    )  # fmt: skip
    assert response.status_code == 302
    with system_scope("test check"):
        note = TicketEntry.objects.get(ticket=ticket, kind=EntryKind.NOTE)
        assert TimeEntry.objects.get(ticket=ticket).entry_id == note.pk
    assert note.body == "Called again, still broken."


def test_call_cannot_reach_another_clients_ticket(as_role, caller, make_ticket):
    """A ticket id that is not the caller's open ticket is refused, and nothing is written."""
    foreign = make_ticket(client="c1")
    other = make_ticket(client="a2")
    http = as_role("technician")
    for target in (foreign, other):
        response = http.post(URL, {"contact": caller.pk, "ticket": target.pk, "body": "x", "kind": "note",
                                   "work_type": "admin"})  # fmt: skip
        assert response.status_code == 400
    with system_scope("test check"):
        assert not TicketEntry.objects.filter(ticket__in=[foreign, other], kind=EntryKind.NOTE).exists()
