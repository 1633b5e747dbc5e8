"""Claiming, releasing, lead assignment and escalation of delegations, with their timeline events."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from offload.core.businesstime import Calendar
from offload.core.errors import DomainError, NotFound, PermissionDenied
from offload.noc.choices import DelegationState
from offload.noc.models import Delegation
from offload.noc.services import dispatch
from offload.servicedesk.models import TicketEntry
from offload.tenancy.scoping import system_scope

from .conftest import make_delegation, make_profile


def timeline(delegation: Delegation) -> list[tuple[str, dict]]:
    with system_scope("test assertions"):
        return list(
            TicketEntry.objects.filter(ticket_id=delegation.ticket_id, event__startswith="delegation.")
            .order_by("id")
            .values_list("event", "data")
        )


def reload(delegation: Delegation) -> Delegation:
    with system_scope("test assertions"):
        return Delegation.objects.get(pk=delegation.pk)


@pytest.mark.django_db
def test_an_agent_claims_an_unclaimed_delegation(world, acting_as, delegation):
    """Claiming makes the agent its holder and leaves a "claimed" event on the ticket's timeline."""
    with acting_as("noc_agent"):
        dispatch.claim_delegation(actor=world.user("noc_agent"), delegation_id=delegation.pk)
    d = reload(delegation)
    assert d.agent == world.user("noc_agent")
    assert d.claimed_at is not None
    assert timeline(d)[-1][0] == dispatch.CLAIMED


@pytest.mark.django_db
def test_a_claimed_delegation_cannot_be_claimed_again(world, acting_as, delegation):
    """A second agent is refused with already_claimed; the first keeps it."""
    with acting_as("noc_agent"):
        dispatch.claim_delegation(actor=world.user("noc_agent"), delegation_id=delegation.pk)
    with acting_as("noc_lead"), pytest.raises(dispatch.AlreadyClaimed):
        dispatch.claim_delegation(actor=world.user("noc_lead"), delegation_id=delegation.pk)
    assert reload(delegation).agent == world.user("noc_agent")


@pytest.mark.django_db
def test_release_puts_it_back_and_only_the_holder_or_a_lead_may(world, acting_as, delegation):
    """Another agent may not release someone's claim; the holder may, and it is unclaimed again."""
    with acting_as("noc_lead"):
        dispatch.claim_delegation(actor=world.user("noc_lead"), delegation_id=delegation.pk)
    with acting_as("noc_agent"), pytest.raises(PermissionDenied):
        dispatch.release_delegation(actor=world.user("noc_agent"), delegation_id=delegation.pk)
    with acting_as("noc_lead"):
        dispatch.release_delegation(actor=world.user("noc_lead"), delegation_id=delegation.pk)
    assert reload(delegation).agent is None
    assert [e for e, _ in timeline(delegation)] == [dispatch.CLAIMED, dispatch.RELEASED]


@pytest.mark.django_db
def test_only_accepted_work_is_claimed(world, acting_as):
    """An offer that the NOC has not accepted yet cannot be claimed."""
    offered = make_delegation(world, state=DelegationState.OFFERED)
    with acting_as("noc_agent"), pytest.raises(DomainError) as refused:
        dispatch.claim_delegation(actor=world.user("noc_agent"), delegation_id=offered.pk)
    assert refused.value.code == "not_claimable"


@pytest.mark.django_db
def test_msp_staff_and_foreign_providers_cannot_claim(world, acting_as, delegation):
    """A technician may not claim NOC work, and a delegation of an uncovered client is not found."""
    with acting_as("technician"), pytest.raises(PermissionDenied):
        dispatch.claim_delegation(actor=world.user("technician"), delegation_id=delegation.pk)
    foreign = make_delegation(world, client_key="a2")
    with system_scope("make it the other provider's"):
        Delegation.objects.filter(pk=foreign.pk).update(provider=world.other_provider)
    with acting_as("noc_agent"), pytest.raises(NotFound):
        dispatch.claim_delegation(actor=world.user("noc_agent"), delegation_id=foreign.pk)


