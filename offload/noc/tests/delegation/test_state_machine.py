"""The delegation state machine: every transition, who may make it, and the events it leaves."""

from __future__ import annotations

import pytest

from offload.accounts.models import User
from offload.core.errors import DomainError, PermissionDenied
from offload.noc.choices import DelegationState, ReturnReason
from offload.noc.models import AgreementTerms, Delegation
from offload.noc.services import delegation as svc
from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.models import Ticket, TicketEntry
from offload.tenancy.models import ServiceAgreement
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def events_of(ticket: Ticket) -> list[str]:
    with system_scope("test assertions"):
        return list(
            TicketEntry.objects.filter(ticket=ticket, event__startswith="delegation.").values_list(
                "event", flat=True
            )
        )


def offer(acting_as, ticket, note="Please reset it") -> Delegation:
    with acting_as("technician") as scope, system_scope("who acts"):
        technician = User.objects.get(pk=scope.user_id)
    with acting_as("technician"):
        return svc.offer_delegation(actor=technician, ticket=ticket, note=note)


def test_offer_accept_complete_approve_resolves_the_ticket(acting_as, ticket, world):
    """A technician's offer, accepted and completed by the NOC and approved, resolves the ticket."""
    d = offer(acting_as, ticket)
    assert d.state == DelegationState.OFFERED
    assert d.is_active
    assert d.ola_accept_due is not None
    assert d.provider == world.provider
    assert d.offered_by == world.user("technician")
    with acting_as("noc_agent"):
        d = svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
        assert d.state == DelegationState.ACCEPTED
        assert d.ola_resolve_due is not None
        d = svc.complete_delegation(
            actor=world.user("noc_agent"), delegation=d, note="Token reset, user confirmed"
        )
        assert d.state == DelegationState.COMPLETED
        assert d.is_active
    with acting_as("technician"):
        d = svc.approve_delegation(actor=world.user("technician"), delegation=d)
    assert d.state == DelegationState.APPROVED
    assert not d.is_active
    with system_scope("test assertions"):
        ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert events_of(ticket) == [
        "delegation.offered", "delegation.accepted", "delegation.completed", "delegation.approved",
    ]  # fmt: skip


def test_reject_sends_the_work_back_to_the_noc(acting_as, ticket, world):
    """A rejected completion is worked again by the NOC and may be completed anew."""
    d = offer(acting_as, ticket)
    with acting_as("noc_lead"):
        d = svc.accept_delegation(actor=world.user("noc_lead"), delegation=d)
        d = svc.complete_delegation(actor=world.user("noc_lead"), delegation=d)
    with acting_as("service_manager"):
        d = svc.reject_delegation(
            actor=world.user("service_manager"), delegation=d, note="User still locked out"
        )
    assert d.state == DelegationState.REJECTED
    assert d.is_active
    with acting_as("noc_agent"):
        d = svc.complete_delegation(actor=world.user("noc_agent"), delegation=d, note="Unlocked in AD too")
    assert d.state == DelegationState.COMPLETED
    assert "delegation.rejected" in events_of(ticket)


def test_return_with_reason_ends_the_delegation_and_allows_a_new_offer(acting_as, ticket, world):
    """A return carries its reason and note, ends the delegation, and the ticket may be offered again."""
    d = offer(acting_as, ticket)
    with acting_as("noc_agent"):
        d = svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
        d = svc.return_delegation(
            actor=world.user("noc_agent"), delegation=d, reason=ReturnReason.NEEDS_ONSITE, note="Cable is cut"
        )
    assert d.state == DelegationState.RETURNED
    assert not d.is_active
    assert d.return_reason == "needs_onsite"
    again = offer(acting_as, ticket)
    assert again.pk != d.pk
    assert again.is_active


def test_decline_ends_the_offer(acting_as, ticket, world):
    """A declined offer is no longer active and says why."""
    d = offer(acting_as, ticket)
    with acting_as("noc_agent"):
        d = svc.decline_delegation(actor=world.user("noc_agent"), delegation=d, note="Not in our scope")
    assert d.state == DelegationState.DECLINED
    assert not d.is_active
    assert d.declined_at is not None
    assert events_of(ticket)[-1] == "delegation.declined"


