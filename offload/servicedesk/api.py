"""The API of the service desk: tickets, their thread, categories and time entries.

As in `offload.tenancy.api`, nothing here scopes anything itself: the API base activates the
actor's scope and every model uses the scoped manager, so another tenant's ticket is a 404 like
a missing one and another tenant's id in a body is a 422. Clients never read internal notes or
time entries: that rule lives in the querysets, not here. Writes go through the services, which
check permissions and the workflow (their DomainError codes reach the client unchanged).
Attachments and webhooks are not part of this router yet.
"""

from __future__ import annotations

import base64
import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from django.db.models import Model
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from offload.accounts.models import User
from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, InvalidCursor, paginate
from offload.core.api.types import MAX_ID, Cursor, Id, Limit, SearchQuery, text
from offload.core.errors import PermissionDenied
from offload.servicedesk.access import access_ticket
from offload.servicedesk.choices import (
    EntryKind,
    Impact,
    Priority,
    TicketKind,
    TicketStatus,
    Urgency,
    Visibility,
    WorkType,
)
from offload.servicedesk.models import Category, Team, Ticket, TicketEntry, TimeEntry
from offload.servicedesk.selectors import queue_page, ticket_thread
from offload.servicedesk.services import catalog, entries, tickets
from offload.servicedesk.services import time as timelog
from offload.servicedesk.services.guards import workable_clients
from offload.tenancy.models import MSP, Asset, Client, Contact, Site
from offload.tenancy.scoping import current_scope
from offload.tenancy.services.base import InvalidInput

router = Router()

Email = text(254)
# The named moves a client of the API asks for; assigning has its own operation (it needs a person).
TransitionName = Literal[
    "triage", "start_work", "wait_on_client", "wait_on_vendor", "resolve", "close", "reopen"
]
Minutes = Annotated[int, Field(ge=1, le=timelog.MAX_MINUTES, description="Minutes worked (1-1440).")]


# --- Schemas ------------------------------------------------------------------------------------


class TicketOut(Schema):
    id: int
    reference: str
    client_id: int
    contact_id: int | None
    site_id: int | None
    asset_id: int | None
    source: str
    kind: TicketKind
    category_id: int | None
    impact: Impact
    urgency: Urgency
    priority: Priority
    status: TicketStatus
    assignee_id: int | None
    team_id: int | None
    subject: str
    description: str
    cc_emails: list[str]
    merged_into_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    first_response_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class TicketIn(Schema):
    client_id: Id
    contact_id: Id | None = None
    site_id: Id | None = None
    asset_id: Id | None = None
    category_id: Id | None = None
    assignee_id: Id | None = None
    subject: text(300, min_length=1)  # type: ignore[valid-type]
    description: text(100_000, multiline=True) = ""  # type: ignore[valid-type]
    kind: TicketKind = TicketKind.INCIDENT
    impact: Impact = Impact.MEDIUM
    urgency: Urgency = Urgency.MEDIUM
    priority: Priority | None = None
    cc_emails: list[Email] = Field(default_factory=list, max_length=tickets.MAX_CC)  # type: ignore[valid-type]


class TicketPatch(Schema):
    """Only the fields sent are changed; a new impact or urgency re-rates the priority."""

    subject: text(300, min_length=1) | None = None  # type: ignore[valid-type]
    kind: TicketKind | None = None
    category_id: Id | None = None
    impact: Impact | None = None
    urgency: Urgency | None = None
    priority: Priority | None = None
    site_id: Id | None = None
    asset_id: Id | None = None
    contact_id: Id | None = None
    cc_emails: list[Email] | None = Field(default=None, max_length=tickets.MAX_CC)  # type: ignore[valid-type]


class TransitionIn(Schema):
    transition: TransitionName
    reason: text(500) = ""  # type: ignore[valid-type]


class AssignIn(Schema):
    """`assignee_id` null takes the ticket away from whoever holds it."""

    assignee_id: Id | None = None
    team_id: Id | None = None


