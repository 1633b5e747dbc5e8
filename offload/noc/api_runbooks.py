"""The API of runbooks (the provider's library and each MSP's own), the runbooks on a ticket with
their steps, and recurring maintenance schedules.

Scoping is the API base's (the actor's scope is active, managers are scoped); writes go through
offload.noc.services, whose refusals reach the client with their codes.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.core.errors import NotFound, PermissionDenied
from offload.noc.models import MaintenanceOccurrence, MaintenanceSchedule, Runbook, TicketRunbook
from offload.noc.services import maintenance, runbooks
from offload.servicedesk.access import access_attachment, access_ticket
from offload.servicedesk.choices import TicketKind
from offload.servicedesk.models import Category
from offload.tenancy.models import Asset, Client, Site
from offload.tenancy.scoping import current_scope
from offload.tenancy.services.base import InvalidInput

router = Router(tags=["runbooks"])


# --- Schemas ------------------------------------------------------------------------------------


class StepIO(Schema):
    title: text(200, min_length=1)  # type: ignore[valid-type]
    instructions: text(5000, multiline=True) = ""  # type: ignore[valid-type]
    evidence: Literal["none", "note", "attachment"] = "none"
    required: bool = True


class LibraryRunbookOut(Schema):
    id: int
    provider_id: int
    name: str
    summary: str
    version: int
    steps: list[StepIO]
    suggested_categories: list[str]
    is_published: bool
    updated_at: datetime.datetime


class LibraryRunbookIn(Schema):
    name: text(200, min_length=1)  # type: ignore[valid-type]
    summary: text(5000, multiline=True) = ""  # type: ignore[valid-type]
    steps: list[StepIO] = Field(min_length=1, max_length=100)
    suggested_categories: list[text(200)] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    is_published: bool = True


class RunbookOut(Schema):
    id: int
    name: str
    summary: str
    version: int
    steps: list[StepIO]
    category_ids: list[int]
    ticket_kinds: list[str]
    adopted_from_id: int | None
    adopted_version: int | None
    overridden: bool
    is_active: bool
    updated_at: datetime.datetime

    @staticmethod
    def resolve_category_ids(obj: Runbook) -> list[int]:
        return sorted(c.pk for c in obj.categories.all())


class RunbookIn(Schema):
    name: text(200, min_length=1)  # type: ignore[valid-type]
    summary: text(5000, multiline=True) = ""  # type: ignore[valid-type]
    steps: list[StepIO] = Field(min_length=1, max_length=100)
    category_ids: list[Id] = Field(default_factory=list, max_length=200)
    ticket_kinds: list[TicketKind] = Field(default_factory=list, max_length=10)
    is_active: bool = True


class AdoptIn(Schema):
    category_ids: list[Id] = Field(default_factory=list, max_length=200)


class StepDoneOut(Schema):
    step_index: int
    done_by_id: int | None
    done_at: datetime.datetime
    evidence_note: str
    attachment_id: int | None


class TicketRunbookOut(Schema):
    id: int
    ticket_id: int
    runbook_id: int | None
    name: str
    version: int
    steps: list[StepIO]
    attached_at: datetime.datetime
    completed_at: datetime.datetime | None
    done: list[StepDoneOut]

    @staticmethod
    def resolve_done(obj: TicketRunbook) -> list[Any]:
        return list(obj.done.all())


class StepDoneIn(Schema):
    note: text(5000, multiline=True) = ""  # type: ignore[valid-type]
    attachment_id: Id | None = None


class ScheduleOut(Schema):
    id: int
    client_id: int
    site_id: int | None
    asset_id: int | None
    title: str
    description: str
    category_id: int | None
    runbook_id: int | None
    rrule: str
    starts_on: datetime.date
    at_time: datetime.time
    time_zone: str
    lead_minutes: int
    send_to_noc: bool
    is_active: bool
    next_due_at: datetime.datetime | None


class ScheduleIn(Schema):
    client_id: Id
    site_id: Id | None = None
    asset_id: Id | None = None
    title: text(200, min_length=1)  # type: ignore[valid-type]
    description: text(10_000, multiline=True) = ""  # type: ignore[valid-type]
    category_id: Id | None = None
    runbook_id: Id | None = None
    rrule: text(500, min_length=1)  # type: ignore[valid-type]
    starts_on: datetime.date
    at_time: datetime.time
    time_zone: text(64, min_length=1) = "UTC"  # type: ignore[valid-type]
    lead_minutes: int = Field(default=0, ge=0, le=60 * 24 * 14)
    send_to_noc: bool = True
    is_active: bool = True


class OccurrenceOut(Schema):
    id: int
    occurs_at: datetime.datetime
    ticket_id: int | None
    created_at: datetime.datetime


class LibraryPage(CursorPage[LibraryRunbookOut]):
    pass


class RunbookPage(CursorPage[RunbookOut]):
    pass


class SchedulePage(CursorPage[ScheduleOut]):
    pass


class OccurrencePage(CursorPage[OccurrenceOut]):
    pass


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50


# --- Helpers ------------------------------------------------------------------------------------


def _acting_msp_id() -> int:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Runbooks and schedules belong to an MSP: act as MSP staff.")
    return next(iter(scope.msp_ids))


def _row(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput(f"No such {model._meta.verbose_name}.", field=field)
    return found


def _steps(steps: list[StepIO]) -> list[dict[str, Any]]:
    return [step.model_dump() for step in steps]


# --- The provider's library ---------------------------------------------------------------------


@router.get("/runbook-library", response=with_errors({200: LibraryPage}))
def list_library(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """The library the actor may read: its own provider's, or that of the providers serving its MSP."""
    queryset = runbooks.library_for(current_scope())
    return paginate(request, queryset, order="name", limit=params.limit, cursor=params.cursor)


