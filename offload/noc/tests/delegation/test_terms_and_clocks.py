"""Agreement terms: pricing, coverage calendars, OLA due times and clocks; who held a ticket's clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from offload.core.businesstime import Calendar, is_open
from offload.noc.choices import ClockState, Holder
from offload.noc.models import AgreementTerms
from offload.noc.models.agreements import after_hours_spec, billable_hours
from offload.noc.selectors.clocks import holder_split, split_from_events
from offload.noc.selectors.delegation import ola_clocks
from offload.noc.services import delegation as svc
from offload.servicedesk.choices import TicketStatus, Transition
from offload.servicedesk.services.tickets import transition_ticket
from offload.tenancy.models import ServiceAgreement
from offload.tenancy.scoping import system_scope

UTC = dt.UTC


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (1, "0.50"),
        (10, "0.50"),
        (30, "0.50"),
        (31, "0.75"),
        (40, "0.75"),
        (45, "0.75"),
        (46, "1.00"),
        (0, "0"),
    ],
)
def test_rate_card_bills_a_minimum_then_increments(minutes, hours):
    """With a 30-minute minimum and 15-minute steps, 10 minutes bill 0.5 h and 40 minutes 0.75 h."""
    assert billable_hours(minutes, minimum_minutes=30, increment_minutes=15) == Decimal(hours)


def test_price_minutes_applies_the_hourly_rate():
    """The hourly rate card prices NOC minutes in the agreement's currency."""
    terms = AgreementTerms(
        rate_per_hour=Decimal("80"), minimum_minutes=30, increment_minutes=15, currency="EUR"
    )
    charge = terms.price_minutes(40)
    assert (charge.hours, charge.amount, charge.currency) == (Decimal("0.75"), Decimal("60.00"), "EUR")


def test_after_hours_is_the_complement_of_business_hours():
    """After-hours coverage is open exactly when business hours are closed, weekends included."""
    business = {
        "zone": "Europe/Berlin",
        "week": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
    after = Calendar.from_spec(after_hours_spec(business))
    office = Calendar.from_spec(business)
    for moment in [
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC),  # Monday 10:00 Berlin
        dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC),  # Monday 19:00
        dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC),  # Saturday
        dt.datetime(2026, 3, 2, 6, 59, tzinfo=UTC),  # Monday 07:59
    ]:
        assert is_open(after, moment) != is_open(office, moment), moment


@pytest.mark.django_db
def test_ola_due_times_follow_the_coverage_calendar(acting_as, ticket, world, monkeypatch):
    """An offer on Friday evening under business-hours coverage is due on Monday morning."""
    with system_scope("test setup"):
        agreement = ServiceAgreement.objects.get(msp=world.msp_a)
        AgreementTerms.objects.create(
            agreement=agreement,
            msp=world.msp_a,
            business_hours={
                "zone": "UTC",
                "week": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            },
            ola_targets={"p2": {"accept": 30, "respond": 60, "resolve": 120}},
        )
    friday = dt.datetime(2026, 12, 4, 17, 50, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: friday)
    with acting_as("technician"):
        d = svc.offer_delegation(actor=world.user("technician"), ticket=ticket)
    assert d.ola_accept_due == dt.datetime(2026, 12, 7, 8, 20, tzinfo=UTC)
    clocks = {c.kind: c for c in ola_clocks(d, now=dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC))}
    assert clocks["accept"].state == ClockState.BREACHED
    assert clocks["accept"].breached_by == "provider"
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 7, 8, 10, tzinfo=UTC))
    with acting_as("noc_agent"):
        d = svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
    assert d.ola_respond_due == dt.datetime(2026, 12, 7, 9, 10, tzinfo=UTC)
    assert d.ola_resolve_due == dt.datetime(2026, 12, 7, 10, 10, tzinfo=UTC)
    clocks = {c.kind: c for c in ola_clocks(d, now=dt.datetime(2026, 12, 7, 8, 30, tzinfo=UTC))}
    assert clocks["accept"].state == ClockState.MET
    assert clocks["resolve"].state == ClockState.RUNNING
    assert clocks["resolve"].remaining_minutes == 100


def test_split_by_holder_from_the_timeline():
    """Time goes to the MSP, the NOC (offered and working), the client and the vendor as the timeline says."""
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def at(minutes):
        return t0 + dt.timedelta(minutes=minutes)

    timeline = [
        (at(10), "delegation.offered", {}),
        (at(15), "delegation.accepted", {}),
        (at(45), "ticket.status_changed", {"to": TicketStatus.WAITING_ON_CLIENT}),
        (at(65), "ticket.status_changed", {"to": TicketStatus.IN_PROGRESS}),
        (at(70), "ticket.status_changed", {"to": TicketStatus.WAITING_ON_VENDOR}),
        (at(100), "ticket.status_changed", {"to": TicketStatus.IN_PROGRESS}),
        (at(120), "delegation.completed", {}),
        (at(130), "delegation.approved", {}),
        (at(130), "ticket.status_changed", {"to": TicketStatus.RESOLVED}),
    ]
    split = split_from_events(created_at=t0, initial_status="new", timeline=timeline, now=at(500))
    assert split.minutes == {Holder.MSP: 20, Holder.NOC: 60, Holder.CLIENT: 20, Holder.VENDOR: 30}
    assert split.holder_at(at(50)) == Holder.CLIENT
    assert split.holder_at(at(110)) == Holder.NOC


@pytest.mark.django_db
def test_holder_split_of_a_real_ticket(acting_as, ticket, world):
    """A delegated ticket's split is read from its own timeline and ends when it resolves."""
    with acting_as("technician"):
        d = svc.offer_delegation(actor=world.user("technician"), ticket=ticket)
    with acting_as("noc_agent"):
        transition_ticket(actor=world.user("noc_agent"), ticket=ticket, transition=Transition.START_WORK)
        transition_ticket(actor=world.user("noc_agent"), ticket=ticket, transition=Transition.WAIT_ON_CLIENT)
        svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
    with acting_as("technician"):
        split = holder_split(ticket)
    assert split.spans[0].holder == Holder.MSP
    assert {s.holder for s in split.spans} <= {Holder.MSP, Holder.NOC, Holder.CLIENT}
    assert split.spans[-1].holder == Holder.CLIENT


@pytest.mark.django_db(transaction=True)
def test_a_noc_note_stops_the_respond_clock(acting_as, ticket, world):
    """The NOC's first note on a delegated ticket meets the respond clock; an MSP note does not."""
    from offload.noc.models import Delegation
    from offload.servicedesk.services.entries import add_note

    with acting_as("technician"):
        d = svc.offer_delegation(actor=world.user("technician"), ticket=ticket)
        add_note(actor=world.user("technician"), ticket=ticket, body="MSP note")
    with acting_as("noc_agent"):
        d = svc.accept_delegation(actor=world.user("noc_agent"), delegation=d)
    with system_scope("test"):
        assert Delegation.objects.get(pk=d.pk).responded_at is None
    with acting_as("noc_agent"):
        add_note(actor=world.user("noc_agent"), ticket=ticket, body="Looking at it")
    with system_scope("test"):
        d = Delegation.objects.get(pk=d.pk)
    assert d.responded_at is not None
    assert {c.kind: c.state for c in ola_clocks(d)}["respond"] == ClockState.MET
