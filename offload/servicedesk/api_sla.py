"""The API of SLA setup and clocks: business calendars, SLA policies, who gets which, a ticket's clocks.

Managers (owner, service manager) write; agents read. As everywhere in the API, the scope decides
which rows exist: another MSP's calendar is a 404 in a path and a 422 in a body.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from offload.accounts.models import User
from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.core.errors import NotFound, PermissionDenied
from offload.servicedesk.access import access_ticket
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import (
    BusinessCalendar,
    CalendarAssignment,
    ClientSlaPolicy,
    SlaPolicy,
    TicketClock,
    TicketPause,
    TicketSla,
)
from offload.servicedesk.services import sla
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP, Client, Site
from offload.tenancy.scoping import current_scope
from offload.tenancy.services.base import InvalidInput

router = Router()

Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
Zone = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")]
Minutes = Annotated[int, Field(ge=1, le=sla.MAX_TARGET_MINUTES)]
OpenStatus = Literal["new", "triaged", "assigned", "in_progress", "waiting_on_client", "waiting_on_vendor"]


# --- Schemas ------------------------------------------------------------------------------------


class CalendarSpec(Schema):
    """Business hours: IANA zone, frames per weekday (an end at or before the start runs past
    midnight and belongs to the day it starts), one-off and recurring (MM-DD) holidays."""

    zone: Zone
    always_open: bool = False
    week: dict[Weekday, list[tuple[Clock, Clock]]] = Field(default_factory=dict)
    holidays: list[datetime.date] = Field(default_factory=list, max_length=5000)
    recurring_holidays: list[MonthDay] = Field(default_factory=list, max_length=366)
    cutoff: Clock | None = None


class CalendarOut(Schema):
    id: int
    name: str
    is_default: bool
    spec: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CalendarIn(Schema):
    name: text(120, min_length=1)  # type: ignore[valid-type]
    spec: CalendarSpec
    is_default: bool = False


class CalendarPatch(Schema):
    name: text(120, min_length=1) | None = None  # type: ignore[valid-type]
    spec: CalendarSpec | None = None
    is_default: bool | None = None


class IcalIn(Schema):
    ical: text(2_000_000, min_length=1, multiline=True)  # type: ignore[valid-type]


class IcalOut(Schema):
    added: int
    calendar: CalendarOut


class TargetIn(Schema):
    minutes: Minutes
    business_hours: bool = True


class PriorityTargets(Schema):
    first_response: TargetIn | None = None
    plan: TargetIn | None = None
    resolution: TargetIn | None = None
    update: TargetIn | None = None


class PolicyOut(Schema):
    id: int
    name: str
    is_default: bool
    targets: dict[str, Any]
    warn_at: list[int]
    notify_in_business_hours: bool
    pausing_statuses: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _default_pausing() -> list[OpenStatus]:
    return ["waiting_on_client", "waiting_on_vendor"]


class PolicyIn(Schema):
    name: text(120, min_length=1)  # type: ignore[valid-type]
    is_default: bool = False
    targets: dict[Priority, PriorityTargets] = Field(default_factory=dict)
    warn_at: list[Annotated[int, Field(ge=1, le=99)]] = Field(default_factory=lambda: [75, 90], max_length=10)
    notify_in_business_hours: bool = True
    pausing_statuses: list[OpenStatus] = Field(default_factory=_default_pausing)


class PolicyPatch(Schema):
    name: text(120, min_length=1) | None = None  # type: ignore[valid-type]
    is_default: bool | None = None
    targets: dict[Priority, PriorityTargets] | None = None
    warn_at: list[Annotated[int, Field(ge=1, le=99)]] | None = Field(default=None, max_length=10)
    notify_in_business_hours: bool | None = None
    pausing_statuses: list[OpenStatus] | None = None


class ClientSlaOut(Schema):
    client_id: int
    policy_id: int | None
    calendar_id: int | None


class ClientSlaIn(Schema):
    """The client's own policy and calendar; null returns it to the MSP's defaults."""

    policy_id: Id | None = None
    calendar_id: Id | None = None


class SiteSlaOut(Schema):
    site_id: int
    calendar_id: int | None


class SiteSlaIn(Schema):
    calendar_id: Id | None = None


class ClockOut(Schema):
    clock: str
    state: str
    target_minutes: int
    overridden: bool
    started_at: datetime.datetime
    deadline: datetime.datetime | None
    elapsed_minutes: int
    remaining_minutes: int
    paused_minutes: int
    achieved_at: datetime.datetime | None
    achieved_minutes: int | None
    difference_minutes: int | None
    warnings: list[dict[str, Any]]
    warned_percents: list[int]


class PauseOut(Schema):
    status: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    business_minutes: int


class TicketSlaOut(Schema):
    ticket_id: int
    policy_id: int | None
    calendar_id: int | None
    zone: str
    next_deadline: datetime.datetime | None
    evaluated_at: datetime.datetime | None
    is_closed: bool
    clocks: list[ClockOut]
    pauses: list[PauseOut]


class CalendarPage(CursorPage[CalendarOut]):
    pass


class PolicyPage(CursorPage[PolicyOut]):
    pass


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50


# --- Helpers ------------------------------------------------------------------------------------


def _reader(request: HttpRequest) -> User:
    actor: User = request.auth  # type: ignore[attr-defined]
    require(actor, "servicedesk.view_sla")
    return actor


def _acting_msp() -> MSP:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Only an MSP's managers set up SLAs.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


def _calendar(calendar_id: int) -> BusinessCalendar:
    found = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if found is None:
        raise NotFound("No business calendar matches the given query.")
    return found


def _policy(policy_id: int) -> SlaPolicy:
    found = SlaPolicy.objects.filter(pk=policy_id).first()
    if found is None:
        raise NotFound("No SLA policy matches the given query.")
    return found


def _in_body[M: (BusinessCalendar, SlaPolicy)](
    model: type[M], pk: int | None, field: str, msp_id: int
) -> M | None:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, msp_id=msp_id).first()
    if found is None:
        raise InvalidInput(f"No such {model._meta.verbose_name}.", field=field)
    return found


def _targets(raw: dict[Any, PriorityTargets]) -> dict[str, Any]:
    return {str(getattr(p, "value", p)): row.model_dump(exclude_none=True) for p, row in raw.items()}


def _spec(spec: CalendarSpec) -> dict[str, Any]:
    data = spec.model_dump()
    data["holidays"] = [d.isoformat() for d in data["holidays"]]
    data["week"] = {day: [list(frame) for frame in frames] for day, frames in data["week"].items()}
    return data


# --- Calendars ----------------------------------------------------------------------------------


@router.get("/business-calendars", response=with_errors({200: CalendarPage}), tags=["sla"])
def list_calendars(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """The business calendars of the actor's MSP, by name (agents)."""
    _reader(request)
    return paginate(
        request, BusinessCalendar.objects.all(), order="name", limit=params.limit, cursor=params.cursor
    )