@router.post("/runbook-library", response=with_errors({201: LibraryRunbookOut}))
def create_library_runbook(request: HttpRequest, payload: LibraryRunbookIn) -> Status:
    """Add a runbook to the provider's library (provider admins and NOC leads)."""
    provider_id = current_scope().provider_id
    if provider_id is None:
        raise PermissionDenied("Only the provider's staff keep its library.")
    data = payload.model_dump()
    data["steps"] = _steps(payload.steps)
    runbook = runbooks.save_library_runbook(actor=request.auth, provider_id=provider_id, **data)  # type: ignore[attr-defined]
    return Status(201, runbook)


@router.put("/runbook-library/{runbook_id}", response=with_errors({200: LibraryRunbookOut}))
def update_library_runbook(request: HttpRequest, runbook_id: Id, payload: LibraryRunbookIn) -> Any:
    """Change a library runbook; changed steps raise its version (adopters are offered it)."""
    provider_id = current_scope().provider_id
    existing = runbooks.access_library_runbook(runbook_id)
    if provider_id is None or existing.provider_id != provider_id:
        raise NotFound("No runbook matches the given query.")
    data = payload.model_dump()
    data["steps"] = _steps(payload.steps)
    return runbooks.save_library_runbook(
        actor=request.auth,  # type: ignore[attr-defined]
        provider_id=provider_id,
        runbook=existing,
        **data,
    )


@router.post("/runbook-library/{runbook_id}/adopt", response=with_errors({201: RunbookOut}))
def adopt_library_runbook(request: HttpRequest, runbook_id: Id, payload: AdoptIn) -> Status:
    """Copy a library runbook into the acting MSP's runbooks."""
    library = runbooks.access_library_runbook(runbook_id)
    runbook = runbooks.adopt_runbook(
        actor=request.auth,  # type: ignore[attr-defined]
        library_runbook=library,
        msp_id=_acting_msp_id(),
        category_ids=payload.category_ids,
    )
    return Status(201, runbook)


# --- An MSP's runbooks --------------------------------------------------------------------------


