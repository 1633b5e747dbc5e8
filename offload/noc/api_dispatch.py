"""The dispatch and standing-instruction API: the NOC queue, claim/release/escalate, agents and
skills, standing instructions with their versions, and acknowledgements on tickets.

As everywhere in the API, the actor's scope is active before any handler runs: another tenant's
delegation, instruction or ticket is a 404. Agent profiles and skills belong to a provider (not an
MSP), so their handlers filter by the acting provider explicitly; another provider's are a 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.core.businesstime import Calendar
from offload.core.errors import DomainError, NotFound, PermissionDenied
from offload.noc.choices import DelegationLevel, DelegationState
from offload.noc.models import AgentLevel, AgentProfile, InstructionLevel, Skill, StandingInstruction
from offload.noc.selectors import dispatch as queue
from offload.noc.selectors import instructions as selectors
from offload.noc.services import dispatch
from offload.noc.services import instructions as services
from offload.servicedesk.access import access_ticket
from offload.servicedesk.models import Ticket
from offload.tenancy.models import Asset, Client, Contact, Site
from offload.tenancy.scoping import current_scope
from offload.tenancy.services.base import InvalidInput

router = Router()

LEADS = frozenset({Role.NOC_LEAD, Role.PROVIDER_ADMIN})
# Named once here: a schema field called `text` would shadow the `text()` helper in its class body.
Title = text(200, min_length=1)
Body = text(10_000, multiline=True)
Note = text(4000, min_length=1, multiline=True)
Line40 = text(40)
Line64 = text(64)
Line100 = text(100, min_length=1)
Line200 = text(200)
Path500 = text(500)


# --- Schemas ------------------------------------------------------------------------------------


class DispatchDelegationOut(Schema):
    id: int
    ticket_id: int
    msp_id: int
    state: DelegationState
    level: DelegationLevel
    priority: str
    agent_id: int | None
    claimed_at: datetime.datetime | None
    ola_accept_due: datetime.datetime | None
    ola_respond_due: datetime.datetime | None
    ola_resolve_due: datetime.datetime | None


class QueueItemOut(DispatchDelegationOut):
    brand: str
    client: str
    subject: str
    reference: str
    is_vip: bool
    no_reboot_now: bool
    calls_first: bool
    unacknowledged: int
    runbooks: list[str]


class QueuePage(CursorPage[QueueItemOut]):
    pass


class QueueFilters(Schema):
    show: str = Field("", pattern=r"^(|mine|unclaimed)$", description="mine, unclaimed or empty (all).")
    msp: Id | None = None
    level: DelegationLevel | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class EscalateIn(Schema):
    note: Note  # type: ignore[valid-type]


class QueueAssignIn(Schema):
    agent_id: Id


class AssignmentOut(Schema):
    considered: int
    assigned: list[tuple[int, int]]


class SkillOut(Schema):
    id: int
    name: str
    category_paths: list[str]


class SkillIn(Schema):
    name: Line100  # type: ignore[valid-type]
    category_paths: list[Path500] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]


class SkillPage(CursorPage[SkillOut]):
    pass


class AgentOut(Schema):
    id: int
    user_id: int
    email: str
    level: AgentLevel
    skill_ids: list[int]
    shift: dict[str, Any]
    capacity: int
    is_active: bool


class AgentIn(Schema):
    user_id: Id
    level: AgentLevel = AgentLevel.L1
    skill_ids: list[Id] = Field(default_factory=list, max_length=100)
    shift: dict[str, Any] | None = Field(
        None, description="A calendar spec, e.g. {zone, week: {mon: [[from, to]]}}"
    )
    capacity: int = Field(8, ge=0, le=200)
    is_active: bool = True


class AgentPatch(Schema):
    level: AgentLevel | None = None
    skill_ids: list[Id] | None = Field(None, max_length=100)
    shift: dict[str, Any] | None = None
    capacity: int | None = Field(None, ge=0, le=200)
    is_active: bool | None = None


class AgentPage(CursorPage[AgentOut]):
    pass


class FlagsIn(Schema):
    is_vip: bool = False
    no_reboot_start: datetime.time | None = None
    no_reboot_end: datetime.time | None = None
    no_reboot_zone: Line64 = ""  # type: ignore[valid-type]
    call_before_onsite_name: Line200 = ""  # type: ignore[valid-type]
    call_before_onsite_phone: Line40 = ""  # type: ignore[valid-type]
    approval_from: Line200 = ""  # type: ignore[valid-type]


class InstructionIn(FlagsIn):
    client_id: Id | None = None
    site_id: Id | None = None
    contact_id: Id | None = None
    asset_id: Id | None = None
    title: Title  # type: ignore[valid-type]
    text: Body = ""  # type: ignore[valid-type]


class InstructionPatch(FlagsIn):
    """The full new content (title, text and every flag): a change makes a new version."""

    title: Title  # type: ignore[valid-type]
    text: Body = ""  # type: ignore[valid-type]
    is_active: bool | None = None


class InstructionOut(Schema):
    id: int
    msp_id: int
    level: InstructionLevel
    client_id: int | None
    site_id: int | None
    contact_id: int | None
    asset_id: int | None
    title: str
    text: str
    is_vip: bool
    no_reboot_start: datetime.time | None
    no_reboot_end: datetime.time | None
    no_reboot_zone: str
    call_before_onsite_name: str
    call_before_onsite_phone: str
    approval_from: str
    version: int
    is_active: bool
    updated_at: datetime.datetime


class InstructionPage(CursorPage[InstructionOut]):
    pass


class InstructionFilters(Schema):
    level: InstructionLevel | None = None
    client: Id | None = None
    is_active: bool | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class InstructionVersionOut(Schema):
    number: int
    title: str
    text: str
    flags: dict[str, Any]
    author_id: int | None
    created_at: datetime.datetime


class TicketInstructionOut(InstructionOut):
    acknowledged_by: list[int]
    no_reboot_now: bool


class AcknowledgementOut(Schema):
    instruction_id: int
    version: int
    ticket_id: int
    user_id: int
    at: datetime.datetime


# --- Helpers ------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _provider_id(*, lead: bool = False) -> int:
    scope = current_scope()
    if scope.kind != "provider" or scope.provider_id is None:
        raise PermissionDenied("For the NOC's staff.")
    if lead and scope.role not in LEADS:
        raise PermissionDenied("For NOC leads and provider admins.")
    return scope.provider_id


def _queue_row(item: queue.QueueItem) -> dict[str, Any]:
    d = item.delegation
    brand = getattr(d.msp, "brand", None)
    return {
        **{f: getattr(d, f) for f in DispatchDelegationOut.model_fields},
        "brand": brand.name if brand is not None else d.msp.name,
        "client": d.ticket.client.name,
        "subject": d.ticket.subject,
        "reference": d.ticket.reference,
        "is_vip": item.instructions.is_vip,
        "no_reboot_now": item.instructions.no_reboot_now,
        "calls_first": bool(item.instructions.calls_first),
        "unacknowledged": len(item.instructions.unacknowledged),
        "runbooks": item.runbooks,
    }


def _agent_out(profile: AgentProfile) -> dict[str, Any]:
    return {
        "id": profile.pk,
        "user_id": profile.user_id,
        "email": profile.user.email,
        "level": profile.level,
        "skill_ids": sorted(s.pk for s in profile.skills.all()),
        "shift": profile.shift,
        "capacity": profile.capacity,
        "is_active": profile.is_active,
    }


def _shift(spec: dict[str, Any] | None) -> dict[str, Any]:
    if not spec:
        return {}
    try:
        return Calendar.from_spec(spec).to_spec()
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"Not a valid shift calendar: {exc}", field="shift") from exc


def _skills(provider_id: int, ids: list[int]) -> list[Skill]:
    skills = list(Skill.objects.filter(provider_id=provider_id, pk__in=ids))
    if len(skills) != len(set(ids)):
        raise InvalidInput("No such skill.", field="skill_ids")
    return skills


def _profile(provider_id: int, agent_id: int) -> AgentProfile:
    profile = (
        AgentProfile.objects.filter(provider_id=provider_id, pk=agent_id)
        .select_related("user")
        .prefetch_related("skills")
        .first()
    )
    if profile is None:
        raise NotFound("No such agent.")
    return profile


def _visible[M: (Client, Site, Contact, Asset)](model: type[M], pk: int | None, field: str) -> M | None:
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"No such {model._meta.verbose_name}.", field=field)
    return row


def _flags(payload: FlagsIn) -> services.InstructionFlags:
    return services.InstructionFlags(
        is_vip=payload.is_vip,
        no_reboot_start=payload.no_reboot_start,
        no_reboot_end=payload.no_reboot_end,
        no_reboot_zone=payload.no_reboot_zone,
        call_before_onsite_name=payload.call_before_onsite_name,
        call_before_onsite_phone=payload.call_before_onsite_phone,
        approval_from=payload.approval_from,
    )


def _readable() -> None:
    scope = current_scope()
    if scope.role not in services.READER_ROLES:
        raise PermissionDenied("For staff.")


def _instruction(instruction_id: int) -> StandingInstruction:
    _readable()
    return selectors.access_instruction(None, instruction_id)


def _ticket_with_keys(request: HttpRequest, ticket_id: int) -> Ticket:
    _readable()
    ticket = access_ticket(_actor(request), ticket_id)
    return Ticket.objects.select_related("asset", "contact").get(pk=ticket.pk)


# --- The NOC queue and dispatch -----------------------------------------------------------------


@router.get("/noc/queue", response=with_errors({200: QueuePage}), tags=["noc dispatch"])
def list_queue(request: HttpRequest, filters: Query[QueueFilters]) -> dict[str, Any]:
    """Open delegations of every MSP the provider serves, with brand, flags and OLA dues (by id)."""
    _provider_id()
    wanted = queue.QueueFilters(show=filters.show, msp_id=filters.msp, level=filters.level or "")
    page = paginate(
        request,
        queue.queue_queryset(actor_id=_actor(request).pk, filters=wanted),
        order="id",
        limit=filters.limit,
        cursor=filters.cursor,
    )
    ids = [d.pk for d in page["items"]]
    items = {
        i.delegation.pk: i for i in queue.noc_queue(actor_id=None, filters=queue.QueueFilters(), ids=ids)
    }
    page["items"] = [_queue_row(items[pk]) for pk in ids if pk in items]
    return page


@router.post(
    "/noc/delegations/{delegation_id}/claim",
    response=with_errors({200: DispatchDelegationOut}),
    tags=["noc dispatch"],
)
def claim(request: HttpRequest, delegation_id: Id) -> Any:
    """Take an unclaimed delegation (409 already_claimed when someone holds it)."""
    return dispatch.claim_delegation(actor=_actor(request), delegation_id=delegation_id)


@router.post(
    "/noc/delegations/{delegation_id}/release",
    response=with_errors({200: DispatchDelegationOut}),
    tags=["noc dispatch"],
)
def release(request: HttpRequest, delegation_id: Id) -> Any:
    """Put a claimed delegation back in the queue (its holder or a lead)."""
    return dispatch.release_delegation(actor=_actor(request), delegation_id=delegation_id)


@router.post(
    "/noc/delegations/{delegation_id}/escalate",
    response=with_errors({200: DispatchDelegationOut}),
    tags=["noc dispatch"],
)
def escalate(request: HttpRequest, delegation_id: Id, payload: EscalateIn) -> Any:
    """One level up (L1 → L2 → lead → back to the MSP) with a handoff note."""
    return dispatch.escalate_delegation(actor=_actor(request), delegation_id=delegation_id, note=payload.note)


@router.post(
    "/noc/delegations/{delegation_id}/assign",
    response=with_errors({200: DispatchDelegationOut}),
    tags=["noc dispatch"],
)
def assign(request: HttpRequest, delegation_id: Id, payload: QueueAssignIn) -> Any:
    """A lead hands the delegation to one of the NOC's agents."""
    provider_id = _provider_id(lead=True)
    member = (
        Membership.objects.filter(
            user_id=payload.agent_id,
            provider_id=provider_id,
            is_active=True,
            role__in=[Role.NOC_AGENT, Role.NOC_LEAD],
        )
        .select_related("user")
        .first()
    )
    if member is None:
        raise InvalidInput("No such agent.", field="agent_id")
    return dispatch.assign_delegation(actor=_actor(request), delegation_id=delegation_id, agent=member.user)