@router.post("/business-calendars", response=with_errors({201: CalendarOut}), tags=["sla"])
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Status:
    """Add a business calendar (owners and service managers)."""
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "servicedesk.manage_sla")
    row = sla.create_calendar(
        actor=actor,
        msp=_acting_msp(),
        name=payload.name,
        spec=_spec(payload.spec),
        is_default=payload.is_default,
    )
    return Status(201, row)


@router.get("/business-calendars/{calendar_id}", response=with_errors({200: CalendarOut}), tags=["sla"])
def get_calendar(request: HttpRequest, calendar_id: Id) -> BusinessCalendar:
    _reader(request)
    return _calendar(calendar_id)


@router.patch("/business-calendars/{calendar_id}", response=with_errors({200: CalendarOut}), tags=["sla"])
def update_calendar(request: HttpRequest, calendar_id: Id, payload: CalendarPatch) -> BusinessCalendar:
    """Change a calendar; open tickets on it are re-measured."""
    calendar = _calendar(calendar_id)
    changes = payload.model_dump(exclude_unset=True)
    if payload.spec is not None:
        changes["spec"] = _spec(payload.spec)
    return sla.update_calendar(actor=request.auth, calendar=calendar, changes=changes)  # type: ignore[attr-defined]


@router.delete("/business-calendars/{calendar_id}", response=with_errors({204: None}), tags=["sla"])
def delete_calendar(request: HttpRequest, calendar_id: Id) -> Status:
    """Remove a calendar that no client or site uses (409-like 400 `in_use` otherwise)."""
    sla.delete_calendar(actor=request.auth, calendar=_calendar(calendar_id))  # type: ignore[attr-defined]
    return Status(204, None)


@router.post(
    "/business-calendars/{calendar_id}/ical-holidays", response=with_errors({200: IcalOut}), tags=["sla"]
)
def import_holidays(request: HttpRequest, calendar_id: Id, payload: IcalIn) -> dict[str, Any]:
    """Add the all-day events of an iCal file (its text) as holidays; recurring yearly ones stay recurring."""
    calendar = _calendar(calendar_id)
    added = sla.import_ical_holidays(actor=request.auth, calendar=calendar, ical=payload.ical)  # type: ignore[attr-defined]
    return {"added": added, "calendar": calendar}


# --- Policies -----------------------------------------------------------------------------------


@router.get("/sla-policies", response=with_errors({200: PolicyPage}), tags=["sla"])
def list_policies(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """The SLA policies of the actor's MSP, by name (agents)."""
    _reader(request)
    return paginate(request, SlaPolicy.objects.all(), order="name", limit=params.limit, cursor=params.cursor)


@router.post("/sla-policies", response=with_errors({201: PolicyOut}), tags=["sla"])
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status:
    """Add a policy: minutes per target per priority, warnings, pausing statuses (managers)."""
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "servicedesk.manage_sla")
    data = payload.model_dump()
    data["targets"] = _targets(payload.targets)
    return Status(201, sla.create_policy(actor=actor, msp=_acting_msp(), **data))


