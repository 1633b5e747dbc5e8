"""Logging time on tickets."""

from __future__ import annotations

import pytest

from offload.core.errors import DomainError, PermissionDenied
from offload.servicedesk.choices import WorkType
from offload.servicedesk.models import Ticket, TimeEntry
from offload.servicedesk.services.time import log_time
from offload.servicedesk.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_technician_logs_billable_time(world, acting_as):
    """Logged minutes are kept raw with work type and billable flag; amounts wait for pricing."""
    ticket = TicketFactory(client=world.clients["a1"])
    with acting_as("technician"):
        entry = log_time(
            actor=world.user("technician"),
            ticket=ticket,
            minutes=7,
            work_type=WorkType.ONSITE,
            note="Swapped PSU",
        )
    assert (entry.minutes, entry.is_billable, entry.work_type) == (7, True, WorkType.ONSITE)
    assert entry.billing_amount is None
    assert entry.started_at < entry.created_at


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, True])
def test_implausible_minutes_are_refused(world, acting_as, minutes):
    """Zero, negative, more than a day, or a boolean is refused with invalid_minutes."""
    ticket = TicketFactory(client=world.clients["a1"])
    with acting_as("technician"), pytest.raises(DomainError) as refused:
        log_time(actor=world.user("technician"), ticket=ticket, minutes=minutes)
    assert refused.value.code == "invalid_minutes"


def test_clients_neither_log_nor_see_time(world, acting_as):
    """Time is staff-only: a client cannot log it and never reads it (Zammad #4739)."""
    ticket = TicketFactory(client=world.clients["a1"], contact=world.contacts["a1"][1])
    with acting_as("technician"):
        log_time(actor=world.user("technician"), ticket=ticket, minutes=30)
    with acting_as("client_user"):
        with pytest.raises(PermissionDenied):
            log_time(actor=world.user("client_user"), ticket=ticket, minutes=30)
        assert TimeEntry.objects.count() == 0
        assert ticket.time_entries.count() == 0
    with acting_as("finance"):
        assert TimeEntry.objects.count() == 1


def test_clients_cannot_read_time_or_ticket_history(world, acting_as):
    """The audit trail of time entries and tickets is staff-only, also through the history API."""
    ticket = TicketFactory(client=world.clients["a1"], contact=world.contacts["a1"][1])
    with acting_as("technician"):
        log_time(actor=world.user("technician"), ticket=ticket, minutes=30)
    history_models = (TimeEntry.history.model, Ticket.history.model)
    with acting_as("client_user"):
        assert TimeEntry.history.count() == 0
        assert Ticket.history.filter(id=ticket.pk).count() == 0
        assert all(model.objects.count() == 0 for model in history_models)
    with acting_as("technician"):
        assert TimeEntry.history.count() == 1
        assert all(model.objects.count() >= 1 for model in history_models)