@router.post("/noc/assign-next", response=with_errors({200: AssignmentOut}), tags=["noc dispatch"])
def assign_next(request: HttpRequest) -> Any:
    """A lead pushes the most urgent unclaimed item to the best agent on shift."""
    return dispatch.assign_next(actor=_actor(request))


# --- Agents and skills --------------------------------------------------------------------------


@router.get("/noc/agents", response=with_errors({200: AgentPage}), tags=["noc agents"])
def list_agents(request: HttpRequest, cursor: Cursor | None = None, limit: Limit = 50) -> dict[str, Any]:
    """The provider's agent profiles: level, skills, shift, capacity."""
    provider_id = _provider_id()
    queryset = (
        AgentProfile.objects.filter(provider_id=provider_id).select_related("user").prefetch_related("skills")
    )
    page = paginate(request, queryset, order="id", limit=limit, cursor=cursor)
    page["items"] = [_agent_out(p) for p in page["items"]]
    return page


@router.post("/noc/agents", response=with_errors({201: AgentOut}), tags=["noc agents"])
def create_agent(request: HttpRequest, payload: AgentIn) -> Status:
    """Give one of the provider's NOC agents or leads a dispatch profile."""
    provider_id = _provider_id(lead=True)
    if not Membership.objects.filter(
        user_id=payload.user_id,
        provider_id=provider_id,
        is_active=True,
        role__in=[Role.NOC_AGENT, Role.NOC_LEAD],
    ).exists():
        raise InvalidInput("No such agent.", field="user_id")
    if AgentProfile.objects.filter(provider_id=provider_id, user_id=payload.user_id).exists():
        raise DomainError("This agent already has a profile.", code="duplicate", field="user_id")
    skills = _skills(provider_id, payload.skill_ids)
    profile = AgentProfile.objects.create(
        provider_id=provider_id,
        user_id=payload.user_id,
        level=payload.level,
        shift=_shift(payload.shift),
        capacity=payload.capacity,
        is_active=payload.is_active,
    )
    profile.skills.set(skills)
    return Status(201, _agent_out(_profile(provider_id, profile.pk)))


