"""Service-desk rows for portal tests, written through the services as staff and the system would."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from offload.accounts.acting import acting_for_user
from offload.accounts.models import User
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services import entries, tickets
from offload.tenancy.models import Client, Contact
from offload.tenancy.scoping import Scope, activate, system_scope


@contextlib.contextmanager
def acting(user: User) -> Iterator[Scope]:
    """Run the block in `user`'s scope, as a request by them would."""
    with activate(acting_for_user(user).scope) as scope:
        yield scope


def open_for(contact: Contact, subject: str, *, description: str = "It does not work.") -> Ticket:
    """A ticket requested by `contact`, opened the way mail intake does (the system, for the contact)."""
    with system_scope("test data: a client's request"):
        client = Client.objects.select_related("msp").get(pk=contact.client_id)
        return tickets.open_ticket(
            actor=None, client=client, contact=contact, subject=subject, description=description
        )


def staff_reply(staff: User, ticket: Ticket, body: str) -> TicketEntry:
    with acting(staff):
        return entries.add_reply(actor=staff, ticket=ticket, body=body)


def staff_note(staff: User, ticket: Ticket, body: str) -> TicketEntry:
    with acting(staff):
        return entries.add_note(actor=staff, ticket=ticket, body=body)


def resolve(staff: User, ticket: Ticket) -> Ticket:
    with acting(staff):
        return tickets.transition_ticket(actor=staff, ticket=ticket, transition="resolve")
