"""The API of delegation and agreement terms: list, read, offer, the named transitions; terms.

Scoping is the API base's (a foreign delegation or agreement is a 404, a foreign ticket in a body
a 422); the services decide who may do what and their DomainError codes reach the client.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from offload.accounts.models import User
from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.noc.access import access_agreement, access_delegation
from offload.noc.choices import ClockState, Coverage, DelegationLevel, DelegationState, ReturnReason
from offload.noc.models import Delegation
from offload.noc.selectors.delegation import delegation_list, ola_clocks
from offload.noc.services import agreements as terms_svc
from offload.noc.services import delegation as svc
from offload.servicedesk.access import access_entry
from offload.servicedesk.models import Ticket
from offload.servicedesk.services.entries import share_note
from offload.servicedesk.services.guards import require
from offload.tenancy.services.base import InvalidInput

router = Router(tags=["delegation"])


def actor_of(request: HttpRequest) -> User:
    """The authenticated user (the API base sets `request.auth`)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


Note = text(4000, multiline=True)


class OlaClockOut(Schema):
    kind: str
    due: datetime.datetime | None
    stopped_at: datetime.datetime | None
    state: ClockState
    remaining_minutes: int | None
    breached_by: str | None


class DelegationOut(Schema):
    id: int
    ticket_id: int
    ticket_reference: str
    agreement_id: int
    provider_id: int
    state: DelegationState
    is_active: bool
    level: DelegationLevel
    priority: str
    offered_by_id: int | None
    agent_id: int | None
    reviewed_by_id: int | None
    offered_at: datetime.datetime
    accepted_at: datetime.datetime | None
    declined_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    return_reason: str
    note: str
    ola_accept_due: datetime.datetime | None
    ola_respond_due: datetime.datetime | None
    ola_resolve_due: datetime.datetime | None
    clocks: list[OlaClockOut]

    @staticmethod
    def resolve_ticket_reference(obj: Delegation) -> str:
        return obj.ticket.reference

    @staticmethod
    def resolve_clocks(obj: Delegation) -> list[dict[str, Any]]:
        return [
            {
                "kind": c.kind,
                "due": c.due,
                "stopped_at": c.stopped_at,
                "state": c.state,
                "remaining_minutes": c.remaining_minutes,
                "breached_by": c.breached_by,
            }
            for c in ola_clocks(obj)
        ]


class DelegationPage(CursorPage[DelegationOut]):
    pass