class EntryOut(Schema):
    id: int
    ticket_id: int
    kind: EntryKind
    visibility: Visibility
    author_user_id: int | None
    author_contact_id: int | None
    body: str
    body_html: str
    event: str
    created_at: datetime.datetime


class ReplyIn(Schema):
    body: text(entries.MAX_BODY_CHARS, min_length=1, multiline=True)  # type: ignore[valid-type]


class NoteIn(ReplyIn):
    visibility: Literal["msp_internal", "provider_internal"] = "msp_internal"


class CategoryOut(Schema):
    id: int
    parent_id: int | None
    name: str
    path: str
    is_active: bool


class CategoryIn(Schema):
    name: text(100, min_length=1)  # type: ignore[valid-type]
    parent_id: Id | None = None


class TimeEntryOut(Schema):
    id: int
    ticket_id: int
    user_id: int
    entry_id: int | None
    minutes: int
    started_at: datetime.datetime
    is_billable: bool
    work_type: WorkType
    note: str
    created_at: datetime.datetime


class TimeEntryIn(Schema):
    minutes: Minutes
    started_at: datetime.datetime | None = None
    is_billable: bool = True
    work_type: WorkType = WorkType.REMOTE_SUPPORT
    note: text(5000, multiline=True) = ""  # type: ignore[valid-type]
    entry_id: Id | None = None


class TicketPage(CursorPage[TicketOut]):
    pass


class EntryPage(CursorPage[EntryOut]):
    pass


class CategoryPage(CursorPage[CategoryOut]):
    pass


class TimeEntryPage(CursorPage[TimeEntryOut]):
    pass


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50


class TicketFilters(PageParams):
    q: SearchQuery | None = None
    status: TicketStatus | None = None
    assignee: Id | None = None
    client: Id | None = None
    priority: Priority | None = None


class CategoryFilters(PageParams):
    q: SearchQuery | None = None
    is_active: bool | None = None


# --- Helpers ------------------------------------------------------------------------------------


def _visible[M: Model](model: type[M], pk: int | None, field: str) -> M | None:
    """The row `pk` of `model` if the actor sees it; an id the actor cannot see is a 422, not a leak."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()  # type: ignore[attr-defined]
    if found is None:
        raise InvalidInput(f"No such {model._meta.verbose_name}.", field=field)
    return found


def _of_client[M: Model](row: M | None, client_id: int, field: str) -> M | None:
    """Refuse a contact, site or asset of another client as an input error (422)."""
    if row is not None and row.client_id != client_id:  # type: ignore[attr-defined]
        raise InvalidInput(f"The {field.removesuffix('_id')} belongs to another client.", field=field)
    return row


def _colleague(user_id: int | None, *, msp_id: int, client_id: int, field: str) -> User | None:
    """The user `user_id` if they may work for this client; anyone else is "no such user" (422),
    so that the answer tells nothing about people of other tenants."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        every, clients = workable_clients(user, msp_id=msp_id)
        if every or client_id in clients:
            return user
    raise InvalidInput("No such colleague for this client.", field=field)


def _ticket_refs(changes: dict[str, Any], ticket_client: int) -> dict[str, Any]:
    """Turn the `*_id` inputs of a ticket into visible rows of its client (or 422)."""
    for field, model in (("contact_id", Contact), ("site_id", Site), ("asset_id", Asset)):
        if field in changes:
            row = _visible(model, changes.pop(field), field)
            changes[field.removesuffix("_id")] = _of_client(row, ticket_client, field)
    if "category_id" in changes:
        changes["category"] = _visible(Category, changes.pop("category_id"), "category_id")
    return changes


