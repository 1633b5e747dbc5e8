"""Console pages for runbooks and recurring maintenance, and the runbook panel on the ticket page."""

from __future__ import annotations

import datetime as dt

import pytest

from offload.noc.models import MaintenanceSchedule, Runbook, RunbookStepDone
from offload.noc.services import runbooks as rb
from offload.servicedesk.services.tickets import open_ticket
from offload.servicedesk.tests.factories import CategoryFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def printers(world):
    with system_scope("test category"):
        return CategoryFactory(msp=world.msp_a, name="Printers", path="Printers")


def test_a_technician_writes_a_runbook_in_the_one_line_per_step_editor(world, as_role, printers):
    """The form turns one line per step (with evidence markers) into the runbook's steps."""
    http = as_role("technician")
    response = http.post(
        "/runbooks/new/",
        {
            "name": "Printer offline",
            "categories": [printers.pk],
            "steps": "Check the queue :: on the print server [note]\n? Photo of the display [file]",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with system_scope("test check"):
        runbook = Runbook.objects.get(name="Printer offline")
    assert [(s["title"], s["evidence"], s["required"]) for s in runbook.steps] == [
        ("Check the queue", "note", True),
        ("Photo of the display", "attachment", False),
    ]
    page = http.get("/runbooks/").content.decode()
    assert "Printer offline" in page
    assert "Printers" in page


def test_a_bad_step_list_is_shown_back_with_the_reason(world, as_role):
    """An empty step list is refused on the form with a message, and nothing is saved."""
    response = as_role("technician").post("/runbooks/new/", {"name": "Empty", "steps": "   "})
    assert response.status_code == 400
    with system_scope("test check"):
        assert not Runbook.objects.exists()


def test_the_msp_adopts_from_the_library_page(world, as_role, printers):
    """The library of the NOC that serves the MSP is listed with an Adopt button that copies it."""
    with system_scope("library"):
        library = rb.save_library_runbook(
            actor=None,
            provider_id=world.provider.pk,
            name="Printer offline (NOC)",
            steps=[{"title": "Power-cycle"}],
            suggested_categories=["Printers"],
        )
    http = as_role("msp_owner")
    assert "Printer offline (NOC)" in http.get("/runbooks/").content.decode()
    response = http.post(f"/runbooks/library/{library.pk}/adopt/")
    assert response.status_code == 302
    with system_scope("test check"):
        adopted = Runbook.objects.get(adopted_from=library)
        assert list(adopted.categories.values_list("path", flat=True)) == ["Printers"]


def test_a_foreign_runbook_is_not_found(world, as_role):
    """Another MSP's runbook answers 404 on its edit page."""
    with system_scope("foreign runbook"):
        foreign = rb.save_runbook(actor=None, msp_id=world.msp_b.pk, name="FOREIGN", steps=[{"title": "x"}])
    assert as_role("technician").get(f"/runbooks/{foreign.pk}/").status_code == 404


def test_the_ticket_page_shows_the_runbook_and_a_step_is_ticked_from_it(world, as_role, printers):
    """The runbook panel lists the steps; ticking one with its evidence note records it and shows who."""
    with system_scope("runbook and ticket"):
        runbook = rb.save_runbook(
            actor=None,
            msp_id=world.msp_a.pk,
            name="Printer offline",
            steps=[{"title": "Check the queue", "evidence": "note"}, {"title": "Print a test page"}],
            category_ids=[printers.pk],
        )
        ticket = open_ticket(
            actor=None, client=world.clients["a1"], subject="Printer down", category=printers
        )
        attached = rb.attach_runbook(actor=None, ticket=ticket, runbook=runbook)
    http = as_role("noc_agent")
    page = http.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Runbook: Printer offline" in page
    assert "Check the queue" in page
    # The timeline says what happened in words, not as an event code.
    assert "attached runbook “Printer offline” (2 steps)" in page
    assert "runbook.attached" not in page
    response = http.post(
        f"/runbooks/on-ticket/{attached.pk}/steps/0/done/",
        {"note": "Queue was paused", "next": f"/tickets/{ticket.reference}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    with system_scope("test check"):
        done = RunbookStepDone.objects.get(ticket_runbook=attached)
    assert (done.step_index, done.evidence_note, done.done_by) == (
        0,
        "Queue was paused",
        world.user("noc_agent"),
    )
    assert "Queue was paused" in http.get(f"/tickets/{ticket.reference}/").content.decode()


def test_a_schedule_is_created_from_the_form_and_lists_its_next_dates(world, as_role):
    """A technician schedules monthly patching; the list shows the next occurrences."""
    http = as_role("technician")
    with system_scope("client id"):
        client_id = world.clients["a1"].pk
    response = http.post(
        "/maintenance/new/",
        {
            "title": "Patch Tuesday",
            "client": client_id,
            "rrule": "FREQ=MONTHLY;BYDAY=2TU",
            "starts_on": "2026-01-01",
            "at_time": "22:00",
            "time_zone": "Europe/London",
            "lead_minutes": "0",
            "send_to_noc": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with system_scope("test check"):
        schedule = MaintenanceSchedule.objects.get(title="Patch Tuesday")
    assert schedule.next_due_at is not None
    assert schedule.next_due_at > dt.datetime.now(dt.UTC)
    page = http.get("/maintenance/").content.decode()
    assert "Patch Tuesday" in page
    assert "FREQ=MONTHLY;BYDAY=2TU" in page


def test_a_bad_rule_stays_on_the_form_with_the_reason(world, as_role):
    """An unreadable rule is shown back on the form, and no schedule is stored."""
    with system_scope("client id"):
        client_id = world.clients["a1"].pk
    response = as_role("technician").post(
        "/maintenance/new/",
        {
            "title": "Broken",
            "client": client_id,
            "rrule": "FREQ=SOMETIMES",
            "starts_on": "2026-01-01",
            "at_time": "22:00",
            "time_zone": "UTC",
            "lead_minutes": "0",
        },
    )
    assert response.status_code == 400
    assert "recurrence rule" in response.content.decode()
    with system_scope("test check"):
        assert not MaintenanceSchedule.objects.exists()