@router.get("/noc/agents/{agent_id}", response=with_errors({200: AgentOut}), tags=["noc agents"])
def get_agent(request: HttpRequest, agent_id: Id) -> dict[str, Any]:
    return _agent_out(_profile(_provider_id(), agent_id))


@router.patch("/noc/agents/{agent_id}", response=with_errors({200: AgentOut}), tags=["noc agents"])
def update_agent(request: HttpRequest, agent_id: Id, payload: AgentPatch) -> dict[str, Any]:
    provider_id = _provider_id(lead=True)
    profile = _profile(provider_id, agent_id)
    changes = payload.model_dump(exclude_unset=True)
    if "skill_ids" in changes:
        profile.skills.set(_skills(provider_id, changes.pop("skill_ids") or []))
    if "shift" in changes:
        profile.shift = _shift(changes.pop("shift"))
    for field, value in changes.items():
        if value is not None:
            setattr(profile, field, value)
    profile.save()
    return _agent_out(_profile(provider_id, agent_id))


@router.delete("/noc/agents/{agent_id}", response=with_errors({204: None}), tags=["noc agents"])
def delete_agent(request: HttpRequest, agent_id: Id) -> Status:
    """Remove a dispatch profile (the person keeps their membership; auto-assignment skips them)."""
    provider_id = _provider_id(lead=True)
    _profile(provider_id, agent_id).delete()
    return Status(204, None)