def _checked_queue_cursor(cursor: str | None) -> str | None:
    """`cursor` if it is a queue cursor the database can compare, else 400 `invalid_cursor`.

    The queue's cursor is "updated_at|id" (see `selectors.queue_page`); a forged one with a naive
    time or an id beyond a 64-bit column must be refused here, not by the database driver.
    """
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        if datetime.datetime.fromisoformat(stamp).tzinfo is not None and 1 <= int(pk) <= MAX_ID:
            return cursor
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidCursor("This cursor is not valid for this list.", field="cursor")


def _acting_msp(parent: Category | None) -> MSP:
    """The MSP a new category belongs to: its parent's, else the acting staff member's own."""
    if parent is not None:
        return parent.msp
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Only an MSP's staff add top-level categories.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


# --- Tickets ------------------------------------------------------------------------------------


@router.get("/tickets", response=with_errors({200: TicketPage}), tags=["tickets"])
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Tickets the actor sees, most recently updated first (search: a reference, else the subject)."""
    wanted = {
        key: getattr(filters, key)
        for key in ("status", "assignee", "client", "priority")
        if getattr(filters, key) is not None
    }
    page = queue_page(
        filters=wanted,
        user_id=request.auth.pk,  # type: ignore[attr-defined]
        after=_checked_queue_cursor(filters.cursor),
        limit=filters.limit,
        search=filters.q or "",
    )
    next_url = None
    if page.next_cursor:
        params = request.GET.copy()
        params["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(list(params.lists()), doseq=True)}")
    return {"items": page.tickets, "next_cursor": page.next_cursor, "next": next_url}


@router.post("/tickets", response=with_errors({201: TicketOut}), tags=["tickets"])
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    """Open a ticket (staff for any client they serve; client people for their own client)."""
    actor = request.auth  # type: ignore[attr-defined]
    data = payload.model_dump()
    client = _visible(Client, data.pop("client_id"), "client_id")
    assert client is not None
    data = _ticket_refs(data, client.pk)
    data["assignee"] = _colleague(
        data.pop("assignee_id"), msp_id=client.msp_id, client_id=client.pk, field="assignee_id"
    )
    ticket = tickets.open_ticket(actor=actor, client=client, source="api", **data)
    return Status(201, ticket)


@router.get("/tickets/{ticket_id}", response=with_errors({200: TicketOut}), tags=["tickets"])
def get_ticket(request: HttpRequest, ticket_id: Id) -> Ticket:
    return access_ticket(request.auth, ticket_id)  # type: ignore[attr-defined]


@router.patch("/tickets/{ticket_id}", response=with_errors({200: TicketOut}), tags=["tickets"])
def update_ticket(request: HttpRequest, ticket_id: Id, payload: TicketPatch) -> Ticket:
    """Change a ticket's fields (staff who work it)."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    changes = _ticket_refs(payload.model_dump(exclude_unset=True), ticket.client_id)
    # A null sent for a field that cannot be empty means "no change", as if it was not sent.
    for field in ("subject", "kind", "impact", "urgency", "priority", "cc_emails"):
        if field in changes and changes[field] is None:
            del changes[field]
    return tickets.update_ticket_fields(actor=actor, ticket=ticket, changes=changes)


@router.post("/tickets/{ticket_id}/transitions", response=with_errors({200: TicketOut}), tags=["tickets"])
def transition_ticket(request: HttpRequest, ticket_id: Id, payload: TransitionIn) -> Ticket:
    """Move a ticket through the workflow; a move its status does not allow answers 400
    `transition_not_allowed`. Clients may close and reopen their tickets; the rest is staff work."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    return tickets.transition_ticket(
        actor=actor, ticket=ticket, transition=payload.transition, reason=payload.reason
    )


@router.post("/tickets/{ticket_id}/assign", response=with_errors({200: TicketOut}), tags=["tickets"])
def assign_ticket(request: HttpRequest, ticket_id: Id, payload: AssignIn) -> Ticket:
    """Give a ticket to a colleague who works for its client (and, optionally, to a team)."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    assignee = _colleague(
        payload.assignee_id, msp_id=ticket.msp_id, client_id=ticket.client_id, field="assignee_id"
    )
    team = _visible(Team, payload.team_id, "team_id")
    return tickets.assign_ticket(actor=actor, ticket=ticket, assignee=assignee, team=team)