def test_cancel_by_the_msp(acting_as, ticket, world):
    """The technician may take back an offer the NOC has not finished."""
    d = offer(acting_as, ticket)
    with acting_as("technician"):
        d = svc.cancel_delegation(actor=world.user("technician"), delegation=d)
    assert d.state == DelegationState.CANCELLED
    assert not d.is_active


@pytest.mark.parametrize(
    ("key", "action"),
    [
        ("noc_agent", "offer"),
        ("finance", "offer"),
        ("client_user", "offer"),
        ("technician", "accept"),
        ("provider_admin", "accept"),
        ("noc_agent", "approve"),
    ],
)
def test_roles_that_may_not_make_a_transition_are_refused(acting_as, ticket, world, key, action):
    """Technicians offer and review; only NOC agents and leads work delegations."""
    d = offer(acting_as, ticket)
    with acting_as("noc_agent"):
        svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
        svc.complete_delegation(actor=world.user("noc_agent"), delegation=d)
    user = world.user(key)
    attempts = {
        "offer": lambda: svc.offer_delegation(actor=user, ticket=ticket),
        "accept": lambda: svc.accept_delegation(actor=user, delegation=d),
        "approve": lambda: svc.approve_delegation(actor=user, delegation=d),
    }
    with acting_as(key), pytest.raises(PermissionDenied) as exc:
        attempts[action]()
    assert exc.value.code == "permission_denied"


def test_refusals_carry_codes(acting_as, ticket, world):
    """Wrong states, duplicates, missing notes and reasons are refused with stable codes."""
    d = offer(acting_as, ticket)
    with acting_as("technician"), pytest.raises(DomainError) as exc:
        svc.offer_delegation(actor=world.user("technician"), ticket=ticket)
    assert exc.value.code == "already_delegated"
    with acting_as("technician"), pytest.raises(DomainError) as exc:
        svc.approve_delegation(actor=world.user("technician"), delegation=d)
    assert exc.value.code == "invalid_state"
    with acting_as("noc_agent"):
        with pytest.raises(DomainError) as exc:
            svc.complete_delegation(actor=world.user("noc_agent"), delegation=d)
        assert exc.value.code == "invalid_state"
        with pytest.raises(DomainError) as exc:
            svc.decline_delegation(actor=world.user("noc_agent"), delegation=d, note=" ")
        assert exc.value.code == "note_required"
        svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
        with pytest.raises(DomainError) as exc:
            svc.return_delegation(actor=world.user("noc_agent"), delegation=d, reason="bored", note="x")
        assert exc.value.code == "invalid_reason"
        with pytest.raises(DomainError) as exc:
            svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
        assert exc.value.code == "invalid_state"


def test_no_agreement_refuses_the_offer(acting_as, ticket, world):
    """Without an active agreement covering the client there is nobody to delegate to."""
    with system_scope("test setup"):
        ServiceAgreement.objects.filter(msp=world.msp_a).update(status="suspended")
    with acting_as("technician"), pytest.raises(DomainError) as exc:
        svc.offer_delegation(actor=world.user("technician"), ticket=ticket)
    assert exc.value.code == "no_agreement"


def test_routing_offer_is_auto_accepted_when_the_agreement_says_so(ticket, world):
    """Routing (no actor, system scope) offers; auto-accept terms accept on the provider's behalf."""
    with system_scope("test setup"):
        agreement = ServiceAgreement.objects.get(msp=world.msp_a)
        AgreementTerms.objects.create(agreement=agreement, msp=world.msp_a, auto_accept=True, coverage="24x7")
    with system_scope("routing", msp_id=world.msp_a.pk):
        d = svc.offer_delegation(actor=None, ticket=ticket)
    assert d.state == DelegationState.ACCEPTED
    assert d.offered_by is None
    assert d.accepted_at == d.offered_at
    assert d.ola_respond_due is not None
    assert events_of(ticket) == ["delegation.offered", "delegation.accepted"]


def test_foreign_provider_staff_cannot_reach_the_delegation(acting_as, ticket, world):
    """Provider staff see only delegations to their own provider; clients see none at all."""
    d = offer(acting_as, ticket)
    with acting_as("client_admin"):
        assert not Delegation.objects.filter(pk=d.pk).exists()
    with acting_as("noc_agent"):
        assert Delegation.objects.filter(pk=d.pk).exists()
