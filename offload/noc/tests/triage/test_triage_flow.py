"""A new ticket is triaged by the MSP's own model, then routed by the scope matrix."""

from __future__ import annotations

import pytest

from offload.core.tasks.testing import drain
from offload.noc.models import (
    Delegation,
    RoutingState,
    ScopeDecision,
    TicketRouting,
    TriageStatus,
    TriageSuggestion,
)
from offload.noc.services.routing import approve_delegation_request
from offload.noc.services.scope import Draft, RuleSpec, save_scope_matrix
from offload.noc.services.triage import decide_triage, train_triage_model
from offload.noc.tests.triage.helpers import history
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db(transaction=True)
IN, ASK, OUT = ScopeDecision.IN_SCOPE, ScopeDecision.NEEDS_APPROVAL, ScopeDecision.ESCALATE


@pytest.fixture
def trained(world, catalog, acting_as):
    """Acme has a scope matrix (passwords → NOC, printers → approval) and a model trained on its history."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        save_scope_matrix(
            actor=owner,
            msp_id=world.msp_a.pk,
            draft=Draft(
                client_id=None,
                rules=[RuleSpec(catalog["accounts"].pk, "", IN), RuleSpec(catalog["printer"].pk, "", ASK)],
                default_decision=OUT,
            ),
        )
    history(client=world.clients["a1"], catalog=catalog)
    with acting_as("msp_owner"):
        return train_triage_model(actor=owner, msp_id=world.msp_a.pk)


def open_as_contact(world, subject: str, description: str) -> Ticket:
    client = world.clients["a1"]
    with system_scope("mail intake in a test", msp_id=world.msp_a.pk):
        return open_ticket(
            actor=None,
            client=client,
            contact=world.contacts["a1"][0],
            subject=subject,
            description=description,
        )


def state_of(ticket: Ticket) -> tuple[Ticket, TriageSuggestion | None, TicketRouting | None, list[str]]:
    with system_scope("test check"):
        fresh = Ticket.objects.select_related("category").get(pk=ticket.pk)
        suggestion = TriageSuggestion.objects.filter(ticket=ticket).first()
        routing = TicketRouting.objects.filter(ticket=ticket).first()
        timeline = list(
            TicketEntry.objects.filter(ticket=ticket).order_by("id").values_list("event", flat=True)
        )
    return fresh, suggestion, routing, timeline


def test_training_stores_a_model_with_metrics_that_beat_the_majority(trained):
    """Training on the MSP's closed tickets stores the model file and held-out metrics per head."""
    category = trained.metrics["heads"]["category"]
    assert trained.examples == 30
    assert category["accuracy"] > category["baseline_accuracy"]
    assert bytes(trained.data)[:2] == b"PK"  # an .npz archive, not a pickle


def test_a_confident_suggestion_is_applied_and_the_ticket_is_offered_to_the_noc(world, trained):
    """Above the threshold category and priority are set, and routing offers an in-scope ticket to the NOC."""
    ticket = open_as_contact(world, "password reset please", "my account password expired and is locked")
    assert drain() >= 1
    fresh, suggestion, routing, timeline = state_of(ticket)
    assert suggestion.status == TriageStatus.AUTO_APPLIED
    assert suggestion.is_automatic
    assert fresh.category.path == "Accounts / Password reset"
    assert fresh.priority == "p3"
    assert "password" in suggestion.explanation["category"]
    assert routing.decision == IN
    assert routing.state == RoutingState.DELEGATED
    with system_scope("test check"):
        delegation = Delegation.objects.get(ticket=ticket)
    assert delegation.offered_by is None  # offered by routing
    assert "triage.applied" in timeline
    assert "routing.decided" in timeline


def test_an_unsure_suggestion_waits_for_a_technician_who_corrects_it(world, trained, acting_as):
    """Below the threshold nothing is applied; a technician's correction sets the fields and routes it."""
    with system_scope("raise the bar"):
        trained.threshold = 0.999
        trained.save(update_fields=["threshold"])
    ticket = open_as_contact(world, "printer toner jam", "the printer has a paper jam")
    drain()
    fresh, suggestion, routing, timeline = state_of(ticket)
    assert suggestion.status == TriageStatus.PENDING
    assert fresh.category is None
    assert routing is None
    assert "triage.awaiting_human" in timeline
    with acting_as("technician"):
        decide_triage(actor=world.user("technician"), suggestion=suggestion, priority="p2")
    fresh, suggestion, routing, timeline = state_of(ticket)
    assert suggestion.status == TriageStatus.CORRECTED  # the priority was corrected
    assert suggestion.decided_by == world.user("technician")
    assert (fresh.category.path, fresh.priority) == ("Printer", "p2")
    assert routing.state == RoutingState.AWAITING_APPROVAL


def test_needs_approval_waits_until_a_technician_approves_then_offers(world, trained, acting_as):
    """A "needs approval" ticket is not offered until an MSP technician approves; then it is."""
    ticket = open_as_contact(world, "printer paper jam", "the printer toner queue is stuck")
    drain()
    fresh, _, routing, timeline = state_of(ticket)
    assert fresh.category.path == "Printer"
    assert routing.state == RoutingState.AWAITING_APPROVAL
    assert "routing.awaiting_approval" in timeline
    with system_scope("test check"):
        assert not Delegation.objects.filter(ticket=ticket).exists()
    with acting_as("technician"):
        approve_delegation_request(actor=world.user("technician"), routing=routing)
    _, _, routing, timeline = state_of(ticket)
    assert routing.state == RoutingState.APPROVED
    assert "routing.approved" in timeline
    with system_scope("test check"):
        assert Delegation.objects.get(ticket=ticket).offered_by == world.user("technician")


def test_without_a_model_the_ticket_is_routed_as_it_is(world, catalog, acting_as):
    """An MSP that never trained a model still gets routing; an uncategorised ticket takes the default."""
    ticket = open_as_contact(world, "anything", "at all")
    drain()
    _, suggestion, routing, _ = state_of(ticket)
    assert suggestion is None
    assert routing.decision == OUT
    assert routing.state == RoutingState.KEPT
