"""Runbooks: the provider's library, adoption and override by an MSP, attachment to tickets by
category, and step completion with evidence on the ticket's timeline."""

from __future__ import annotations

import pytest

from offload.core.errors import DomainError, PermissionDenied
from offload.core.tasks.testing import drain
from offload.noc.models import Runbook, TicketRunbook
from offload.noc.runbook_steps import clean_steps, parse_steps_text, steps_as_text
from offload.noc.services import runbooks as rb
from offload.servicedesk.choices import TicketKind
from offload.servicedesk.models import TicketEntry
from offload.servicedesk.services.entries import add_attachment, add_note
from offload.servicedesk.services.tickets import open_ticket
from offload.servicedesk.tests.factories import CategoryFactory
from offload.tenancy.scoping import current_scope, system_scope

pytestmark = pytest.mark.django_db

STEPS = [
    {"title": "Verify the caller's identity", "evidence": "note"},
    {"title": "Reset the password in Entra ID"},
    {"title": "Screenshot of the sign-in", "evidence": "attachment", "required": False},
]


@pytest.fixture
def categories(world):
    with system_scope("test categories"):
        accounts = CategoryFactory(msp=world.msp_a, name="Accounts", path="Accounts")
        network = CategoryFactory(msp=world.msp_a, name="Network", path="Network")
        wifi = CategoryFactory(msp=world.msp_a, name="Wi-Fi", path="Network / Wi-Fi", parent=network)
    return {"accounts": accounts, "network": network, "wifi": wifi}


@pytest.fixture
def library(world, acting_as):
    with acting_as("provider_admin"):
        return rb.save_library_runbook(
            actor=world.user("provider_admin"),
            provider_id=world.provider.pk,
            name="Password reset",
            summary="Routine reset for a locked-out user",
            steps=STEPS,
            suggested_categories=["Accounts"],
        )


def test_an_msp_adopts_its_providers_runbook_into_its_own_categories(world, acting_as, categories, library):
    """An MSP owner sees the library of the provider that serves them and adopts a runbook; the copy
    lands on the MSP's category named like the library's suggestion and remembers its version."""
    with acting_as("msp_owner"):
        assert list(rb.library_for(current_scope())) == [library]
        runbook = rb.adopt_runbook(
            actor=world.user("msp_owner"), library_runbook=library, msp_id=world.msp_a.pk
        )
        assert [c.path for c in runbook.categories.all()] == ["Accounts"]
    assert (runbook.adopted_from_id, runbook.adopted_version, runbook.overridden) == (library.pk, 1, False)
    assert [s["title"] for s in runbook.steps] == [s["title"] for s in STEPS]


def test_another_providers_library_is_invisible(world, acting_as, library):
    """A provider's library is never shown to MSPs it does not serve, nor to other providers' staff."""
    with system_scope("a second provider's library"):
        rb.save_library_runbook(
            actor=None, provider_id=world.other_provider.pk, name="FOREIGN runbook", steps=STEPS
        )
    for role in ("msp_owner", "technician", "noc_agent"):
        with acting_as(role):
            assert [r.name for r in rb.library_for(current_scope())] == ["Password reset"]
    with acting_as("client_admin"):
        assert not rb.library_for(current_scope()).exists()


def test_only_provider_admins_and_leads_edit_the_library(world, acting_as, library):
    """A NOC agent or an MSP technician cannot change the provider's library."""
    for role in ("noc_agent", "technician"):
        with acting_as(role), pytest.raises(PermissionDenied):
            rb.save_library_runbook(
                actor=world.user(role), provider_id=world.provider.pk, name="X", steps=STEPS, runbook=library
            )


