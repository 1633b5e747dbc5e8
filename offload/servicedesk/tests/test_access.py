"""Isolation: every ticket another tenant, client or end user owns answers NotFound."""

from __future__ import annotations

import pytest

from offload.accounts.testing import ROLE_KEYS
from offload.core.errors import NotFound
from offload.servicedesk.access import access_attachment, access_ticket, access_ticket_by_reference
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services import entries
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

# Which of the world's tickets each role may open: a1 (by client_admin's contact), a1 (by
# client_user), a2, b1 (provider-covered client of MSP B), b2 (not covered), c1 (other provider).
VISIBLE = {
    "provider_admin": {"a1_admin", "a1_user", "a2", "b1"},
    "noc_lead": {"a1_admin", "a1_user", "a2", "b1"},
    "noc_agent": {"a1_admin", "a1_user", "a2", "b1"},
    "msp_owner": {"a1_admin", "a1_user", "a2"},
    "service_manager": {"a1_admin", "a1_user", "a2"},
    "technician": {"a1_admin", "a1_user", "a2"},
    "technician_limited": {"a1_admin", "a1_user"},
    "finance": {"a1_admin", "a1_user", "a2"},
    "client_admin": {"a1_admin", "a1_user"},
    "client_user": {"a1_user"},
}


@pytest.fixture
def tickets(world) -> dict[str, Ticket]:
    with system_scope("a ticket for every corner of the world"):
        made = {
            "a1_admin": open_ticket(actor=None, client=world.clients["a1"], subject="A1 admin's",
                                    contact=world.contacts["a1"][0]),
            "a1_user": open_ticket(actor=None, client=world.clients["a1"], subject="A1 user's",
                                   contact=world.contacts["a1"][1]),
            "a2": open_ticket(actor=None, client=world.clients["a2"], subject="A2's"),
            "b1": open_ticket(actor=None, client=world.clients["b1"], subject="B1's"),
            "b2": open_ticket(actor=None, client=world.clients["b2"], subject="FOREIGN B2's"),
            "c1": open_ticket(actor=None, client=world.clients["c1"], subject="FOREIGN C1's"),
        }  # fmt: skip
    return made


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_opens_exactly_the_tickets_it_may(world, acting_as, tickets, role):
    """access_ticket finds the role's tickets and answers NotFound for every other one."""
    with acting_as(role):
        for key, ticket in tickets.items():
            if key in VISIBLE[role]:
                assert access_ticket(world.user(role), ticket.pk).pk == ticket.pk
            else:
                with pytest.raises(NotFound):
                    access_ticket(world.user(role), ticket.pk)
        listed = set(Ticket.objects.values_list("pk", flat=True))
        assert listed == {tickets[k].pk for k in VISIBLE[role]}
        assert TicketEntry.objects.filter(ticket_id=tickets["c1"].pk).count() == 0


def test_foreign_reference_is_not_found(world, acting_as, tickets):
    """Asking for another MSP's reference answers exactly like a reference that does not exist."""
    with acting_as("msp_owner"):
        assert access_ticket_by_reference(world.user("msp_owner"), "acme-1").pk == tickets["a1_admin"].pk
        for reference in ("BRAVO-1", "CHAR-1", "ACME-999"):
            with pytest.raises(NotFound):
                access_ticket_by_reference(world.user("msp_owner"), reference)


def test_missing_and_malformed_ids_are_not_found(world, acting_as):
    """Garbage ids do not crash: they are simply not found."""
    with acting_as("msp_owner"):
        for value in (999999, "abc", None):
            with pytest.raises(NotFound):
                access_ticket(world.user("msp_owner"), value)


def test_attachment_of_another_users_ticket_is_not_found(world, acting_as, tickets):
    """An end user cannot fetch a colleague's attachment by id (django-helpdesk #647)."""
    with acting_as("client_admin"):
        reply = entries.add_reply(actor=world.user("client_admin"), ticket=tickets["a1_admin"], body="scan")
        attachment = entries.add_attachment(
            actor=world.user("client_admin"), entry=reply, content=b"passport", filename="passport.jpg"
        )
        assert access_attachment(world.user("client_admin"), attachment.pk).pk == attachment.pk
    for role in ("client_user", "msp_owner"):
        with acting_as(role):
            if role == "client_user":
                with pytest.raises(NotFound):
                    access_attachment(world.user(role), attachment.pk)
            else:
                assert access_attachment(world.user(role), attachment.pk).pk == attachment.pk
