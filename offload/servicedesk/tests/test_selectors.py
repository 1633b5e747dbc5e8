"""Queue counts: bounded, cached per scope, stale as soon as a ticket changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offload.core.errors import DomainError
from offload.servicedesk import selectors
from offload.servicedesk.choices import TicketStatus, Transition
from offload.servicedesk.models import Ticket
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.servicedesk.tests.factories import SavedViewFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_bounded_count_stops_at_the_cap(world, acting_as):
    """Past the cap a count says "at least cap" instead of counting the whole table."""
    for _ in range(6):
        TicketFactory(client=world.clients["a1"])
    with acting_as("msp_owner"):
        assert str(selectors.bounded_count(Ticket.objects.all(), cap=5)) == "5+"
        assert str(selectors.bounded_count(Ticket.objects.all(), cap=6)) == "6"


def test_view_counts_differ_by_scope(world, acting_as):
    """The same shared view counts only what each reader may see (limited technicians see less)."""
    view = SavedViewFactory(msp=world.msp_a, filters={"open": True})
    for key in ("a1", "a1", "a2"):
        TicketFactory(client=world.clients[key])
    TicketFactory(client=world.clients["c1"], subject="FOREIGN")
    counts = {}
    for role in ("msp_owner", "technician_limited"):
        with acting_as(role):
            counts[role] = selectors.saved_view_counts(views=[view], user_id=world.user(role).pk)[
                view.pk
            ].value
    assert counts == {"msp_owner": 3, "technician_limited": 2}


def test_cached_counts_go_stale_when_a_ticket_changes(world, acting_as, django_capture_on_commit_callbacks):
    """A second read is served from the cache; resolving a ticket makes the next read recount."""
    view = SavedViewFactory(msp=world.msp_a, filters={"status": [TicketStatus.NEW]})
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        with django_capture_on_commit_callbacks(execute=True):
            ticket = open_ticket(actor=owner, client=world.clients["a1"], subject="x")
        assert selectors.saved_view_counts(views=[view], user_id=owner.pk)[view.pk].value == 1
        with CaptureQueriesContext(connection) as cached:
            selectors.saved_view_counts(views=[view], user_id=owner.pk)
        assert not any("servicedesk_ticket" in q["sql"] for q in cached.captured_queries)
        with django_capture_on_commit_callbacks(execute=True):
            transition_ticket(actor=owner, ticket=ticket, transition=Transition.RESOLVE)
        assert selectors.saved_view_counts(views=[view], user_id=owner.pk)[view.pk].value == 0


def test_assigned_to_me_counts_per_reader(world, acting_as):
    """A shared "assigned to me" view counts each reader's own tickets."""
    view = SavedViewFactory(msp=world.msp_a, filters={"assignee": ["me"], "open": True})
    TicketFactory(client=world.clients["a1"], assignee=world.user("technician"))
    results = {}
    for role in ("technician", "service_manager"):
        with acting_as(role):
            results[role] = selectors.saved_view_counts(views=[view], user_id=world.user(role).pk)[
                view.pk
            ].value
    assert results == {"technician": 1, "service_manager": 0}


@pytest.mark.parametrize(
    "filters", [{"client__msp": 1}, {"status": ["bogus"]}, {"client": ["1 OR 1=1"]}, {"assignee": ["you"]}]
)
def test_saved_view_filters_are_an_allow_list(filters):
    """Unknown keys or values in a saved view's filter are refused, never passed to the ORM."""
    with pytest.raises(DomainError) as refused:
        selectors.validate_queue_filters(filters)
    assert refused.value.code == "invalid_filter"


def test_clients_get_no_staff_queues(world, acting_as):
    """A client person is shown none of the MSP's saved views."""
    SavedViewFactory(msp=world.msp_a)
    with acting_as("client_admin"):
        assert selectors.saved_views_for(user_id=world.user("client_admin").pk) == []
    with acting_as("technician"):
        assert len(selectors.saved_views_for(user_id=world.user("technician").pk)) == 1


def test_queue_pages_walk_by_keyset_in_one_query_each(world, acting_as, django_assert_num_queries):
    """Paging a queue returns every ticket once, newest activity first, one query per page."""
    base = timezone.now()
    made = [
        TicketFactory(client=world.clients["a1"], updated_at=base - timedelta(minutes=i % 3), subject=f"T{i}")
        for i in range(7)
    ]
    TicketFactory(client=world.clients["c1"], subject="FOREIGN")
    seen: list[int] = []
    cursor = None
    with acting_as("technician"):
        for _ in range(3):
            with django_assert_num_queries(1):
                page = selectors.queue_page(filters={"open": True}, user_id=None, after=cursor, limit=3)
                [t.client.name for t in page.tickets]  # relations come with the page
            seen += [t.pk for t in page.tickets]
            cursor = page.next_cursor
    expected = sorted(made, key=lambda t: (t.updated_at, t.pk), reverse=True)
    assert seen == [t.pk for t in expected]
    assert cursor is None


def test_queue_search_by_reference_or_subject(world, acting_as):
    """A search finds a ticket by its exact reference or by a word of its subject."""
    printer = TicketFactory(client=world.clients["a1"], subject="Printer jammed")
    other = TicketFactory(client=world.clients["a1"], subject="VPN")
    with acting_as("technician"):
        by_word = selectors.queue_page(filters={}, user_id=None, search="printer").tickets
        by_reference = selectors.queue_page(filters={}, user_id=None, search=other.reference.lower()).tickets
    assert (by_word, by_reference) == ([printer], [other])


def test_a_forged_cursor_is_refused(world, acting_as):
    """A cursor that does not decode is a clear error, not a crash."""
    with acting_as("technician"), pytest.raises(DomainError) as refused:
        selectors.queue_page(filters={}, user_id=None, after="not-a-cursor!!")
    assert refused.value.code == "invalid_cursor"
