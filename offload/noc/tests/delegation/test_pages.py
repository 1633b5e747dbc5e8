"""Console pages of delegation: the ticket panel's buttons, My team, SLA by holder, agreement terms."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from offload.noc.choices import DelegationState
from offload.noc.models import AgreementTerms, Delegation
from offload.noc.services import delegation as svc
from offload.servicedesk.models import TimeEntry
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.models import ServiceAgreement
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


def test_round_trip_through_the_panel_buttons(as_role, ticket, world):
    """Offer, accept, complete and approve are buttons on the ticket page for the right people."""
    url = f"/tickets/{ticket.reference}/"
    tech, noc = as_role("technician"), as_role("noc_agent")
    page = tech.get(url)
    assert page.status_code == 200
    assert b'id="delegation-offer-button"' in page.content
    tech.post(f"/delegation/tickets/{ticket.pk}/offer/", {"note": "Reset the token", "next": url})
    with system_scope("test"):
        d = Delegation.objects.get(ticket=ticket)
    page = noc.get(url)
    assert b'id="delegation-accept"' in page.content
    assert b'id="delegation-approve"' not in page.content
    noc.post(f"/delegation/{d.pk}/act/", {"transition": "accept"})
    noc.post(f"/delegation/{d.pk}/act/", {"transition": "complete", "note": "Done"})
    page = tech.get(url)
    assert b'id="delegation-approve"' in page.content
    tech.post(f"/delegation/{d.pk}/act/", {"transition": "approve"})
    with system_scope("test"):
        d.refresh_from_db()
    assert d.state == DelegationState.APPROVED


def test_foreign_delegation_actions_answer_404(as_role, ticket, world):
    """Another provider's NOC cannot even find the delegation."""
    with system_scope("test"):
        d = svc.offer_delegation(actor=None, ticket=ticket)
        from offload.accounts.tests.factories import MembershipFactory, UserFactory

        stranger = UserFactory(email="stranger@people.example")
        MembershipFactory(user=stranger, role="noc_agent", provider=world.other_provider)
    http = HttpClient()
    http.force_login(stranger)
    assert http.post(f"/delegation/{d.pk}/act/", {"transition": "accept"}).status_code == 404


def test_my_team_lists_review_returns_and_noc_time_in_fixed_queries(as_role, world):
    """My team shows what awaits review, what came back and NOC minutes, in the same number of queries."""
    tech = world.user("technician")

    def delegate(n: int, finish: str) -> None:
        for _ in range(n):
            with system_scope("test"):
                t = TicketFactory(client=world.clients["a1"])
                d = Delegation.objects.create(
                    msp=world.msp_a,
                    ticket=t,
                    agreement=ServiceAgreement.objects.get(msp=world.msp_a),
                    provider=world.provider,
                    offered_by=tech,
                    offered_at=t.created_at,
                    accepted_at=t.created_at,
                    state=finish,
                    is_active=finish in {"accepted", "completed"},
                    note="Cable is cut" if finish == "returned" else "",
                    return_reason="needs_onsite" if finish == "returned" else "",
                )
                TimeEntry.objects.create(
                    msp=world.msp_a,
                    ticket=t,
                    user=world.user("noc_agent"),
                    minutes=25,
                    started_at=t.created_at,
                )
                assert d.pk

    http = as_role("technician")
    delegate(1, "completed")
    delegate(1, "returned")
    delegate(1, "accepted")
    http.get("/my-team/")
    with CaptureQueriesContext(connection) as few:
        page = http.get("/my-team/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="awaiting-review"' in body
    assert "Cable is cut" in body
    assert "1h 15m" in body  # three tickets x 25 NOC minutes
    delegate(5, "completed")
    delegate(5, "returned")
    delegate(5, "accepted")
    with CaptureQueriesContext(connection) as many:
        http.get("/my-team/")
    assert len(many) == len(few)


def test_sla_by_holder_report_renders_for_the_msp(as_role, ticket, world):
    """The MSP's report shows each holder's share with a chart and a table per client."""
    with system_scope("routing", msp_id=world.msp_a.pk):
        svc.offer_delegation(actor=None, ticket=ticket)
    page = as_role("service_manager").get("/sla-by-holder/?days=7")
    assert page.status_code == 200
    assert b'id="holder-chart"' in page.content
    assert b"Alpha One" in page.content
    assert as_role("noc_agent").get("/sla-by-holder/").status_code == 403


def test_provider_admin_edits_terms(as_role, world):
    """A provider admin sets coverage, OLA targets and the rate card; a NOC agent may not."""
    with system_scope("test"):
        agreement = ServiceAgreement.objects.get(msp=world.msp_a)
    http = as_role("provider_admin")
    assert http.get("/agreement-terms/").status_code == 200
    page = http.get(f"/agreement-terms/{agreement.pk}/")
    assert page.status_code == 200
    data = {
        "coverage": "after_hours",
        "zone": "Europe/Berlin",
        "business_days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "08:00",
        "closes": "18:00",
        "auto_accept": "on",
        "rate_per_hour": "90",
        "minimum_minutes": "30",
        "increment_minutes": "15",
        "rate_per_ticket": "12",
        "rate_per_alert": "1.5",
        "currency": "eur",
    }
    for p in ("p1", "p2", "p3", "p4"):
        data |= {f"ola_{p}_accept": "20", f"ola_{p}_respond": "60", f"ola_{p}_resolve": "600"}
    response = http.post(f"/agreement-terms/{agreement.pk}/", data)
    assert response.status_code == 302, response.content[:2000]
    with system_scope("test"):
        terms = AgreementTerms.objects.get(agreement=agreement)
    assert terms.coverage == "after_hours"
    assert terms.auto_accept
    assert terms.currency == "EUR"
    assert terms.ola_minutes("p1") == {"accept": 20, "respond": 60, "resolve": 600}
    assert as_role("noc_agent").get(f"/agreement-terms/{agreement.pk}/").status_code == 403
