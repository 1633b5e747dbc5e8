"""Opening tickets: references, priorities, who may open what; and the workflow's transitions."""

from __future__ import annotations

import pytest
from django.db import transaction

from offload.core.errors import DomainError, NotFound, PermissionDenied
from offload.servicedesk import events
from offload.servicedesk.choices import Impact, Priority, TicketStatus, Transition, Urgency
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services import catalog, tickets
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.servicedesk.tests.factories import TeamFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def test_references_are_sequential_per_msp(world, acting_as):
    """Each MSP numbers its tickets 1, 2, 3… under its own prefix, independently of the others."""
    with acting_as("msp_owner"):
        first = open_ticket(actor=world.user("msp_owner"), client=world.clients["a1"], subject="One")
        second = open_ticket(actor=world.user("msp_owner"), client=world.clients["a2"], subject="Two")
    with system_scope("another MSP opens its own first ticket"):
        other = open_ticket(actor=None, client=world.clients["b1"], subject="Bravo's first")
    assert (first.reference, second.reference, other.reference) == ("ACME-1", "ACME-2", "BRAVO-1")


def test_rolled_back_ticket_gives_its_number_back(world, acting_as):
    """A ticket whose transaction is rolled back does not burn a number: the next one takes it."""

    class Abort(Exception):
        pass

    def open_then_fail() -> None:
        with transaction.atomic():
            open_ticket(actor=world.user("msp_owner"), client=world.clients["a1"], subject="undone")
            raise Abort

    with acting_as("msp_owner"):
        with pytest.raises(Abort):
            open_then_fail()
        ticket = open_ticket(actor=world.user("msp_owner"), client=world.clients["a1"], subject="ok")
    assert ticket.reference == "ACME-1"


def test_priority_follows_the_msps_matrix(world, acting_as):
    """Impact x urgency gives the priority of the MSP's matrix, including a cell the MSP changed."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        assert catalog.ensure_default_priority_matrix(msp=world.msp_a) == 9
        assert catalog.ensure_default_priority_matrix(msp=world.msp_a) == 0
        catalog.set_priority_cell(
            actor=owner, msp=world.msp_a, impact=Impact.LOW, urgency=Urgency.LOW, priority=Priority.P2
        )
        critical = open_ticket(
            actor=owner, client=world.clients["a1"], subject="Down", impact=Impact.HIGH, urgency=Urgency.HIGH
        )
        custom = open_ticket(
            actor=owner, client=world.clients["a1"], subject="Meh", impact=Impact.LOW, urgency=Urgency.LOW
        )
    assert (critical.priority, custom.priority) == (Priority.P1, Priority.P2)


def test_opening_records_a_public_created_event(world, acting_as):
    """The timeline starts with a system row that the requester may see."""
    with acting_as("technician"):
        ticket = open_ticket(actor=world.user("technician"), client=world.clients["a1"], subject="VPN down")
        entry = TicketEntry.objects.get(ticket=ticket)
    assert (entry.event, entry.visibility, entry.data["reference"]) == (events.CREATED, "public", "ACME-1")


def test_client_user_opens_tickets_only_as_themselves(world, acting_as):
    """A client user's ticket is requested by their own contact, and staff-only fields are ignored."""
    me = world.contacts["a1"][1]
    with acting_as("client_user"):
        ticket = open_ticket(
            actor=world.user("client_user"),
            client=world.clients["a1"],
            subject="Help",
            contact=world.contacts["a1"][0],
            priority=Priority.P1,
        )
    assert ticket.contact_id == me.pk
    assert ticket.priority == Priority.P3
    assert ticket.last_customer_message_at is not None


def test_client_user_cannot_open_for_another_client(world, acting_as):
    """Another client of the same MSP is not found for a client user."""
    with acting_as("client_user"), pytest.raises(NotFound):
        open_ticket(actor=world.user("client_user"), client=world.clients["a2"], subject="Sneaky")


def test_foreign_related_rows_are_refused(world, acting_as):
    """A site of another client cannot be attached to a ticket, even with a valid id."""
    with system_scope("read a foreign site"):
        foreign_site = world.clients["a2"].sites.get()
    with acting_as("msp_owner"), pytest.raises(DomainError) as refused:
        open_ticket(actor=world.user("msp_owner"), client=world.clients["a1"], subject="x", site=foreign_site)
    assert refused.value.code == "foreign_reference"


def test_finance_cannot_open_tickets(world, acting_as):
    """Finance reads the desk but does not raise tickets."""
    with acting_as("finance"), pytest.raises(PermissionDenied):
        open_ticket(actor=world.user("finance"), client=world.clients["a1"], subject="x")


@pytest.fixture
def ticket(world, acting_as) -> Ticket:
    with acting_as("msp_owner"):
        return open_ticket(actor=world.user("msp_owner"), client=world.clients["a1"], subject="Laptop slow")


def _move(world, acting_as, ticket, transition, key="technician"):
    with acting_as(key):
        return transition_ticket(actor=world.user(key), ticket=ticket, transition=transition)


