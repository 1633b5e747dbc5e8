"""The runbook and maintenance API: library, adoption, steps on a ticket, schedules."""

from __future__ import annotations

import pytest

from offload.api.testing import api_as
from offload.noc.services import runbooks as rb
from offload.servicedesk.services.tickets import open_ticket
from offload.servicedesk.tests.factories import CategoryFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

STEPS = [{"title": "Check the backup job", "evidence": "note"}, {"title": "Restore a test file"}]


def test_provider_publishes_and_msp_adopts_over_the_api(world):
    """A NOC lead adds a library runbook; the MSP owner sees it and adopts it into its categories."""
    with system_scope("category"):
        backups = CategoryFactory(msp=world.msp_a, name="Backups", path="Backups")
    created = api_as(world.user("noc_lead")).post(
        "/runbook-library", {"name": "Backup check", "steps": STEPS, "suggested_categories": ["Backups"]}
    )
    assert created.status_code == 201, created.content
    library_id = created.json()["id"]
    owner = api_as(world.user("msp_owner"))
    assert [r["name"] for r in owner.get("/runbook-library").json()["items"]] == ["Backup check"]
    adopted = owner.post(f"/runbook-library/{library_id}/adopt", {})
    assert adopted.status_code == 201
    body = adopted.json()
    assert (body["adopted_from_id"], body["category_ids"], body["overridden"]) == (
        library_id,
        [backups.pk],
        False,
    )


def test_an_msp_cannot_write_the_library_and_a_provider_cannot_write_msp_runbooks(world):
    """The library is the provider's; MSP runbooks are the MSP's: each side's writes are refused."""
    technician = api_as(world.user("technician"))
    assert technician.post("/runbook-library", {"name": "x", "steps": STEPS}).status_code == 403
    noc = api_as(world.user("noc_lead"))
    assert noc.post("/runbooks", {"name": "x", "steps": STEPS}).status_code == 403


def test_steps_are_completed_with_evidence_over_the_api(world):
    """A NOC agent reads a ticket's runbook and completes a step with its note; without the note
    the API answers 400 evidence_required."""
    with system_scope("runbook on a ticket"):
        runbook = rb.save_runbook(actor=None, msp_id=world.msp_a.pk, name="Backup check", steps=STEPS)
        ticket = open_ticket(actor=None, client=world.clients["a1"], subject="Backup failed")
        attached = rb.attach_runbook(actor=None, ticket=ticket, runbook=runbook)
    agent = api_as(world.user("noc_agent"))
    listed = agent.get(f"/tickets/{ticket.pk}/runbooks").json()
    assert [r["name"] for r in listed] == ["Backup check"]
    missing = agent.post(f"/ticket-runbooks/{attached.pk}/steps/0/done", {})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "evidence_required")
    done = agent.post(f"/ticket-runbooks/{attached.pk}/steps/0/done", {"note": "Job ran at 02:00"})
    assert done.status_code == 201
    assert done.json()["done"][0]["evidence_note"] == "Job ran at 02:00"
    client_user = api_as(world.user("client_admin"))
    assert client_user.get(f"/tickets/{ticket.pk}/runbooks").status_code == 404


def test_schedules_over_the_api_refuse_another_clients_site(world):
    """A schedule is created for a client; a site of another client in the body is a 422."""
    technician = api_as(world.user("technician"))
    with system_scope("ids"):
        client_id = world.clients["a1"].pk
        other_site = world.clients["a2"].sites.first().pk
    body = {
        "client_id": client_id,
        "title": "Patch servers",
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        "starts_on": "2026-01-05",
        "at_time": "06:00:00",
        "time_zone": "Europe/Berlin",
    }
    created = technician.post("/maintenance-schedules", body)
    assert created.status_code == 201, created.content
    assert created.json()["next_due_at"] is not None
    refused = technician.post("/maintenance-schedules", {**body, "site_id": other_site})
    assert refused.status_code in {400, 422}
    assert refused.json()["error"]["fields"] or refused.json()["error"]["message"]
    listed = technician.get("/maintenance-schedules").json()["items"]
    assert [s["title"] for s in listed] == ["Patch servers"]
