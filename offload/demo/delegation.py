"""Demo agreement terms and delegations: each MSP's agreement gets coverage, OLA targets and a rate
card, and a handful of tickets sit with the NOC in every state of the hand-off (offered, being
worked, awaiting the technician's review, returned, approved). Tickets are found by subject, so
loading twice changes nothing."""

from __future__ import annotations

from decimal import Decimal

from offload.accounts.choices import Role
from offload.accounts.models import Membership
from offload.noc.choices import Coverage, DelegationState, ReturnReason
from offload.noc.models import AgreementTerms, Delegation
from offload.noc.services import delegation as svc
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Ticket
from offload.servicedesk.services.entries import add_note
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.models import MSP, Client, ServiceAgreement

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OLA = {
    "p1": {"accept": 15, "respond": 30, "resolve": 240},
    "p2": {"accept": 30, "respond": 60, "resolve": 480},
    "p3": {"accept": 60, "respond": 240, "resolve": 1440},
    "p4": {"accept": 240, "respond": 480, "resolve": 2880},
}
# (subject, priority, where the hand-off stands)
STORIES = (
    ("Reset the front desk PC password", Priority.P3, DelegationState.OFFERED),
    ("Label printer in the warehouse is offline", Priority.P3, DelegationState.ACCEPTED),
    ("Guest Wi-Fi portal does not load", Priority.P2, DelegationState.COMPLETED),
    ("Replace the failed switch in the server room", Priority.P2, DelegationState.RETURNED),
    ("Patch the reception PCs", Priority.P4, DelegationState.APPROVED),
)


def load_terms(agreement: ServiceAgreement, *, zone: str) -> AgreementTerms:
    """Business-hours coverage in the MSP's zone, the standard OLA targets and a rate card."""
    values = {
        "coverage": Coverage.BUSINESS_HOURS,
        "business_hours": {"zone": zone, "week": {d: [["08:00", "18:00"]] for d in WEEKDAYS}},
        "ola_targets": OLA,
        "rate_per_hour": Decimal("65.00"),
        "minimum_minutes": 30,
        "increment_minutes": 15,
        "rate_per_ticket": Decimal("12.00"),
        "rate_per_alert": Decimal("1.50"),
        "currency": "EUR",
    }
    terms = AgreementTerms.objects.filter(agreement=agreement).first()
    if terms is None:
        return AgreementTerms.objects.create(agreement=agreement, msp_id=agreement.msp_id, **values)
    return terms


def load_delegations(*, msp: MSP, agreement: ServiceAgreement, client: Client) -> str:
    """The demo hand-offs of `msp` (system scope: the loader's), offered by its first technician."""
    load_terms(agreement, zone=msp.time_zone)
    technician = (
        Membership.objects.filter(msp=msp, role=Role.TECHNICIAN, is_active=True).order_by("id").first()
    )
    agent = (
        Membership.objects.filter(provider_id=agreement.provider_id, role=Role.NOC_AGENT, is_active=True)
        .order_by("id")
        .first()
    )
    made = 0
    for subject, priority, state in STORIES:
        if Ticket.objects.filter(msp=msp, subject=subject).exists():
            continue
        ticket = open_ticket(actor=None, client=client, subject=subject, priority=priority, source="phone")
        d = svc.offer_delegation(
            actor=None, ticket=ticket, note=f"Please take care of this: {subject.lower()}."
        )
        Delegation.objects.filter(pk=d.pk).update(
            offered_by=technician.user if technician else None, agent=agent.user if agent else None
        )
        if state != DelegationState.OFFERED:
            svc.accept_delegation(actor=None, delegation=d)
        if state in {DelegationState.COMPLETED, DelegationState.APPROVED}:
            add_note(actor=None, ticket=ticket, body="NOC: followed the runbook, user confirmed it works.")
            svc.complete_delegation(actor=None, delegation=d, note="Done; the user confirmed it works.")
        if state == DelegationState.RETURNED:
            svc.return_delegation(
                actor=None,
                delegation=d,
                reason=ReturnReason.NEEDS_ONSITE,
                note="The switch is dead; someone has to swap it on site.",
            )
        if state == DelegationState.APPROVED:
            svc.approve_delegation(actor=None, delegation=d)
        made += 1
    return f"{msp.name}: agreement terms and {made} new demo delegations"