def test_the_workflow_from_new_to_closed(world, acting_as, ticket):
    """A ticket can be triaged, worked, parked on the client, resolved and closed, with timestamps."""
    path = [
        (Transition.TRIAGE, TicketStatus.TRIAGED),
        (Transition.START_WORK, TicketStatus.IN_PROGRESS),
        (Transition.WAIT_ON_CLIENT, TicketStatus.WAITING_ON_CLIENT),
        (Transition.WAIT_ON_VENDOR, TicketStatus.WAITING_ON_VENDOR),
        (Transition.RESOLVE, TicketStatus.RESOLVED),
        (Transition.CLOSE, TicketStatus.CLOSED),
    ]
    for transition, status in path:
        ticket = _move(world, acting_as, ticket, transition)
        assert ticket.status == status
    assert ticket.resolved_at is not None
    assert ticket.closed_at is not None
    with acting_as("msp_owner"):
        changes = list(TicketEntry.objects.filter(ticket=ticket, event=events.STATUS_CHANGED))
    assert [e.data["to"] for e in changes] == [s for _, s in path]


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (TicketStatus.TRIAGED, Transition.TRIAGE),
        (TicketStatus.NEW, Transition.WAIT_ON_CLIENT),
        (TicketStatus.IN_PROGRESS, Transition.REOPEN),
        (TicketStatus.CLOSED, Transition.RESOLVE),
        (TicketStatus.CLOSED, Transition.START_WORK),
    ],
)
def test_transitions_not_allowed_are_refused_with_a_code(world, acting_as, ticket, status, transition):
    """A transition the status does not allow raises a DomainError coded transition_not_allowed."""
    with system_scope("put the ticket in a status"):
        Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    assert not ticket.can(transition)
    with pytest.raises(DomainError) as refused:
        _move(world, acting_as, ticket, transition)
    assert refused.value.code == "transition_not_allowed"


def test_reopen_returns_to_the_assignee_or_to_triage(world, acting_as, ticket):
    """Reopening a resolved ticket resumes work for its assignee; an unowned one goes back to new."""
    ticket = _move(world, acting_as, ticket, Transition.RESOLVE)
    assert ticket.can_reopen()
    ticket = _move(world, acting_as, ticket, Transition.REOPEN)
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.NEW, None)
    with acting_as("msp_owner"):
        tickets.assign_ticket(actor=world.user("msp_owner"), ticket=ticket, assignee=world.user("technician"))
    ticket = _move(world, acting_as, ticket, Transition.CLOSE)
    ticket = _move(world, acting_as, ticket, Transition.REOPEN, key="client_admin")
    assert ticket.status == TicketStatus.IN_PROGRESS


def test_client_may_close_but_not_work_a_ticket(world, acting_as, ticket):
    """A client admin may close the client's ticket, but may not start work on it."""
    with pytest.raises(PermissionDenied):
        _move(world, acting_as, ticket, Transition.START_WORK, key="client_admin")
    assert _move(world, acting_as, ticket, Transition.CLOSE, key="client_admin").status == TicketStatus.CLOSED


def test_assigning_moves_a_new_ticket_to_assigned(world, acting_as, ticket):
    """Giving a new ticket to a technician marks it assigned and records who had it before."""
    team = TeamFactory(msp=world.msp_a, name="Desk")
    with acting_as("service_manager"):
        ticket = tickets.assign_ticket(
            actor=world.user("service_manager"), ticket=ticket, assignee=world.user("technician"), team=team
        )
        event = TicketEntry.objects.filter(ticket=ticket, event=events.ASSIGNED).get()
    assert (ticket.status, ticket.assignee, ticket.team) == (
        TicketStatus.ASSIGNED,
        world.user("technician"),
        team,
    )
    assert event.visibility == "msp_internal"


@pytest.mark.parametrize("key", ["finance", "client_admin", "technician_limited"])
def test_only_agents_who_serve_the_client_can_be_assigned(world, acting_as, key):
    """Finance, client people and technicians limited to other clients cannot be given the ticket."""
    with acting_as("msp_owner"):
        ticket = open_ticket(actor=world.user("msp_owner"), client=world.clients["a2"], subject="x")
        with pytest.raises(DomainError) as refused:
            tickets.assign_ticket(actor=world.user("msp_owner"), ticket=ticket, assignee=world.user(key))
    assert refused.value.code == "not_a_colleague"


def test_provider_agent_can_be_assigned_a_covered_ticket(world, acting_as, ticket):
    """A NOC agent whose provider serves the MSP may be given its tickets."""
    with acting_as("msp_owner"):
        ticket = tickets.assign_ticket(
            actor=world.user("msp_owner"), ticket=ticket, assignee=world.user("noc_agent")
        )
    assert ticket.assignee == world.user("noc_agent")


def test_rerating_recomputes_priority(world, acting_as, ticket):
    """Changing impact and urgency re-rates the priority through the matrix and records the diff."""
    with acting_as("technician"):
        ticket = tickets.update_ticket_fields(
            actor=world.user("technician"),
            ticket=ticket,
            changes={"impact": Impact.HIGH, "urgency": Urgency.HIGH, "subject": "  Laptop   dead "},
        )
        event = TicketEntry.objects.get(ticket=ticket, event=events.FIELDS_CHANGED)
    assert (ticket.priority, ticket.subject) == (Priority.P1, "Laptop dead")
    assert event.data["changes"]["priority"] == [Priority.P3, Priority.P1]


def test_fields_outside_the_allow_list_are_refused(world, acting_as, ticket):
    """Status, client or reference cannot be changed by a field update."""
    with acting_as("technician"), pytest.raises(DomainError) as refused:
        tickets.update_ticket_fields(actor=world.user("technician"), ticket=ticket, changes={"client": None})
    assert refused.value.code == "not_editable"


def test_watchers_are_agents_and_added_once(world, acting_as, ticket):
    """A colleague can follow a ticket once; a client person cannot be a watcher."""
    with acting_as("technician"):
        tickets.add_watcher(actor=world.user("technician"), ticket=ticket, user=world.user("service_manager"))
        tickets.add_watcher(actor=world.user("technician"), ticket=ticket, user=world.user("service_manager"))
        assert list(ticket.watchers.all()) == [world.user("service_manager")]
        with pytest.raises(DomainError):
            tickets.add_watcher(actor=world.user("technician"), ticket=ticket, user=world.user("client_user"))