class DelegationFilters(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50
    state: DelegationState | None = None
    mine: bool = False
    active: bool | None = None


class OfferIn(Schema):
    ticket_id: Id
    note: Note = ""  # type: ignore[valid-type]


class DelegationTransitionIn(Schema):
    transition: Literal["accept", "decline", "complete", "return", "approve", "reject", "cancel"]
    note: Note = ""  # type: ignore[valid-type]
    reason: ReturnReason | None = None


class TermsOut(Schema):
    agreement_id: int
    coverage: Coverage
    business_hours: dict[str, Any]
    ola_targets: dict[str, dict[str, int]]
    auto_accept: bool
    rate_per_hour: Decimal
    minimum_minutes: int
    increment_minutes: int
    rate_per_ticket: Decimal
    rate_per_alert: Decimal
    currency: str

    @staticmethod
    def resolve_business_hours(obj: Any) -> dict[str, Any]:
        return obj.business_spec()

    @staticmethod
    def resolve_ola_targets(obj: Any) -> dict[str, dict[str, int]]:
        return {p: obj.ola_minutes(p) for p in ("p1", "p2", "p3", "p4")}


class TermsPatch(Schema):
    """Only the terms sent are changed."""

    coverage: Coverage | None = None
    business_hours: dict[str, Any] | None = None
    ola_targets: dict[str, dict[str, int]] | None = None
    auto_accept: bool | None = None
    rate_per_hour: Decimal | None = None
    minimum_minutes: int | None = None
    increment_minutes: int | None = None
    rate_per_ticket: Decimal | None = None
    rate_per_alert: Decimal | None = None
    currency: text(3, min_length=3) | None = None  # type: ignore[valid-type]


class EntrySharedOut(Schema):
    id: int
    ticket_id: int
    visibility: str
    shared_with_msp: bool

    @staticmethod
    def resolve_shared_with_msp(obj: Any) -> bool:
        return bool(obj.data.get("shared_with_msp"))


@router.get("/delegations", response=with_errors({200: DelegationPage}))
def list_delegations(request: HttpRequest, filters: Query[DelegationFilters]) -> dict[str, Any]:
    """Delegations the actor sees, newest offer first; `mine`: offered by me or held by me."""
    queryset = delegation_list(
        user=actor_of(request),  # type: ignore[attr-defined]
        state=filters.state,
        mine=filters.mine,
        active=filters.active,
    )
    return paginate(request, queryset, order="-offered_at", limit=filters.limit, cursor=filters.cursor)


@router.get("/delegations/{delegation_id}", response=with_errors({200: DelegationOut}))
def get_delegation(request: HttpRequest, delegation_id: Id) -> Delegation:
    return access_delegation(actor_of(request), delegation_id)


@router.post("/delegations", response=with_errors({201: DelegationOut}))
def offer(request: HttpRequest, payload: OfferIn) -> Status:
    """Offer a ticket to the NOC of the agreement that covers its client (MSP technicians)."""
    ticket = Ticket.objects.filter(pk=payload.ticket_id).first()
    if ticket is None:
        raise InvalidInput("No such ticket.", field="ticket_id")
    delegation = svc.offer_delegation(actor=actor_of(request), ticket=ticket, note=payload.note)
    return Status(201, access_delegation(actor_of(request), delegation.pk))


@router.post("/delegations/{delegation_id}/transitions", response=with_errors({200: DelegationOut}))
def transition(request: HttpRequest, delegation_id: Id, payload: DelegationTransitionIn) -> Delegation:
    """Move a delegation: accept, decline, complete, return (with a reason), approve, reject, cancel."""
    actor = actor_of(request)
    delegation = access_delegation(actor, delegation_id)
    name = payload.transition
    if name == "accept":
        svc.accept_delegation(actor=actor, delegation=delegation)
    elif name == "decline":
        svc.decline_delegation(actor=actor, delegation=delegation, note=payload.note)
    elif name == "complete":
        svc.complete_delegation(actor=actor, delegation=delegation, note=payload.note)
    elif name == "return":
        svc.return_delegation(
            actor=actor,
            delegation=delegation,
            reason=payload.reason or "",
            note=payload.note,
        )
    elif name == "approve":
        svc.approve_delegation(actor=actor, delegation=delegation)
    elif name == "reject":
        svc.reject_delegation(actor=actor, delegation=delegation, note=payload.note)
    else:
        svc.cancel_delegation(actor=actor, delegation=delegation, note=payload.note)
    return access_delegation(actor, delegation_id)


@router.get("/agreements/{agreement_id}/terms", response=with_errors({200: TermsOut}), tags=["agreements"])
def get_terms(request: HttpRequest, agreement_id: Id) -> Any:
    """An agreement's terms (the defaults until a provider admin sets them)."""
    agreement = access_agreement(actor_of(request), agreement_id)
    require(actor_of(request), "noc.view_terms", agreement)
    return terms_svc.terms_for(agreement)


@router.patch("/agreements/{agreement_id}/terms", response=with_errors({200: TermsOut}), tags=["agreements"])
def update_terms(request: HttpRequest, agreement_id: Id, payload: TermsPatch) -> Any:
    """Change an agreement's terms (provider admins)."""
    agreement = access_agreement(actor_of(request), agreement_id)
    changes = payload.model_dump(exclude_unset=True)
    return terms_svc.update_terms(actor=actor_of(request), agreement=agreement, changes=changes)


@router.post("/entries/{entry_id}/share", response=with_errors({200: EntrySharedOut}), tags=["tickets"])
def share(request: HttpRequest, entry_id: Id) -> Any:
    """Share a provider-internal note with the MSP's staff (provider staff)."""
    entry = access_entry(actor_of(request), entry_id)
    return share_note(actor=actor_of(request), entry=entry)
