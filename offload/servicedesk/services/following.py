"""Client people following a ticket: their address is copied on its public replies.

Staff follow tickets as watchers (users); portal users are contacts, and contacts are reached by
mail, so a client who follows a ticket is kept in the ticket's CC addresses.
"""

from __future__ import annotations

from django.db import transaction

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk import events
from offload.servicedesk.models import Ticket
from offload.servicedesk.services.guards import acting_contact, require
from offload.servicedesk.services.tickets import MAX_CC, lock_ticket


def _follower_address(actor: User, ticket: Ticket) -> str:
    contact = acting_contact(actor, msp_id=ticket.msp_id)
    address = (contact.email if contact is not None and contact.email else actor.email).strip().lower()
    if not address:
        raise DomainError("We have no email address for you.", code="no_email")
    return address


def is_following(*, actor: User, ticket: Ticket) -> bool:
    """Whether the client `actor` is copied on `ticket` (the requester always is)."""
    contact = acting_contact(actor, msp_id=ticket.msp_id)
    if contact is not None and ticket.contact_id == contact.pk:
        return True
    return _follower_address(actor, ticket) in ticket.cc_emails


def set_following(*, actor: User, ticket: Ticket, follow: bool) -> Ticket:
    """Add or remove the client's address from the ticket's CCs; records `ticket.fields_changed`."""
    require(actor, "servicedesk.reply_ticket", ticket)
    address = _follower_address(actor, ticket)
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        before = list(ticket.cc_emails)
        if follow == (address in before):
            return ticket
        after = [*before, address] if follow else [a for a in before if a != address]
        if len(after) > MAX_CC:
            raise DomainError(f"At most {MAX_CC} people can follow a ticket.", code="too_many_cc")
        ticket.cc_emails = after
        ticket.save(update_fields=["cc_emails"])
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=events.FIELDS_CHANGED,
            data={"changes": {"cc_emails": [before, after]}},
        )
    return ticket