@router.get("/sla-policies/{policy_id}", response=with_errors({200: PolicyOut}), tags=["sla"])
def get_policy(request: HttpRequest, policy_id: Id) -> SlaPolicy:
    _reader(request)
    return _policy(policy_id)


@router.patch("/sla-policies/{policy_id}", response=with_errors({200: PolicyOut}), tags=["sla"])
def update_policy(request: HttpRequest, policy_id: Id, payload: PolicyPatch) -> SlaPolicy:
    """Change a policy; the open tickets it governs are re-measured from their whole history."""
    policy = _policy(policy_id)
    changes = payload.model_dump(exclude_unset=True)
    if payload.targets is not None:
        changes["targets"] = _targets(payload.targets)
    return sla.update_policy(actor=request.auth, policy=policy, changes=changes)  # type: ignore[attr-defined]


@router.delete("/sla-policies/{policy_id}", response=with_errors({204: None}), tags=["sla"])
def delete_policy(request: HttpRequest, policy_id: Id) -> Status:
    sla.delete_policy(actor=request.auth, policy=_policy(policy_id))  # type: ignore[attr-defined]
    return Status(204, None)


# --- Who gets which -----------------------------------------------------------------------------


def _client_sla(client: Client) -> dict[str, Any]:
    override = ClientSlaPolicy.objects.filter(client=client).first()
    assignment = CalendarAssignment.objects.filter(client=client, site__isnull=True).first()
    return {
        "client_id": client.pk,
        "policy_id": override.policy_id if override else None,
        "calendar_id": assignment.calendar_id if assignment else None,
    }


def _client(client_id: int) -> Client:
    found = Client.objects.filter(pk=client_id).first()
    if found is None:
        raise NotFound("No client matches the given query.")
    return found


@router.get("/clients/{client_id}/sla", response=with_errors({200: ClientSlaOut}), tags=["sla"])
def get_client_sla(request: HttpRequest, client_id: Id) -> dict[str, Any]:
    """The client's own policy and calendar (null: the MSP's defaults apply)."""
    _reader(request)
    return _client_sla(_client(client_id))


@router.put("/clients/{client_id}/sla", response=with_errors({200: ClientSlaOut}), tags=["sla"])
def set_client_sla(request: HttpRequest, client_id: Id, payload: ClientSlaIn) -> dict[str, Any]:
    """Give a client its own policy and/or calendar (managers)."""
    actor = request.auth  # type: ignore[attr-defined]
    client = _client(client_id)
    policy = _in_body(SlaPolicy, payload.policy_id, "policy_id", client.msp_id)
    calendar = _in_body(BusinessCalendar, payload.calendar_id, "calendar_id", client.msp_id)
    sla.set_client_policy(actor=actor, client=client, policy=policy)
    sla.assign_calendar(actor=actor, client=client, calendar=calendar)
    return _client_sla(client)


@router.put("/sites/{site_id}/sla", response=with_errors({200: SiteSlaOut}), tags=["sla"])
def set_site_sla(request: HttpRequest, site_id: Id, payload: SiteSlaIn) -> dict[str, Any]:
    """Give one site its own calendar, which wins over its client's (managers)."""
    actor = request.auth  # type: ignore[attr-defined]
    site = Site.objects.select_related("client").filter(pk=site_id).first()
    if site is None:
        raise NotFound("No site matches the given query.")
    calendar = _in_body(BusinessCalendar, payload.calendar_id, "calendar_id", site.msp_id)
    sla.assign_calendar(actor=actor, client=site.client, site=site, calendar=calendar)
    return {"site_id": site.pk, "calendar_id": calendar.pk if calendar else None}


# --- A ticket's clocks --------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/sla", response=with_errors({200: TicketSlaOut}), tags=["sla"])
def get_ticket_sla(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    """A ticket's SLA clocks as last evaluated (deadline, elapsed, achieved, difference) and its
    pause ledger (agents). A ticket never evaluated is evaluated now."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    require(actor, "servicedesk.view_sla", ticket)
    state = TicketSla.objects.filter(ticket=ticket).first()
    if state is None:
        sla.evaluate_ticket_sla(ticket_id=ticket.pk)
        state = TicketSla.objects.filter(ticket=ticket).first()
    clocks = list(TicketClock.objects.filter(ticket=ticket).order_by("id"))
    pauses = list(TicketPause.objects.filter(ticket=ticket))
    return {
        "ticket_id": ticket.pk,
        "policy_id": state.policy_id if state else None,
        "calendar_id": state.calendar_id if state else None,
        "zone": state.zone if state else "UTC",
        "next_deadline": state.next_deadline if state else None,
        "evaluated_at": state.evaluated_at if state else None,
        "is_closed": state.is_closed if state else False,
        "clocks": clocks,
        "pauses": pauses,
    }