def test_an_overridden_runbook_keeps_the_msps_changes_when_the_library_moves_on(
    world, acting_as, categories, library
):
    """After the MSP edits its copy, a new library version is offered but not applied unless the MSP
    discards its changes; a copy left alone takes the new version."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        runbook = rb.adopt_runbook(actor=owner, library_runbook=library, msp_id=world.msp_a.pk)
        rb.save_runbook(
            actor=owner,
            msp_id=world.msp_a.pk,
            name=runbook.name,
            steps=[*STEPS, {"title": "Tell the client's IT contact"}],
            category_ids=[categories["accounts"].pk],
            runbook=runbook,
        )
    with acting_as("provider_admin"):
        rb.save_library_runbook(
            actor=world.user("provider_admin"),
            provider_id=world.provider.pk,
            name=library.name,
            steps=[*STEPS, {"title": "Check MFA methods"}],
            runbook=library,
        )
    with acting_as("msp_owner"):
        runbook = rb.access_runbook(runbook.pk)
        assert runbook.overridden
        assert runbook.library_update_available
        with pytest.raises(DomainError) as refused:
            rb.update_from_library(actor=owner, runbook=runbook)
        assert refused.value.code == "overridden"
        assert runbook.steps[-1]["title"] == "Tell the client's IT contact"
        rb.update_from_library(actor=owner, runbook=runbook, discard_changes=True)
    assert runbook.steps[-1]["title"] == "Check MFA methods"
    assert (runbook.adopted_version, runbook.overridden, runbook.library_update_available) == (
        2,
        False,
        False,
    )


def test_the_most_specific_category_runbook_is_attached_to_a_new_ticket(
    world, acting_as, categories, django_capture_on_commit_callbacks
):
    """A new Wi-Fi ticket gets the Wi-Fi runbook rather than the general network one, once, with
    an event on its timeline — by the committed-event subscriber and a real worker."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        rb.save_runbook(
            actor=owner,
            msp_id=world.msp_a.pk,
            name="Network triage",
            steps=[{"title": "Ping the gateway"}],
            category_ids=[categories["network"].pk],
        )
        wifi = rb.save_runbook(
            actor=owner,
            msp_id=world.msp_a.pk,
            name="Wi-Fi fix",
            steps=[{"title": "Forget and rejoin the network"}],
            category_ids=[categories["wifi"].pk],
        )
        with django_capture_on_commit_callbacks(execute=True):
            ticket = open_ticket(
                actor=owner, client=world.clients["a1"], subject="Wi-Fi drops", category=categories["wifi"]
            )
    assert drain() >= 1
    with system_scope("test check"):
        attached = list(TicketRunbook.objects.filter(ticket=ticket))
        events = list(TicketEntry.objects.filter(ticket=ticket, event=rb.ATTACHED))
    assert [(a.runbook_id, a.name) for a in attached] == [(wifi.pk, "Wi-Fi fix")]
    assert len(events) == 1
    with system_scope("attaching again is a no-op"):
        rb.attach_by_category(ticket=ticket)
        assert TicketRunbook.objects.filter(ticket=ticket).count() == 1


