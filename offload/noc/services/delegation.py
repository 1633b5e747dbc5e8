"""Delegation of a ticket to the NOC: offer, accept or decline, complete or return, approve or reject.

Each transition locks the delegation, checks the actor's role and the state, and records one
`delegation.*` event on the ticket's timeline (staff only: a client never sees the NOC). OLA due
times are computed on the agreement's coverage calendar: accept from the offer, respond and
resolve from the acceptance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from offload.accounts.choices import PROVIDER_ROLES
from offload.accounts.models import Membership, User
from offload.core.businesstime import add_business_time
from offload.core.errors import DomainError
from offload.noc.access import access_delegation
from offload.noc.choices import ACTIVE_STATES, WORKING_STATES, DelegationState, ReturnReason
from offload.noc.models import AgreementTerms, Delegation
from offload.noc.services.agreements import covering_agreement, terms_for
from offload.servicedesk import events
from offload.servicedesk.choices import EntryKind, Transition
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services.guards import require
from offload.servicedesk.services.tickets import transition_ticket
from offload.tenancy.scoping import system_scope

S = DelegationState

OFFERED = "delegation.offered"
ACCEPTED = "delegation.accepted"
DECLINED = "delegation.declined"
COMPLETED = "delegation.completed"
RETURNED = "delegation.returned"
APPROVED = "delegation.approved"
REJECTED = "delegation.rejected"
CANCELLED = "delegation.cancelled"
DELEGATION_EVENTS = frozenset(
    {OFFERED, ACCEPTED, DECLINED, COMPLETED, RETURNED, APPROVED, REJECTED, CANCELLED}
)

NOTE_LIMIT = 4000


def _note(note: str) -> str:
    return (note or "").strip()[:NOTE_LIMIT]


def _record(delegation: Delegation, actor: User | None, event: str, at: datetime, **data: Any) -> None:
    events.record_event(
        ticket=delegation.ticket,
        actor=actor,
        event=event,
        data={
            "delegation": delegation.pk,
            "state": delegation.state,
            "provider": delegation.provider.name,
            **{k: v for k, v in data.items() if v not in ("", None)},
        },
        at=at,
    )


def _due(terms: AgreementTerms, start: datetime, minutes: int) -> datetime:
    return add_business_time(terms.coverage_calendar(), start, minutes)


def _start_work_clocks(delegation: Delegation, terms: AgreementTerms, at: datetime) -> None:
    targets = terms.ola_minutes(delegation.priority)
    delegation.accepted_at = at
    delegation.ola_respond_due = _due(terms, at, targets["respond"])
    delegation.ola_resolve_due = _due(terms, at, targets["resolve"])


def offer_delegation(*, actor: User | None, ticket: Ticket, note: str = "") -> Delegation:
    """Offer `ticket` to the provider of the MSP's agreement covering its client.

    `actor` None means routing offered it (system scope). Refused with `not_open`,
    `already_delegated` or `no_agreement`. Auto-accepted when the agreement's terms say so.
    """
    require(actor, "noc.offer_delegation", ticket)
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("client").get(pk=ticket.pk)
        if not ticket.is_open or ticket.merged_into_id:
            raise DomainError(f"{ticket.reference} is not open.", code="not_open")
        if Delegation.objects.filter(ticket=ticket, is_active=True).exists():
            raise DomainError(f"{ticket.reference} is already with the NOC.", code="already_delegated")
        agreement = covering_agreement(ticket)
        if agreement is None:
            raise DomainError(
                "No active service agreement covers this client.", code="no_agreement", field="ticket"
            )
        terms = terms_for(agreement)
        delegation = Delegation(
            msp_id=ticket.msp_id,
            ticket=ticket,
            agreement=agreement,
            provider=agreement.provider,
            state=S.OFFERED,
            priority=ticket.priority,
            offered_by=actor if getattr(actor, "pk", None) else None,
            offered_at=now,
            note=_note(note),
        )
        delegation.ola_accept_due = _due(terms, now, terms.ola_minutes(ticket.priority)["accept"])
        try:
            with transaction.atomic():
                delegation.save(force_insert=True)
        except IntegrityError as exc:
            raise DomainError(
                f"{ticket.reference} is already with the NOC.", code="already_delegated"
            ) from exc
        _record(delegation, actor, OFFERED, now, note=delegation.note, by_routing=actor is None or None)
        if terms.auto_accept:
            delegation.state = S.ACCEPTED
            _start_work_clocks(delegation, terms, now)
            delegation.save(update_fields=["state", "accepted_at", "ola_respond_due", "ola_resolve_due"])
            _record(delegation, None, ACCEPTED, now, auto=True)
    return delegation


def _lock(delegation: Delegation) -> Delegation:
    return access_delegation(None, delegation.pk, for_update=True)


def _refuse_unless(delegation: Delegation, states: frozenset[str] | set[str], action: str) -> None:
    if delegation.state not in states:
        raise DomainError(
            f"A delegation that is {delegation.get_state_display().lower()} cannot be {action}.",
            code="invalid_state",
            field="state",
        )


def _end(delegation: Delegation, at: datetime) -> list[str]:
    delegation.is_active = False
    delegation.ended_at = at
    return ["is_active", "ended_at"]


def accept_delegation(*, actor: User | None, delegation: Delegation) -> Delegation:
    """The NOC takes the offered work; the respond and resolve OLA clocks start."""
    require(actor, "noc.work_delegation", delegation)
    now = timezone.now()
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, {S.OFFERED}, "accepted")
        delegation.state = S.ACCEPTED
        _start_work_clocks(delegation, terms_for(delegation.agreement), now)
        delegation.save(update_fields=["state", "accepted_at", "ola_respond_due", "ola_resolve_due"])
        _record(delegation, actor, ACCEPTED, now)
    return delegation


def decline_delegation(*, actor: User | None, delegation: Delegation, note: str) -> Delegation:
    """The NOC declines the offer (with a note for the MSP); the ticket stays with the MSP."""
    require(actor, "noc.work_delegation", delegation)
    note = _note(note)
    if not note:
        raise DomainError("Say why the offer is declined.", code="note_required", field="note")
    now = timezone.now()
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, {S.OFFERED}, "declined")
        delegation.state = S.DECLINED
        delegation.declined_at = now
        delegation.note = note
        delegation.save(update_fields=["state", "declined_at", "note", *_end(delegation, now)])
        _record(delegation, actor, DECLINED, now, note=note)
    return delegation


def complete_delegation(*, actor: User | None, delegation: Delegation, note: str = "") -> Delegation:
    """The NOC reports the work done; the delegation awaits the MSP's review."""
    require(actor, "noc.work_delegation", delegation)
    now = timezone.now()
    note = _note(note)
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, WORKING_STATES, "completed")
        delegation.state = S.COMPLETED
        delegation.completed_at = now
        delegation.responded_at = delegation.responded_at or now
        delegation.note = note
        delegation.save(update_fields=["state", "completed_at", "responded_at", "note"])
        _record(delegation, actor, COMPLETED, now, note=note)
    return delegation


