"""The dispatch and instruction API: queue, claim, escalate, agents, instructions, acknowledgement."""

from __future__ import annotations

import pytest

from offload.api.testing import api_as
from offload.noc.models import Delegation, StandingInstruction
from offload.servicedesk.models import Ticket
from offload.tenancy.scoping import system_scope

from .conftest import make_delegation

pytestmark = pytest.mark.django_db


def test_queue_claim_and_conflict(world, delegation):
    """The queue lists the item with its brand; the first claim wins, the second is a 409."""
    make_delegation(world, client_key="b1", subject="Bravo VPN")
    agent = api_as(world.user("noc_agent"))
    page = agent.get("/noc/queue").json()
    assert {i["brand"] for i in page["items"]} == {"Acme IT Service Desk", "Bravo MSP Service Desk"}
    assert (
        agent.post(f"/noc/delegations/{delegation.pk}/claim", {}).json()["agent_id"]
        == world.user("noc_agent").pk
    )
    conflict = api_as(world.user("noc_lead")).post(f"/noc/delegations/{delegation.pk}/claim", {})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "already_claimed"
    mine = agent.get("/noc/queue", {"show": "mine"}).json()["items"]
    assert [i["id"] for i in mine] == [delegation.pk]


def test_escalate_and_msp_staff_are_refused(world, delegation):
    """Escalation takes a note and raises the level; a technician cannot claim NOC work."""
    agent = api_as(world.user("noc_agent"))
    assert agent.post(f"/noc/delegations/{delegation.pk}/escalate", {"note": ""}).status_code == 422
    escalated = agent.post(f"/noc/delegations/{delegation.pk}/escalate", {"note": "Needs L2"}).json()
    assert escalated["level"] == "l2"
    assert (
        api_as(world.user("technician")).post(f"/noc/delegations/{delegation.pk}/claim", {}).status_code
        == 403
    )


def test_agents_crud_by_a_lead(world):
    """A lead creates a skill and a profile, changes it and deletes it; agents may only read."""
    lead = api_as(world.user("noc_lead"))
    skill = lead.post("/noc/skills", {"name": "Email", "category_paths": ["Email"]}).json()
    created = lead.post(
        "/noc/agents",
        {
            "user_id": world.user("noc_agent").pk,
            "level": "l1",
            "skill_ids": [skill["id"]],
            "shift": {"zone": "Europe/Berlin", "week": {"mon": [["08:00", "16:00"]]}},
            "capacity": 4,
        },
    )
    assert created.status_code == 201, created.content
    agent_id = created.json()["id"]
    changed = lead.patch(f"/noc/agents/{agent_id}", {"level": "l2", "capacity": 9}).json()
    assert (changed["level"], changed["capacity"], changed["skill_ids"]) == ("l2", 9, [skill["id"]])
    assert (
        lead.patch(f"/noc/agents/{agent_id}", {"shift": {"zone": "Nowhere/Else", "week": {}}}).status_code
        == 422
    )
    agent = api_as(world.user("noc_agent"))
    assert agent.get(f"/noc/agents/{agent_id}").json()["email"] == "noc_agent@people.example"
    assert agent.patch(f"/noc/agents/{agent_id}", {"capacity": 99}).status_code == 403
    assert api_as(world.user("msp_owner")).get("/noc/agents").status_code == 403
    assert lead.client.delete(f"/api/v1/noc/agents/{agent_id}").status_code == 204


def test_instructions_crud_versions_and_acknowledgement(world):
    """MSP staff write and edit (new version); the NOC reads it on the ticket and acknowledges it."""
    manager = api_as(world.user("service_manager"))
    created = manager.post(
        "/instructions",
        {
            "client_id": world.clients["a1"].pk,
            "title": "No reboots",
            "no_reboot_start": "08:00",
            "no_reboot_end": "18:00",
        },
    )
    assert created.status_code == 201, created.content
    instruction = created.json()
    assert instruction["level"] == "client"
    edited = manager.patch(
        f"/instructions/{instruction['id']}",
        {"title": "No reboots in office hours", "no_reboot_start": "08:00", "no_reboot_end": "18:00"},
    ).json()
    assert edited["version"] == 2
    versions = manager.get(f"/instructions/{instruction['id']}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    with system_scope("test setup"):
        ticket = Ticket.objects.create(
            msp=world.msp_a, client=world.clients["a1"], reference="ACME-9", number=9, subject="x",
            created_at=world.clients["a1"].created_at, updated_at=world.clients["a1"].created_at,
        )  # fmt: skip
    agent = api_as(world.user("noc_agent"))
    assert agent.post("/instructions", {"title": "NOC may not write"}).status_code == 403
    on_ticket = agent.get(f"/tickets/{ticket.pk}/instructions").json()
    assert [(i["title"], i["acknowledged_by"]) for i in on_ticket] == [("No reboots in office hours", [])]
    ack = agent.post(f"/tickets/{ticket.pk}/instructions/{instruction['id']}/acknowledge", {}).json()
    assert ack["version"] == 2
    on_ticket = agent.get(f"/tickets/{ticket.pk}/instructions").json()
    assert on_ticket[0]["acknowledged_by"] == [world.user("noc_agent").pk]


def test_foreign_instructions_and_delegations_are_not_found(world):
    """Another client's instruction and another provider's delegation answer 404."""
    with system_scope("test setup"):
        foreign = StandingInstruction.objects.create(
            msp=world.msp_b, level="client", client=world.clients["b2"], title="FOREIGN"
        )
    assert api_as(world.user("noc_agent")).get(f"/instructions/{foreign.pk}").status_code == 404
    d = make_delegation(world, client_key="a2")
    with system_scope("another provider's"):
        Delegation.objects.filter(pk=d.pk).update(provider=world.other_provider)
    assert api_as(world.user("noc_agent")).post(f"/noc/delegations/{d.pk}/claim", {}).status_code == 404