@router.get("/runbooks", response=with_errors({200: RunbookPage}))
def list_runbooks(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    queryset = Runbook.objects.prefetch_related("categories")
    return paginate(request, queryset, order="name", limit=params.limit, cursor=params.cursor)


@router.post("/runbooks", response=with_errors({201: RunbookOut}))
def create_runbook(request: HttpRequest, payload: RunbookIn) -> Status:
    data = payload.model_dump()
    data["steps"] = _steps(payload.steps)
    runbook = runbooks.save_runbook(actor=request.auth, msp_id=_acting_msp_id(), **data)  # type: ignore[attr-defined]
    return Status(201, runbook)


@router.get("/runbooks/{runbook_id}", response=with_errors({200: RunbookOut}))
def get_runbook(request: HttpRequest, runbook_id: Id) -> Runbook:
    return runbooks.access_runbook(runbook_id)


@router.put("/runbooks/{runbook_id}", response=with_errors({200: RunbookOut}))
def update_runbook(request: HttpRequest, runbook_id: Id, payload: RunbookIn) -> Runbook:
    """Change a runbook; changing an adopted one's steps makes it an override."""
    existing = runbooks.access_runbook(runbook_id)
    data = payload.model_dump()
    data["steps"] = _steps(payload.steps)
    return runbooks.save_runbook(actor=request.auth, msp_id=existing.msp_id, runbook=existing, **data)  # type: ignore[attr-defined]


# --- Runbooks on tickets ------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/runbooks", response=with_errors({200: list[TicketRunbookOut]}))
def list_ticket_runbooks(request: HttpRequest, ticket_id: Id) -> list[TicketRunbook]:
    """The runbooks a ticket was given, with the steps done so far (staff only)."""
    if current_scope().kind not in {"msp", "provider", "system"}:
        raise NotFound("No ticket matches the given query.")
    ticket = access_ticket(request.auth, ticket_id)  # type: ignore[attr-defined]
    return runbooks.runbooks_on_ticket(ticket)


@router.post(
    "/ticket-runbooks/{ticket_runbook_id}/steps/{step}/done", response=with_errors({201: TicketRunbookOut})
)
def complete_runbook_step(
    request: HttpRequest, ticket_runbook_id: Id, step: int, payload: StepDoneIn
) -> Status:
    """Mark step `step` (0-based) done, with the note or file it asks for as evidence."""
    attached = runbooks.access_ticket_runbook(ticket_runbook_id)
    attachment = None
    if payload.attachment_id is not None:
        try:
            attachment = access_attachment(request.auth, payload.attachment_id)  # type: ignore[attr-defined]
        except NotFound:
            raise InvalidInput("No such attachment.", field="attachment_id") from None
    runbooks.complete_step(
        actor=request.auth,  # type: ignore[attr-defined]
        ticket_runbook=attached,
        step_index=step,
        note=payload.note,
        attachment=attachment,
    )
    attached.refresh_from_db()
    return Status(201, attached)


# --- Recurring maintenance ----------------------------------------------------------------------


def _schedule_values(payload: ScheduleIn) -> dict[str, Any]:
    """The service's arguments: ids of the body turned into visible rows (another tenant's is a 422)."""
    data = payload.model_dump()
    for field, model in (
        ("client_id", Client),
        ("site_id", Site),
        ("asset_id", Asset),
        ("category_id", Category),
        ("runbook_id", Runbook),
    ):
        data[field.removesuffix("_id")] = _row(model, data.pop(field), field)
    return data


@router.get("/maintenance-schedules", response=with_errors({200: SchedulePage}), tags=["maintenance"])
def list_schedules(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    queryset = MaintenanceSchedule.objects.all()
    return paginate(request, queryset, order="title", limit=params.limit, cursor=params.cursor)


@router.post("/maintenance-schedules", response=with_errors({201: ScheduleOut}), tags=["maintenance"])
def create_schedule(request: HttpRequest, payload: ScheduleIn) -> Status:
    """Schedule recurring work; each occurrence opens one maintenance ticket (offered to the NOC)."""
    values = _schedule_values(payload)
    schedule = maintenance.save_schedule(actor=request.auth, **values)  # type: ignore[attr-defined]
    return Status(201, schedule)


@router.get(
    "/maintenance-schedules/{schedule_id}", response=with_errors({200: ScheduleOut}), tags=["maintenance"]
)
def get_schedule(request: HttpRequest, schedule_id: Id) -> MaintenanceSchedule:
    return maintenance.access_schedule(schedule_id)


@router.put(
    "/maintenance-schedules/{schedule_id}", response=with_errors({200: ScheduleOut}), tags=["maintenance"]
)
def update_schedule(request: HttpRequest, schedule_id: Id, payload: ScheduleIn) -> MaintenanceSchedule:
    existing = maintenance.access_schedule(schedule_id)
    values = _schedule_values(payload)
    return maintenance.save_schedule(actor=request.auth, schedule=existing, **values)  # type: ignore[attr-defined]


@router.get(
    "/maintenance-schedules/{schedule_id}/occurrences",
    response=with_errors({200: OccurrencePage}),
    tags=["maintenance"],
)
def list_occurrences(request: HttpRequest, schedule_id: Id, params: Query[PageParams]) -> dict[str, Any]:
    """The occurrences generated so far and the ticket each opened, newest first."""
    schedule = maintenance.access_schedule(schedule_id)
    queryset = MaintenanceOccurrence.objects.filter(schedule=schedule)
    return paginate(request, queryset, order="-occurs_at", limit=params.limit, cursor=params.cursor)
