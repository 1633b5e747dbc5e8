"""Bulk actions: many tickets, a fixed number of queries, refusals reported per ticket."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offload.core.errors import PermissionDenied
from offload.servicedesk import events
from offload.servicedesk.choices import TicketStatus, Transition
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services.bulk import bulk_update
from offload.servicedesk.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

# Savepoint and release, lock-and-read, the assignee's memberships and their client limits,
# one UPDATE, one history insert, one timeline insert: 8 whatever the number of tickets.
MAX_QUERIES = 8


def _tickets(world, n, **kwargs):
    return [TicketFactory(client=world.clients["a1"], **kwargs) for _ in range(n)]


def _run(world, acting_as, ids, bound, **kwargs):
    """Run bulk_update as the service manager; only the service's own queries are counted."""
    with acting_as("service_manager"), bound(MAX_QUERIES), CaptureQueriesContext(connection) as queries:
        result = bulk_update(actor=world.user("service_manager"), ticket_ids=ids, **kwargs)
    return result, len(queries)


def test_bulk_assign_costs_the_same_for_3_or_40_tickets(world, acting_as, django_assert_max_num_queries):
    """Assigning 40 tickets takes no more queries than assigning 3, and stays under a fixed bound."""
    few, many = _tickets(world, 3), _tickets(world, 40)
    tech = world.user("technician")
    bound = django_assert_max_num_queries
    _, few_queries = _run(world, acting_as, [t.pk for t in few], bound, assignee=tech)
    result, many_queries = _run(world, acting_as, [t.pk for t in many], bound, assignee=tech)
    assert few_queries == many_queries
    assert sorted(result.updated) == sorted(t.pk for t in many)
    with acting_as("msp_owner"):
        assert Ticket.objects.filter(assignee=tech, status=TicketStatus.ASSIGNED).count() == 43
        assert TicketEntry.objects.filter(event=events.ASSIGNED).count() == 43
        assert Ticket.history.filter(history_change_reason="bulk update").count() == 43


def test_bulk_transition_reports_refusals_and_foreign_ids(world, acting_as, django_assert_max_num_queries):
    """Tickets that cannot resolve, and ids outside the scope, are reported; the rest change."""
    open_ones = _tickets(world, 5)
    closed = _tickets(world, 2, status=TicketStatus.CLOSED)
    foreign = TicketFactory(client=world.clients["c1"], subject="FOREIGN")
    ids = [t.pk for t in (*open_ones, *closed, foreign)]
    result, _ = _run(world, acting_as, ids, django_assert_max_num_queries, transition=Transition.RESOLVE)
    assert sorted(result.updated) == sorted(t.pk for t in open_ones)
    assert result.refused == {
        closed[0].pk: "transition_not_allowed",
        closed[1].pk: "transition_not_allowed",
        foreign.pk: "not_found",
    }
    with acting_as("msp_owner"):
        resolved = Ticket.objects.filter(status=TicketStatus.RESOLVED)
        assert resolved.count() == 5
        assert all(t.resolved_at is not None for t in resolved)


def test_technicians_cannot_bulk_update(world, acting_as):
    """Bulk changes are for the people who run the desk."""
    tickets = _tickets(world, 2)
    with acting_as("technician"), pytest.raises(PermissionDenied):
        bulk_update(actor=world.user("technician"), ticket_ids=[t.pk for t in tickets], transition="resolve")
