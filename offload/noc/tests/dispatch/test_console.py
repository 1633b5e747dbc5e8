"""The NOC console pages: the queue across MSPs, claim/release by htmx, agents, fixed query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offload.noc.models import AgentProfile, Delegation, InstructionVersion, Skill, StandingInstruction
from offload.tenancy.scoping import system_scope

from .conftest import make_delegation, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(world, settings):
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False

    def sign_in(key: str) -> HttpClient:
        http = HttpClient()
        http.force_login(world.user(key))
        return http

    return sign_in


def test_queue_shows_both_msps_brands_and_instruction_flags(world, as_role):
    """One queue lists Acme's and Bravo's delegations with their brand names and a VIP flag."""
    make_delegation(world, client_key="a1", subject="Acme printer")
    make_delegation(world, client_key="b1", subject="Bravo VPN")
    with system_scope("test setup"):
        StandingInstruction.objects.create(
            msp=world.msp_b, level="client", client=world.clients["b1"], title="CEO", is_vip=True
        )
    page = as_role("noc_agent").get("/noc/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Acme printer", "Bravo VPN", "Acme IT Service Desk", "Bravo MSP Service Desk", "VIP"):
        assert text in html
    assert "1 not acknowledged" in html


def test_queue_query_count_does_not_grow_with_items(world, as_role):
    """Twenty items cost the same number of queries as two."""
    http = as_role("noc_agent")
    for i in range(2):
        make_delegation(world, subject=f"first {i}")
    http.get("/noc/")  # the first request of a session also loads it
    with CaptureQueriesContext(connection) as few:
        http.get("/noc/")
    for i in range(18):
        make_delegation(world, client_key="b1" if i % 2 else "a2", subject=f"more {i}")
    with CaptureQueriesContext(connection) as many:
        assert http.get("/noc/").status_code == 200
    assert len(many) == len(few)


def test_claim_by_htmx_returns_the_row_as_mine_and_filters_follow(world, as_role, delegation):
    """Claiming answers the refreshed row ("You"); "mine" then lists it and "unclaimed" does not."""
    http = as_role("noc_agent")
    row = http.post(f"/noc/delegations/{delegation.pk}/claim/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert "<strong>You</strong>" in row.content.decode()
    assert delegation.ticket.subject in http.get("/noc/?show=mine").content.decode()
    assert delegation.ticket.subject not in http.get("/noc/?show=unclaimed").content.decode()
    refused = as_role("noc_lead").post(f"/noc/delegations/{delegation.pk}/claim/", HTTP_HX_REQUEST="true")
    assert "already claimed" in refused.content.decode()


def test_escalate_from_the_console_needs_a_note(world, as_role, delegation):
    """The escalate form moves the delegation to L2 with the note."""
    http = as_role("noc_agent")
    http.post(f"/noc/delegations/{delegation.pk}/escalate/", {"note": "Needs firewall access"})
    with system_scope("test assertions"):
        assert Delegation.objects.get(pk=delegation.pk).level == "l2"


def test_msp_staff_and_clients_cannot_open_the_queue(as_role):
    """The NOC console is for provider staff only."""
    assert as_role("technician").get("/noc/").status_code == 403
    assert as_role("client_admin").get("/noc/").status_code == 403


def test_agents_page_shows_load_and_a_lead_edits_a_profile(world, as_role, delegation):
    """The lead sets level, skills, shift and capacity; the page shows them with the current load."""
    with system_scope("test setup"):
        skill = Skill.objects.create(provider=world.provider, name="Email", category_paths=["Email"])
        Delegation.objects.filter(pk=delegation.pk).update(agent=world.user("noc_agent"))
    lead = as_role("noc_lead")
    member = world.user("noc_agent").memberships.get()
    response = lead.post(
        f"/noc/agents/{member.pk}/",
        {
            "level": "l2",
            "capacity": 6,
            "skills": [skill.pk],
            "zone": "Europe/Berlin",
            "days": ["mon", "tue", "wed"],
            "start": "07:00",
            "end": "15:30",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with system_scope("test assertions"):
        profile = AgentProfile.objects.get(user=world.user("noc_agent"))
    assert (profile.level, profile.capacity, profile.shift["zone"]) == ("l2", 6, "Europe/Berlin")
    assert list(profile.skills.all()) == [skill]
    html = lead.get("/noc/agents/").content.decode()
    for text in ("1 / 6", "Email", "07:00-15:30"):
        assert text in html
    assert as_role("noc_agent").get(f"/noc/agents/{member.pk}/").status_code == 403


def test_a_lead_assigns_next_to_the_agent_on_shift(world, as_role, delegation):
    """ "Assign next" gives the most urgent unclaimed item to an agent on shift with room."""
    make_profile(world, "noc_agent")
    as_role("noc_lead").post("/noc/assign-next/")
    with system_scope("test assertions"):
        assert Delegation.objects.get(pk=delegation.pk).agent == world.user("noc_agent")


def test_ticket_page_shows_instructions_first_and_acknowledges(world, as_role, delegation):
    """The ticket page opens with the instructions panel; acknowledging marks it for this version."""
    with system_scope("test setup"):
        instruction = StandingInstruction.objects.create(
            msp=world.msp_a, level="client", client=world.clients["a1"], title="Change freeze", is_vip=True
        )
        InstructionVersion.objects.create(
            msp=world.msp_a,
            instruction=instruction,
            number=1,
            title="Change freeze",
            created_at=timezone.now(),
        )
    http = as_role("technician")
    page = http.get(f"/tickets/{delegation.ticket.reference}/").content.decode()
    assert 'data-panel="instructions"' in page
    assert page.index('data-panel="instructions"') < page.index("Change freeze")
    assert "Not acknowledged" in page
    panel = http.post(
        f"/tickets/{delegation.ticket_id}/instructions/{instruction.pk}/acknowledge/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "All acknowledged" in panel
    assert "Acknowledged by" in panel
