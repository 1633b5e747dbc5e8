"""Console pages of routing: who may open them, the ticket page's triage panel, and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from offload.noc.models import ScopeDecision, TicketRouting, TriageSuggestion
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(world, settings):
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False

    def sign_in(key: str) -> HttpClient:
        http = HttpClient()
        http.force_login(world.user(key))
        return http

    return sign_in


def pending(world, catalog, n: int) -> None:
    with system_scope("test data"):
        for i in range(n):
            ticket = TicketFactory(client=world.clients["a1"], subject=f"printer {i}")
            TriageSuggestion.objects.create(
                msp=world.msp_a, ticket=ticket, category=catalog["printer"], category_confidence=0.4,
                priority="p3", priority_confidence=0.5, explanation={"category": ["printer"]},
                created_at=ticket.created_at,
            )  # fmt: skip
            TicketRouting.objects.create(
                msp=world.msp_a, ticket=ticket, decision=ScopeDecision.NEEDS_APPROVAL,
                state="awaiting_approval", decided_at=ticket.created_at,
            )  # fmt: skip


def test_pages_open_for_their_roles_only(world, catalog, as_role):
    """Owners edit the matrix, technicians triage; finance may do neither."""
    assert as_role("msp_owner").get("/routing/scope/").status_code == 200
    assert as_role("msp_owner").get("/routing/scope/versions/").status_code == 200
    assert as_role("technician").get("/triage/").status_code == 200
    assert as_role("finance").get("/triage/").status_code == 403
    assert as_role("finance").get("/routing/scope/").status_code == 403


def test_triage_view_has_a_fixed_query_count(world, catalog, as_role):
    """Two or twenty waiting tickets cost the same number of queries."""
    http = as_role("technician")
    http.get("/triage/")  # the first request of a session stores it; measure the ones after
    counts = []
    for n in (2, 18):
        pending(world, catalog, n)
        with CaptureQueriesContext(connection) as queries:
            assert http.get("/triage/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_ticket_page_shows_the_triage_panel_with_approval(world, catalog, as_role):
    """The staff ticket page shows the suggestion's words and an approve button while approval is awaited."""
    pending(world, catalog, 1)
    with system_scope("test data"):
        ticket = TriageSuggestion.objects.get().ticket
    page = as_role("technician").get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Triage &amp; routing" in page
    assert "Approve for the NOC" in page
