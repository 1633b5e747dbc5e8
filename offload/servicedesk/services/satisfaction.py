"""Customer satisfaction: the requester rates a resolution, once per resolution."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk import events
from offload.servicedesk.choices import DONE_STATUSES
from offload.servicedesk.models import CsatResponse, Ticket
from offload.servicedesk.services.guards import acting_contact, is_client_actor, require
from offload.servicedesk.services.tickets import lock_ticket
from offload.tenancy.models import Contact

MAX_COMMENT_CHARS = 5000
CSAT_RECORDED = "ticket.csat_recorded"


def rated_resolution(ticket: Ticket) -> CsatResponse | None:
    """The rating of the ticket's current resolution, if it was given."""
    if ticket.resolved_at is None:
        return None
    return CsatResponse.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).first()


def can_rate(ticket: Ticket) -> bool:
    """Whether the ticket's current resolution is waiting for a rating."""
    if ticket.status not in DONE_STATUSES or ticket.resolved_at is None:
        return False
    return rated_resolution(ticket) is None


def rate_resolution(
    *,
    actor: User | None,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    contact: Contact | None = None,
) -> CsatResponse:
    """Record the client's rating (1 to 5) of `ticket`'s current resolution; records `ticket.csat_recorded`.

    Refused with `not_resolved` (nothing to rate), `invalid_rating`, or `already_rated` (this
    resolution was rated; a reopened and again resolved ticket may be rated anew).
    """
    require(actor, "servicedesk.reply_ticket", ticket)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("Choose a rating from 1 to 5.", code="invalid_rating", field="rating")
    comment = comment.strip()[:MAX_COMMENT_CHARS]
    if actor is not None and is_client_actor(actor):
        contact = acting_contact(actor, msp_id=ticket.msp_id)
    try:
        with transaction.atomic():
            ticket = lock_ticket(ticket, actor)
            if ticket.status not in DONE_STATUSES or ticket.resolved_at is None:
                raise DomainError(
                    f"{ticket.reference} is not resolved yet.", code="not_resolved", field="rating"
                )
            if CsatResponse.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).exists():
                raise DomainError("You already rated this resolution. Thank you!", code="already_rated")
            response = CsatResponse.objects.create(
                msp_id=ticket.msp_id,
                ticket=ticket,
                client_id=ticket.client_id,
                resolved_at=ticket.resolved_at,
                rating=rating,
                comment=comment,
                contact=contact,
                user=actor if getattr(actor, "pk", None) else None,
            )
            events.record_event(
                ticket=ticket,
                actor=actor,
                event=CSAT_RECORDED,
                data={"csat": response.pk, "rating": rating},
            )
    except IntegrityError as exc:
        raise DomainError("You already rated this resolution. Thank you!", code="already_rated") from exc
    return response