# --- Thread -------------------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/entries", response=with_errors({200: EntryPage}), tags=["tickets"])
def list_entries(request: HttpRequest, ticket_id: Id, params: Query[PageParams]) -> dict[str, Any]:
    """A ticket's thread, oldest first (clients see its public entries only)."""
    ticket = access_ticket(request.auth, ticket_id)  # type: ignore[attr-defined]
    return paginate(
        request, ticket_thread(ticket=ticket), order="created_at", limit=params.limit, cursor=params.cursor
    )


@router.post("/tickets/{ticket_id}/replies", response=with_errors({201: EntryOut}), tags=["tickets"])
def add_reply(request: HttpRequest, ticket_id: Id, payload: ReplyIn) -> Status:
    """Write to the client (staff) or to the desk (the client); the client reads it."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    return Status(201, entries.add_reply(actor=actor, ticket=ticket, body=payload.body))


@router.post("/tickets/{ticket_id}/notes", response=with_errors({201: EntryOut}), tags=["tickets"])
def add_note(request: HttpRequest, ticket_id: Id, payload: NoteIn) -> Status:
    """Add an internal note (staff); it never reaches the client."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    entry = entries.add_note(actor=actor, ticket=ticket, body=payload.body, visibility=payload.visibility)
    return Status(201, entry)


# --- Time ---------------------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/time-entries", response=with_errors({200: TimeEntryPage}), tags=["time"])
def list_time_entries(request: HttpRequest, ticket_id: Id, params: Query[PageParams]) -> dict[str, Any]:
    """Time logged on a ticket, oldest work first (staff only: a client's list is always empty)."""
    ticket = access_ticket(request.auth, ticket_id)  # type: ignore[attr-defined]
    queryset = TimeEntry.objects.filter(ticket_id=ticket.pk)
    return paginate(request, queryset, order="started_at", limit=params.limit, cursor=params.cursor)


@router.post("/tickets/{ticket_id}/time-entries", response=with_errors({201: TimeEntryOut}), tags=["time"])
def log_time(request: HttpRequest, ticket_id: Id, payload: TimeEntryIn) -> Status:
    """Log the actor's own work on a ticket (staff who work it)."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    data = payload.model_dump()
    entry = _visible(TicketEntry, data.pop("entry_id"), "entry_id")
    if entry is not None and entry.ticket_id != ticket.pk:
        raise InvalidInput("That message belongs to another ticket.", field="entry_id")
    return Status(201, timelog.log_time(actor=actor, ticket=ticket, entry=entry, **data))


# --- Categories ---------------------------------------------------------------------------------


@router.get("/categories", response=with_errors({200: CategoryPage}), tags=["categories"])
def list_categories(request: HttpRequest, filters: Query[CategoryFilters]) -> dict[str, Any]:
    """The category tree of the MSPs the actor sees, by path (search: path)."""
    queryset = Category.objects.all()
    if filters.q and filters.q.strip():
        queryset = queryset.filter(path__icontains=filters.q.strip())
    if filters.is_active is not None:
        queryset = queryset.filter(is_active=filters.is_active)
    return paginate(request, queryset, order="path", limit=filters.limit, cursor=filters.cursor)


@router.post("/categories", response=with_errors({201: CategoryOut}), tags=["categories"])
def create_category(request: HttpRequest, payload: CategoryIn) -> Status:
    """Add a category, at the top or under `parent_id` (desk managers)."""
    actor = request.auth  # type: ignore[attr-defined]
    parent = _visible(Category, payload.parent_id, "parent_id")
    category = catalog.create_category(actor=actor, msp=_acting_msp(parent), name=payload.name, parent=parent)
    return Status(201, category)