@router.get("/noc/skills", response=with_errors({200: SkillPage}), tags=["noc agents"])
def list_skills(request: HttpRequest, cursor: Cursor | None = None, limit: Limit = 50) -> dict[str, Any]:
    provider_id = _provider_id()
    return paginate(
        request, Skill.objects.filter(provider_id=provider_id), order="id", limit=limit, cursor=cursor
    )


@router.post("/noc/skills", response=with_errors({201: SkillOut}), tags=["noc agents"])
def create_skill(request: HttpRequest, payload: SkillIn) -> Status:
    provider_id = _provider_id(lead=True)
    name = str(payload.name).strip()
    if Skill.objects.filter(provider_id=provider_id, name=name).exists():
        raise DomainError("A skill of that name exists.", code="duplicate", field="name")
    paths = [str(p).strip() for p in payload.category_paths]
    skill = Skill.objects.create(provider_id=provider_id, name=name, category_paths=[p for p in paths if p])
    return Status(201, skill)


@router.delete("/noc/skills/{skill_id}", response=with_errors({204: None}), tags=["noc agents"])
def delete_skill(request: HttpRequest, skill_id: Id) -> Status:
    provider_id = _provider_id(lead=True)
    deleted, _ = Skill.objects.filter(provider_id=provider_id, pk=skill_id).delete()
    if not deleted:
        raise NotFound("No such skill.")
    return Status(204, None)


