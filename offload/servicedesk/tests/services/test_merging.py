"""Merging duplicates and splitting a thread."""

from __future__ import annotations

import pytest

from offload.core.errors import DomainError, PermissionDenied
from offload.servicedesk import events
from offload.servicedesk.choices import TicketStatus, Transition
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services import entries, merging
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def _open(world, acting_as, client="a1", subject="Printer"):
    with acting_as("msp_owner"):
        return open_ticket(actor=world.user("msp_owner"), client=world.clients[client], subject=subject)


def test_merge_moves_the_thread_and_keeps_both_references(world, acting_as):
    """The duplicate's replies move to the target; the duplicate stays, closed, pointing at it."""
    source, target = _open(world, acting_as), _open(world, acting_as)
    manager = world.user("service_manager")
    with acting_as("service_manager"):
        reply = entries.add_reply(actor=manager, ticket=source, body="Dup details")
        entries.add_attachment(actor=manager, entry=reply, content=b"log", filename="log.txt")
        merging.merge_tickets(actor=manager, source=source, target=target)
        source.refresh_from_db()
        reply.refresh_from_db()
        assert (source.status, source.merged_into_id, source.reference) == (
            TicketStatus.CLOSED,
            target.pk,
            "ACME-1",
        )
        assert reply.ticket_id == target.pk
        assert reply.attachments.count() == 1
        assert TicketEntry.objects.filter(ticket=source, event=events.MERGED_INTO).exists()
        assert TicketEntry.objects.filter(ticket=target, event=events.MERGED_FROM).exists()


def test_merged_ticket_refuses_further_work(world, acting_as):
    """A merged ticket cannot be reopened or merged again: the code says why."""
    source, target = _open(world, acting_as), _open(world, acting_as)
    with acting_as("msp_owner"):
        merging.merge_tickets(actor=world.user("msp_owner"), source=source, target=target)
        source.refresh_from_db()
        with pytest.raises(DomainError) as refused:
            transition_ticket(actor=world.user("msp_owner"), ticket=source, transition=Transition.REOPEN)
        assert refused.value.code == "ticket_merged"
        with pytest.raises(DomainError) as again:
            merging.merge_tickets(actor=world.user("msp_owner"), source=source, target=target)
        assert again.value.code == "ticket_merged"


def test_merge_across_clients_is_refused(world, acting_as):
    """Tickets of two clients are never merged, even within one MSP."""
    source, target = _open(world, acting_as, "a1"), _open(world, acting_as, "a2")
    with acting_as("msp_owner"), pytest.raises(DomainError) as refused:
        merging.merge_tickets(actor=world.user("msp_owner"), source=source, target=target)
    assert refused.value.code == "cross_client_merge"


def test_merge_into_another_tenants_ticket_is_not_found(world, acting_as):
    """A forged target of another MSP is simply not found by the merging actor."""
    source = _open(world, acting_as)
    with system_scope("another MSP's ticket"):
        foreign = open_ticket(actor=None, client=world.clients["b1"], subject="FOREIGN")
    with acting_as("msp_owner"), pytest.raises(DomainError) as refused:
        merging.merge_tickets(actor=world.user("msp_owner"), source=source, target=foreign)
    assert refused.value.code == "not_found"


def test_technician_cannot_merge(world, acting_as):
    """Merging is for the people who run the desk."""
    source, target = _open(world, acting_as), _open(world, acting_as)
    with acting_as("technician"), pytest.raises(PermissionDenied):
        merging.merge_tickets(actor=world.user("technician"), source=source, target=target)


def test_split_moves_chosen_entries_to_a_new_ticket(world, acting_as):
    """Chosen replies start a new ticket for the same client and requester; the rest stay."""
    manager = world.user("service_manager")
    with acting_as("client_user"):
        ticket = open_ticket(
            actor=world.user("client_user"), client=world.clients["a1"], subject="Two problems"
        )
        keep = entries.add_reply(actor=world.user("client_user"), ticket=ticket, body="Printer")
        move = entries.add_reply(
            actor=world.user("client_user"), ticket=ticket, body="Also my mailbox is full"
        )
    with acting_as("service_manager"):
        new = merging.split_ticket(actor=manager, ticket=ticket, entry_ids=[move.pk], subject="Mailbox full")
        assert (new.client_id, new.contact_id, new.reference) == (
            ticket.client_id,
            ticket.contact_id,
            "ACME-2",
        )
        assert set(TicketEntry.objects.filter(ticket=new, kind="reply").values_list("pk", flat=True)) == {
            move.pk
        }
        assert TicketEntry.objects.filter(ticket=ticket, pk=keep.pk).exists()
        assert TicketEntry.objects.filter(ticket=new, event=events.SPLIT_FROM).exists()


def test_split_refuses_entries_of_another_ticket(world, acting_as):
    """Entries that are not replies or notes of the ticket cannot be split off it."""
    first, second = _open(world, acting_as), _open(world, acting_as)
    with acting_as("msp_owner"):
        other = entries.add_reply(actor=world.user("msp_owner"), ticket=second, body="elsewhere")
        event = TicketEntry.objects.filter(ticket=first, kind="event").first()
        for ids in ([other.pk], [event.pk]):
            with pytest.raises(DomainError) as refused:
                merging.split_ticket(actor=world.user("msp_owner"), ticket=first, entry_ids=ids, subject="x")
            assert refused.value.code == "invalid_entries"
        assert Ticket.objects.count() == 2


def test_merge_moves_notes_the_merging_manager_cannot_read(world, acting_as):
    """A provider's internal note moves with the thread even though the MSP manager cannot see it."""
    source, target = _open(world, acting_as), _open(world, acting_as)
    with acting_as("noc_agent"):
        note = entries.add_note(
            actor=world.user("noc_agent"),
            ticket=source,
            body="NOC: rebooted the switch",
            visibility="provider_internal",
        )
    with acting_as("msp_owner"):
        merging.merge_tickets(actor=world.user("msp_owner"), source=source, target=target)
    with acting_as("noc_agent"):
        assert TicketEntry.objects.get(pk=note.pk).ticket_id == target.pk