def return_delegation(*, actor: User | None, delegation: Delegation, reason: str, note: str) -> Delegation:
    """The NOC hands the ticket back with a structured reason and a note; it needs the MSP again."""
    require(actor, "noc.work_delegation", delegation)
    if reason not in ReturnReason.values:
        raise DomainError("Choose why the ticket goes back.", code="invalid_reason", field="reason")
    note = _note(note)
    if not note:
        raise DomainError("Add a note for the technician.", code="note_required", field="note")
    now = timezone.now()
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, WORKING_STATES, "returned")
        delegation.state = S.RETURNED
        delegation.returned_at = now
        delegation.responded_at = delegation.responded_at or now
        delegation.return_reason = reason
        delegation.note = note
        delegation.save(
            update_fields=[
                "state",
                "returned_at",
                "responded_at",
                "return_reason",
                "note",
                *_end(delegation, now),
            ]
        )
        _record(delegation, actor, RETURNED, now, reason=reason, note=note)
    return delegation


def approve_delegation(*, actor: User | None, delegation: Delegation) -> Delegation:
    """The MSP accepts the NOC's work: the delegation ends and the ticket resolves."""
    require(actor, "noc.review_delegation", delegation)
    now = timezone.now()
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, {S.COMPLETED}, "approved")
        delegation.state = S.APPROVED
        delegation.reviewed_at = now
        delegation.reviewed_by = actor if getattr(actor, "pk", None) else None
        delegation.save(update_fields=["state", "reviewed_at", "reviewed_by", *_end(delegation, now)])
        _record(delegation, actor, APPROVED, now)
        ticket = delegation.ticket
        if ticket.can(Transition.RESOLVE):
            transition_ticket(
                actor=actor, ticket=ticket, transition=Transition.RESOLVE, reason="NOC work approved"
            )
    return delegation


def reject_delegation(*, actor: User | None, delegation: Delegation, note: str) -> Delegation:
    """The MSP sends the work back to the NOC with a note; the NOC works it again."""
    require(actor, "noc.review_delegation", delegation)
    note = _note(note)
    if not note:
        raise DomainError("Tell the NOC what is missing.", code="note_required", field="note")
    now = timezone.now()
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, {S.COMPLETED}, "rejected")
        delegation.state = S.REJECTED
        delegation.reviewed_at = now
        delegation.reviewed_by = actor if getattr(actor, "pk", None) else None
        delegation.note = note
        delegation.save(update_fields=["state", "reviewed_at", "reviewed_by", "note"])
        _record(delegation, actor, REJECTED, now, note=note)
    return delegation


def cancel_delegation(*, actor: User | None, delegation: Delegation, note: str = "") -> Delegation:
    """The MSP takes the ticket back before the NOC finished (e.g. the client called again)."""
    require(actor, "noc.review_delegation", delegation)
    now = timezone.now()
    note = _note(note)
    with transaction.atomic():
        delegation = _lock(delegation)
        _refuse_unless(delegation, ACTIVE_STATES, "cancelled")
        delegation.state = S.CANCELLED
        delegation.note = note
        delegation.save(update_fields=["state", "note", *_end(delegation, now)])
        _record(delegation, actor, CANCELLED, now, note=note)
    return delegation


@receiver(events.ticket_event_committed, dispatch_uid="noc.delegation.responded")
def _on_ticket_event(sender: Any, *, entry_ids: list[int], **kwargs: Any) -> None:
    """The NOC's first reply or note on a delegated ticket stops the delegation's respond clock."""
    if not {EntryKind.NOTE, EntryKind.REPLY}.intersection(kwargs.get("events", ())):
        return
    with system_scope("delegation: did the NOC respond on these tickets"):
        written = list(
            TicketEntry.objects.filter(
                pk__in=entry_ids, kind__in=[EntryKind.NOTE, EntryKind.REPLY], author_user__isnull=False
            ).values_list("ticket_id", "author_user_id", "created_at")
        )
        if not written:
            return
        noc_people = set(
            Membership.objects.filter(
                user_id__in={user for _, user, _ in written},
                role__in=list(PROVIDER_ROLES),
                is_active=True,
            ).values_list("user_id", flat=True)
        )
        for ticket_id, user_id, at in written:
            if user_id in noc_people:
                Delegation.objects.filter(
                    ticket_id=ticket_id, is_active=True, accepted_at__isnull=False, responded_at__isnull=True
                ).update(responded_at=at)