# --- Standing instructions ----------------------------------------------------------------------


@router.get("/instructions", response=with_errors({200: InstructionPage}), tags=["standing instructions"])
def list_instructions(request: HttpRequest, filters: Query[InstructionFilters]) -> dict[str, Any]:
    """Standing instructions the actor sees (MSP staff and the NOC)."""
    _readable()
    queryset = selectors.instruction_list(
        level=filters.level or "", client_id=filters.client, active=filters.is_active
    )
    return paginate(request, queryset, order="id", limit=filters.limit, cursor=filters.cursor)


@router.post("/instructions", response=with_errors({201: InstructionOut}), tags=["standing instructions"])
def create_instruction(request: HttpRequest, payload: InstructionIn) -> Status:
    """A new instruction at the level of the one target given (none: the whole MSP)."""
    target = services.Target(
        client=_visible(Client, payload.client_id, "client_id"),
        site=_visible(Site, payload.site_id, "site_id"),
        contact=_visible(Contact, payload.contact_id, "contact_id"),
        asset=_visible(Asset, payload.asset_id, "asset_id"),
    )
    if sum(x is not None for x in (target.site, target.contact, target.asset)) > 1:
        raise InvalidInput("Give at most one of site_id, contact_id and asset_id.", field="site_id")
    instruction = services.create_instruction(
        actor=_actor(request), target=target, title=payload.title, text=payload.text, flags=_flags(payload)
    )
    return Status(201, instruction)


@router.get(
    "/instructions/{instruction_id}",
    response=with_errors({200: InstructionOut}),
    tags=["standing instructions"],
)
def get_instruction(request: HttpRequest, instruction_id: Id) -> StandingInstruction:
    return _instruction(instruction_id)


@router.patch(
    "/instructions/{instruction_id}",
    response=with_errors({200: InstructionOut}),
    tags=["standing instructions"],
)
def update_instruction(
    request: HttpRequest, instruction_id: Id, payload: InstructionPatch
) -> StandingInstruction:
    """Replace the content (a new version when it differs) and optionally retire or reactivate it."""
    instruction = _instruction(instruction_id)
    actor = _actor(request)
    instruction = services.update_instruction(
        actor=actor, instruction=instruction, title=payload.title, text=payload.text, flags=_flags(payload)
    )
    if payload.is_active is not None and payload.is_active != instruction.is_active:
        instruction = services.set_instruction_active(
            actor=actor, instruction=instruction, is_active=payload.is_active
        )
    return instruction


@router.get(
    "/instructions/{instruction_id}/versions",
    response=with_errors({200: list[InstructionVersionOut]}),
    tags=["standing instructions"],
)
def list_versions(request: HttpRequest, instruction_id: Id) -> Any:
    """Every version, newest first: who changed what, when."""
    return selectors.versions_of(_instruction(instruction_id))


@router.get(
    "/tickets/{ticket_id}/instructions",
    response=with_errors({200: list[TicketInstructionOut]}),
    tags=["standing instructions"],
)
def ticket_instructions(request: HttpRequest, ticket_id: Id) -> Any:
    """The instructions that apply to a ticket, with who acknowledged their current versions."""
    state = selectors.instructions_for_ticket(_ticket_with_keys(request, ticket_id))
    return [
        {
            **{f: getattr(i, f) for f in InstructionOut.model_fields},
            "acknowledged_by": [a.user_id for a in acks],
            "no_reboot_now": window_open,
        }
        for i, acks, window_open in state.rows()
    ]


@router.post(
    "/tickets/{ticket_id}/instructions/{instruction_id}/acknowledge",
    response=with_errors({200: AcknowledgementOut}),
    tags=["standing instructions"],
)
def acknowledge(request: HttpRequest, ticket_id: Id, instruction_id: Id) -> dict[str, Any]:
    """Record that the actor read the instruction's current version on this ticket (idempotent)."""
    ticket = _ticket_with_keys(request, ticket_id)
    instruction = selectors.instruction_on_ticket(ticket, instruction_id)
    ack = services.acknowledge_instruction(actor=_actor(request), instruction=instruction, ticket=ticket)
    return {
        "instruction_id": instruction.pk,
        "version": instruction.version,
        "ticket_id": ticket.pk,
        "user_id": ack.user_id,
        "at": ack.at,
    }
