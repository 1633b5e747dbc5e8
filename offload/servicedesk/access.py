"""Single service-desk objects are read only through these helpers.

Each looks the object up through its scoped manager: another tenant's ticket, a ticket of a
client a limited technician does not serve, or another end user's ticket answers NotFound,
exactly like a ticket that does not exist (GLPI #127: another user's ticket by changing the id).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from offload.core.errors import NotFound
from offload.servicedesk.models import Attachment, SavedView, Ticket, TicketEntry
from offload.tenancy.scoping import current_scope


def _get[M: Model](queryset: QuerySet[M], **lookup: object) -> M:
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc


def access_ticket(actor: object, ticket_id: object, *, for_update: bool = False) -> Ticket:
    """The ticket `ticket_id` if the acting scope sees it, else NotFound.

    `actor` is named for the reader's sake: the scope the middleware (or a task) activated decides.
    `for_update` locks the row for the rest of the caller's transaction.
    """
    queryset = Ticket.objects.select_related("client", "contact", "msp")
    if for_update:
        queryset = Ticket.objects.select_for_update(of=("self",)).select_related("client", "contact", "msp")
    return _get(queryset, pk=ticket_id)


def access_ticket_by_reference(actor: object, reference: str) -> Ticket:
    """The ticket with this human reference (ACME-1042) within the scope, else NotFound.

    References are unique per MSP only; a provider serving two MSPs with the same prefix would
    see two rows, which is refused as not found rather than guessed.
    """
    queryset = Ticket.objects.select_related("client", "contact", "msp").filter(
        reference=reference.strip().upper()
    )
    rows = list(queryset[:2])
    if len(rows) != 1:
        raise NotFound("No ticket matches the given query.")
    return rows[0]


def access_entry(actor: object, entry_id: object) -> TicketEntry:
    """A thread entry the scope may read (clients: public entries of their own tickets)."""
    return _get(TicketEntry.objects.select_related("ticket"), pk=entry_id)


def access_attachment(actor: object, attachment_id: object) -> Attachment:
    """An attachment whose entry the scope may read; the only way to reach a file's bytes."""
    return _get(Attachment.objects.select_related("entry", "entry__ticket"), pk=attachment_id)


def access_saved_view(actor: object, view_id: int | str) -> SavedView:
    """A saved view that is shared at the actor's MSP or the actor's own."""
    user_id = getattr(actor, "pk", None)
    if current_scope().kind in {"client", "anonymous"}:
        raise NotFound("No saved view matches the given query.")
    queryset = SavedView.objects.all()
    rows = [v for v in queryset.filter(pk=view_id)[:1] if v.owner_id in (None, user_id)]
    if not rows:
        raise NotFound("No saved view matches the given query.")
    return rows[0]