@pytest.mark.django_db
def test_escalation_climbs_l1_l2_lead_then_returns_to_the_msp(world, acting_as, delegation):
    """Each escalation moves one level up with its handoff note; past the lead the MSP gets it back."""
    agent, lead = world.user("noc_agent"), world.user("noc_lead")
    with acting_as("noc_agent"):
        dispatch.claim_delegation(actor=agent, delegation_id=delegation.pk)
        with pytest.raises(DomainError):
            dispatch.escalate_delegation(actor=agent, delegation_id=delegation.pk, note="  ")
        d = dispatch.escalate_delegation(actor=agent, delegation_id=delegation.pk, note="Needs DNS access")
    assert (d.level, d.agent_id) == ("l2", None)
    with acting_as("noc_lead"):
        d = dispatch.escalate_delegation(
            actor=lead, delegation_id=delegation.pk, note="L2 cannot reach the firewall"
        )
        assert d.level == "lead"
        d = dispatch.escalate_delegation(
            actor=lead, delegation_id=delegation.pk, note="Onsite console needed"
        )
    d = reload(delegation)
    assert d.state == DelegationState.RETURNED
    assert d.return_reason == "beyond_skill"
    assert not d.is_active
    steps = [(data.get("to_level"), data.get("note")) for e, data in timeline(d) if e == dispatch.ESCALATED]
    assert steps == [
        ("l2", "Needs DNS access"),
        ("lead", "L2 cannot reach the firewall"),
        ("msp", "Onsite console needed"),
    ]
    assert timeline(d)[-1][0] == "delegation.returned"


@pytest.mark.django_db
def test_a_lead_assigns_to_an_agent_but_an_agent_cannot(world, acting_as, delegation):
    """A NOC lead hands work to an agent; an agent may not hand work to others."""
    with acting_as("noc_agent"), pytest.raises(PermissionDenied):
        dispatch.assign_delegation(
            actor=world.user("noc_agent"), delegation_id=delegation.pk, agent=world.user("noc_lead")
        )
    with acting_as("noc_lead"):
        dispatch.assign_delegation(
            actor=world.user("noc_lead"), delegation_id=delegation.pk, agent=world.user("noc_agent")
        )
        with pytest.raises(DomainError):
            dispatch.assign_delegation(
                actor=world.user("noc_lead"), delegation_id=delegation.pk, agent=world.user("technician")
            )
    assert reload(delegation).agent == world.user("noc_agent")


needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database (SQLite's in-memory test database is one writer)",
)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_claim_race_one_agent_wins(world, acting_as):
    """Two agents claim at once: the second waits on the row lock, then is refused; one holder."""
    delegation = make_delegation(world)
    first_holds = threading.Event()
    let_first_commit = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with acting_as("noc_agent"), transaction.atomic():
                dispatch.claim_delegation(actor=world.user("noc_agent"), delegation_id=delegation.pk)
                first_holds.set()
                let_first_commit.wait(10)
            outcome["first"] = "claimed"
        except BaseException as exc:  # reported by the main thread
            outcome["first"] = exc
        finally:
            connection.close()

    def second() -> None:
        try:
            first_holds.wait(10)
            with acting_as("noc_lead"):
                dispatch.claim_delegation(actor=world.user("noc_lead"), delegation_id=delegation.pk)
            outcome["second"] = "claimed"
        except BaseException as exc:
            outcome["second"] = exc
        finally:
            outcome["second_done_at"] = time.monotonic()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_holds.wait(10)
    time.sleep(0.5)
    assert "second" not in outcome, "the second claim must wait for the first transaction"
    released_at = time.monotonic()
    let_first_commit.set()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome["first"] == "claimed"
    assert isinstance(outcome["second"], dispatch.AlreadyClaimed)
    assert outcome["second_done_at"] >= released_at  # type: ignore[operator]
    assert reload(delegation).agent == world.user("noc_agent")
    assert [e for e, _ in timeline(delegation)] == [dispatch.CLAIMED]


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_claim_race_at_the_same_instant(world, acting_as):
    """Both agents released by one barrier: exactly one claim succeeds and one event is written."""
    delegation = make_delegation(world)
    start = threading.Barrier(2)
    results: list[object] = []

    def claimant(key: str) -> None:
        try:
            start.wait()
            with acting_as(key):
                dispatch.claim_delegation(actor=world.user(key), delegation_id=delegation.pk)
            results.append(key)
        except BaseException as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimant, args=(k,)) for k in ("noc_agent", "noc_lead")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1
    assert sum(isinstance(r, dispatch.AlreadyClaimed) for r in results) == 1
    assert reload(delegation).agent == world.user(winners[0])
    assert [e for e, _ in timeline(delegation)] == [dispatch.CLAIMED]


@pytest.mark.django_db
def test_the_periodic_job_pushes_unclaimed_work_to_agents_on_shift(world, delegation):
    """The scheduler's job gives unclaimed accepted work to an agent on shift, never to one off shift."""
    later = timezone.now() + dt.timedelta(hours=12)  # a one-hour shift that is closed right now
    closed = Calendar.workdays(
        "UTC", (later.strftime("%H:00"), f"{(later.hour + 1) % 24:02d}:00"), days=range(7)
    )
    make_profile(world, "noc_lead", shift=closed.to_spec())
    make_profile(world, "noc_agent")
    assert dispatch.auto_assign_all.call() == 1
    assert reload(delegation).agent == world.user("noc_agent")
    assert timeline(delegation)[-1][1]["by"] == "auto"