def test_a_runbook_limited_to_maintenance_is_not_attached_to_incidents(world, acting_as, categories):
    """A runbook that names ticket kinds is attached only to tickets of those kinds."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        rb.save_runbook(
            actor=owner,
            msp_id=world.msp_a.pk,
            name="Monthly patching",
            steps=[{"title": "Apply updates"}],
            category_ids=[categories["accounts"].pk],
            ticket_kinds=[TicketKind.MAINTENANCE],
        )
        incident = open_ticket(
            actor=owner, client=world.clients["a1"], subject="x", category=categories["accounts"]
        )
        maintenance = open_ticket(
            actor=owner,
            client=world.clients["a1"],
            subject="y",
            category=categories["accounts"],
            kind=TicketKind.MAINTENANCE,
        )
        assert rb.runbook_for_ticket(incident) is None
        assert rb.runbook_for_ticket(maintenance).name == "Monthly patching"


def test_steps_need_their_evidence_and_completion_is_on_the_timeline(world, acting_as, categories, library):
    """A NOC agent cannot tick a step that asks for a note without one; each done step is a
    staff-only timeline event, and the runbook is complete once every required step is done."""
    owner, agent = world.user("msp_owner"), world.user("noc_agent")
    with acting_as("msp_owner"):
        runbook = rb.adopt_runbook(actor=owner, library_runbook=library, msp_id=world.msp_a.pk)
        ticket = open_ticket(actor=owner, client=world.clients["a1"], subject="Locked out")
        attached = rb.attach_runbook(actor=owner, ticket=ticket, runbook=runbook)
    with acting_as("noc_agent"):
        attached = rb.access_ticket_runbook(attached.pk)
        with pytest.raises(DomainError) as refused:
            rb.complete_step(actor=agent, ticket_runbook=attached, step_index=0)
        assert refused.value.code == "evidence_required"
        rb.complete_step(
            actor=agent, ticket_runbook=attached, step_index=0, note="Called back on file number"
        )
        with pytest.raises(DomainError) as twice:
            rb.complete_step(actor=agent, ticket_runbook=attached, step_index=0, note="again")
        assert twice.value.code == "already_done"
        rb.complete_step(actor=agent, ticket_runbook=attached, step_index=1)
    attached.refresh_from_db()
    assert attached.completed_at is not None  # step 3 is optional
    with system_scope("test check"):
        timeline = list(
            TicketEntry.objects.filter(ticket=ticket, event__startswith="runbook.").values_list(
                "event", "visibility"
            )
        )
    assert [e for e, _ in timeline] == [rb.ATTACHED, rb.STEP_DONE, rb.STEP_DONE, rb.COMPLETED]
    assert {v for _, v in timeline} == {"msp_internal"}
    with acting_as("client_admin"):
        from_client = TicketEntry.objects.filter(ticket_id=ticket.pk, event__startswith="runbook.")
        assert not from_client.exists()


def test_file_evidence_must_be_a_file_on_the_same_ticket(world, acting_as, categories, library):
    """A step that asks for a file accepts an attachment of this ticket, not one of another ticket."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        runbook = rb.adopt_runbook(actor=owner, library_runbook=library, msp_id=world.msp_a.pk)
        ticket = open_ticket(actor=owner, client=world.clients["a1"], subject="Locked out")
        other = open_ticket(actor=owner, client=world.clients["a1"], subject="Other")
        attached = rb.attach_runbook(actor=owner, ticket=ticket, runbook=runbook)
        note = add_note(actor=owner, ticket=ticket, body="screenshot attached")
        mine = add_attachment(actor=owner, entry=note, filename="signin.png", content=b"\x89PNG....")
        other_note = add_note(actor=owner, ticket=other, body="unrelated")
        theirs = add_attachment(actor=owner, entry=other_note, filename="x.png", content=b"\x89PNG....")
        with pytest.raises(DomainError):
            rb.complete_step(actor=owner, ticket_runbook=attached, step_index=2, attachment=theirs)
        done = rb.complete_step(actor=owner, ticket_runbook=attached, step_index=2, attachment=mine)
    assert done.attachment_id == mine.pk


def test_malformed_steps_are_refused_with_the_step_number():
    """A step without a title or with an unknown evidence kind is refused, saying which step."""
    with pytest.raises(DomainError, match="Step 2 needs a title"):
        clean_steps([{"title": "ok"}, {"title": "  "}])
    with pytest.raises(DomainError, match="evidence"):
        clean_steps([{"title": "ok", "evidence": "video"}])


def test_steps_round_trip_through_the_text_editor():
    """The one-step-per-line editor reads back what it writes, markers included."""
    text = "Check backups :: in the console [note]\n? Screenshot [file]\nClose out"
    steps = parse_steps_text(text)
    assert [(s["title"], s["evidence"], s["required"]) for s in steps] == [
        ("Check backups", "note", True),
        ("Screenshot", "attachment", False),
        ("Close out", "none", True),
    ]
    assert parse_steps_text(steps_as_text(steps)) == steps


def test_an_msp_cannot_use_another_msps_category(world, acting_as):
    """Saving a runbook with a category of another MSP is refused."""
    with system_scope("foreign category"):
        foreign = CategoryFactory(msp=world.msp_b, name="FOREIGN cat", path="FOREIGN cat")
    with acting_as("msp_owner"), pytest.raises(DomainError):
        rb.save_runbook(
            actor=world.user("msp_owner"),
            msp_id=world.msp_a.pk,
            name="x",
            steps=[{"title": "a"}],
            category_ids=[foreign.pk],
        )
    with system_scope("test check"):
        assert not Runbook.objects.exists()
