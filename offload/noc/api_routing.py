"""The API of routing: the scope matrix (read, dry run, save, versions, client overrides), routing
rules (with dry run), triage suggestions and human triage decisions, and approvals to delegate.

Nothing here scopes anything itself: the API base activates the actor's scope, every model uses
the scoped manager (another tenant's id is a 404 in a path and a 422 in a body), and the services
check who may do what (their DomainError codes reach the client unchanged).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.core.errors import NotFound
from offload.noc.models import (
    RoutingRule,
    ScopeDecision,
    ScopeMatrix,
    ScopeMatrixVersion,
    TicketRouting,
    TriageStatus,
    TriageSuggestion,
)
from offload.noc.services import routing as routing_service
from offload.noc.services import scope as scope_service
from offload.noc.services import triage as triage_service
from offload.servicedesk.access import access_ticket
from offload.servicedesk.choices import Priority, TicketKind
from offload.servicedesk.models import Category
from offload.servicedesk.services.guards import require
from offload.tenancy.choices import AssetKind
from offload.tenancy.scoping import current_scope
from offload.tenancy.services.base import InvalidInput

router = Router()

Decision = Literal["in_scope", "needs_approval", "escalate"]
Days = Field(30, ge=1, le=scope_service.MAX_DRY_RUN_DAYS, description="How many days back to replay.")


# --- Schemas ------------------------------------------------------------------------------------


class ScopeRuleIn(Schema):
    category_id: Id | None = None
    asset_kind: AssetKind | Literal[""] = ""
    decision: Decision


class ScopeRuleOut(Schema):
    id: int
    category_id: int | None
    asset_kind: str
    decision: ScopeDecision


class DraftIn(Schema):
    msp_id: Id | None = Field(None, description="Provider staff name the MSP; MSP staff leave it out.")
    client_id: Id | None = Field(None, description="A client's override; empty: the MSP's matrix.")
    default_decision: Decision = "escalate"
    rules: list[ScopeRuleIn] = Field(default_factory=list, max_length=scope_service.MAX_RULES)


class SaveIn(DraftIn):
    note: text(500) = ""  # type: ignore[valid-type]


class DryRunIn(DraftIn):
    days: int = Days


class ScopeVersionOut(Schema):
    id: int
    number: int
    client_id: int | None
    author_id: int | None
    created_at: datetime.datetime
    note: str
    default_decision: str
    rules: list[ScopeRuleOut]


class VersionSummary(Schema):
    id: int
    number: int
    author_id: int | None
    created_at: datetime.datetime
    note: str


class VersionPage(CursorPage[VersionSummary]):
    pass


class ChangeOut(Schema):
    change: str
    category_id: int | None
    category: str
    asset_kind: str
    before: str
    after: str


class VersionDetailOut(ScopeVersionOut):
    changes: list[ChangeOut] = Field(description="What this version changed against the one before it.")


class OverrideOut(Schema):
    client_id: int
    client_name: str
    version_id: int | None
    version_number: int | None


class DryRunChange(Schema):
    current: str
    draft: str
    tickets: int


class DryRunSample(Schema):
    id: int
    reference: str
    subject: str
    current: str
    draft: str


class DryRunOut(Schema):
    days: int
    total: int
    counts: dict[str, int]
    current_counts: dict[str, int]
    changed: list[DryRunChange]
    sample: list[DryRunSample]


class RoutingRuleIn(Schema):
    msp_id: Id | None = None
    name: text(120, min_length=1)  # type: ignore[valid-type]
    team_id: Id
    position: int = Field(0, ge=0, le=100_000)
    is_active: bool = True
    kinds: list[TicketKind] = Field(default_factory=list, max_length=10)
    category_id: Id | None = None
    client_id: Id | None = None
    priorities: list[Priority] = Field(default_factory=list, max_length=4)
    keywords: list[text(60)] = Field(default_factory=list, max_length=routing_service.MAX_KEYWORDS)  # type: ignore[valid-type]


class RoutingDryRunIn(RoutingRuleIn):
    replaces_id: Id | None = Field(None, description="The rule this draft would replace.")
    days: int = Days


class RoutingRuleOut(Schema):
    id: int
    name: str
    team_id: int
    position: int
    is_active: bool
    kinds: list[str]
    category_id: int | None
    client_id: int | None
    priorities: list[str]
    keywords: list[str]


class RoutingRulePage(CursorPage[RoutingRuleOut]):
    pass


class TeamChange(Schema):
    current_team_id: int | None
    draft_team_id: int | None
    tickets: int


class RoutingDryRunOut(Schema):
    days: int
    total: int
    counts: dict[str, int] = Field(description="Team id ('none': no rule matched) → tickets with the draft.")
    current_counts: dict[str, int]
    changed: list[TeamChange]


class SuggestionOut(Schema):
    id: int
    ticket_id: int
    status: TriageStatus
    is_automatic: bool
    category_id: int | None
    category_confidence: float
    priority: str
    priority_confidence: float
    noc_eligible: bool | None
    noc_confidence: float
    explanation: dict[str, list[str]]
    unsure: list[str]
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime


class SuggestionPage(CursorPage[SuggestionOut]):
    pass


class SuggestionFilters(Schema):
    status: TriageStatus | None = TriageStatus.PENDING
    limit: Limit = 50
    cursor: Cursor | None = None


class DecisionIn(Schema):
    category_id: Id | None = Field(None, description="Empty: accept the suggested category.")
    priority: Priority | None = Field(None, description="Empty: accept the suggested priority.")


class RoutingOut(Schema):
    ticket_id: int
    decision: ScopeDecision
    state: str
    version_id: int | None
    rule_id: int | None
    team_rule_id: int | None
    decided_at: datetime.datetime
    approved_by_id: int | None
    approved_at: datetime.datetime | None


class DecisionNoteIn(Schema):
    note: text(2000, multiline=True) = ""  # type: ignore[valid-type]


class ListFilters(Schema):
    msp_id: Id | None = None
    client_id: Id | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


# --- Helpers ------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _msp_id(msp_id: int | None) -> int:
    """The MSP the call is about: the acting MSP staff's own, or the named one a provider serves."""
    scope = current_scope()
    if msp_id is None:
        if len(scope.msp_ids) != 1:
            raise InvalidInput("Name the MSP (msp_id).", field="msp_id")
        return next(iter(scope.msp_ids))
    if msp_id not in scope.msp_ids:
        raise InvalidInput("No such MSP.", field="msp_id")
    return msp_id


def _get[M: Model](queryset: QuerySet[M] | Any, pk: int) -> M:
    try:
        return queryset.get(pk=pk)  # type: ignore[no-any-return]
    except ObjectDoesNotExist as exc:
        raise NotFound(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc


def _client_lookup(path: str, client_id: int | None) -> dict[str, Any]:
    return {f"{path}__isnull": True} if client_id is None else {f"{path}_id": client_id}


def _draft(payload: DraftIn) -> scope_service.Draft:
    return scope_service.Draft(
        client_id=payload.client_id,
        rules=[scope_service.RuleSpec(r.category_id, r.asset_kind, r.decision) for r in payload.rules],
        default_decision=payload.default_decision,
    )


def _version_out(version: ScopeMatrixVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "number": version.number,
        "client_id": version.matrix.client_id,
        "author_id": version.author_id,
        "created_at": version.created_at,
        "note": version.note,
        "default_decision": version.default_decision,
        "rules": list(version.rules.all()),
    }


def _versions() -> QuerySet[ScopeMatrixVersion]:
    return ScopeMatrixVersion.objects.select_related("matrix").prefetch_related("rules")


# --- Scope matrix -------------------------------------------------------------------------------


@router.get("/scope-matrix", response=with_errors({200: ScopeVersionOut | None}), tags=["scope matrix"])
def get_scope_matrix(
    request: HttpRequest, msp_id: Id | None = None, client_id: Id | None = None
) -> dict[str, Any] | None:
    """The current version of the MSP's matrix (or of a client's override); null if never saved."""
    require(_actor(request), "noc.view_routing")
    matrix = (
        ScopeMatrix.objects.filter(msp_id=_msp_id(msp_id), **_client_lookup("client", client_id))
        .select_related("current_version")
        .first()
    )
    if matrix is None or matrix.current_version_id is None:
        return None
    return _version_out(_get(_versions(), matrix.current_version_id))


@router.post("/scope-matrix", response=with_errors({201: ScopeVersionOut}), tags=["scope matrix"])
def save_scope_matrix(request: HttpRequest, payload: SaveIn) -> Status:
    """Save a draft as the next version (owners and service managers)."""
    version = scope_service.save_scope_matrix(
        actor=_actor(request), msp_id=_msp_id(payload.msp_id), draft=_draft(payload), note=payload.note
    )
    return Status(201, _version_out(_get(_versions(), version.pk)))


@router.post("/scope-matrix/dry-run", response=with_errors({200: DryRunOut}), tags=["scope matrix"])
def dry_run_scope_matrix(request: HttpRequest, payload: DryRunIn) -> dict[str, Any]:
    """What a draft would have done to the last `days` of tickets; nothing is saved."""
    result = scope_service.dry_run_scope(
        actor=_actor(request), msp_id=_msp_id(payload.msp_id), draft=_draft(payload), days=payload.days
    )
    return {
        "days": result.days,
        "total": result.total,
        "counts": result.counts,
        "current_counts": result.current_counts,
        "changed": [{"current": a, "draft": b, "tickets": n} for (a, b), n in sorted(result.changed.items())],
        "sample": [
            {
                "id": r["id"],
                "reference": r["reference"],
                "subject": r["subject"],
                "current": r["now"],
                "draft": r["then"],
            }
            for r in result.sample
        ],
    }


@router.get("/scope-matrix/versions", response=with_errors({200: VersionPage}), tags=["scope matrix"])
def list_scope_versions(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Every saved version of the MSP's matrix (or a client's override), newest first."""
    require(_actor(request), "noc.view_routing")
    queryset = ScopeMatrixVersion.objects.filter(
        matrix__msp_id=_msp_id(filters.msp_id), **_client_lookup("matrix__client", filters.client_id)
    )
    return paginate(request, queryset, order="-number", limit=filters.limit, cursor=filters.cursor)


@router.get(
    "/scope-matrix/versions/{version_id}",
    response=with_errors({200: VersionDetailOut}),
    tags=["scope matrix"],
)
def get_scope_version(request: HttpRequest, version_id: Id) -> dict[str, Any]:
    """One version with what it changed against the version before it (who changed what)."""
    require(_actor(request), "noc.view_routing")
    version: ScopeMatrixVersion = _get(_versions(), version_id)
    older = (
        _versions().filter(matrix_id=version.matrix_id, number__lt=version.number).order_by("-number").first()
    )
    return {**_version_out(version), "changes": scope_service.diff_versions(older, version)}


@router.get("/scope-matrix/overrides", response=with_errors({200: list[OverrideOut]}), tags=["scope matrix"])
def list_scope_overrides(request: HttpRequest, msp_id: Id | None = None) -> list[dict[str, Any]]:
    """The clients that have their own override of the MSP's matrix."""
    require(_actor(request), "noc.view_routing")
    rows = (
        ScopeMatrix.objects.filter(msp_id=_msp_id(msp_id), client__isnull=False)
        .select_related("client", "current_version")
        .order_by("client__name")[:500]
    )
    return [
        {
            "client_id": m.client_id,
            "client_name": m.client.name if m.client else "",
            "version_id": m.current_version_id,
            "version_number": m.current_version.number if m.current_version else None,
        }
        for m in rows
    ]


# --- Routing rules ------------------------------------------------------------------------------


def _rule_spec(payload: RoutingRuleIn) -> routing_service.RuleSpec:
    return routing_service.RuleSpec(
        name=payload.name,
        team_id=payload.team_id,
        kinds=list(payload.kinds),
        category_id=payload.category_id,
        client_id=payload.client_id,
        priorities=list(payload.priorities),
        keywords=list(payload.keywords),
        position=payload.position,
        is_active=payload.is_active,
    )


@router.get("/routing-rules", response=with_errors({200: RoutingRulePage}), tags=["routing rules"])
def list_routing_rules(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """The MSP's routing rules in the order they run."""
    require(_actor(request), "noc.view_routing")
    queryset = RoutingRule.objects.filter(msp_id=_msp_id(filters.msp_id))
    return paginate(request, queryset, order="position", limit=filters.limit, cursor=filters.cursor)


@router.post("/routing-rules", response=with_errors({201: RoutingRuleOut}), tags=["routing rules"])
def create_routing_rule(request: HttpRequest, payload: RoutingRuleIn) -> Status:
    """Add a routing rule (owners and service managers)."""
    rule = routing_service.create_routing_rule(
        actor=_actor(request), msp_id=_msp_id(payload.msp_id), spec=_rule_spec(payload)
    )
    return Status(201, rule)


@router.post("/routing-rules/dry-run", response=with_errors({200: RoutingDryRunOut}), tags=["routing rules"])
def dry_run_routing_rule(request: HttpRequest, payload: RoutingDryRunIn) -> dict[str, Any]:
    """What a draft rule (new, or replacing `replaces_id`) would have done to recent tickets."""
    replaces = _get(RoutingRule.objects, payload.replaces_id) if payload.replaces_id else None
    result = routing_service.dry_run_routing(
        actor=_actor(request),
        msp_id=_msp_id(payload.msp_id),
        spec=_rule_spec(payload),
        replaces=replaces,  # type: ignore[arg-type]
        days=payload.days,
    )
    return {
        "days": result.days,
        "total": result.total,
        "counts": {str(k) if k else "none": v for k, v in result.counts.items()},
        "current_counts": {str(k) if k else "none": v for k, v in result.current_counts.items()},
        "changed": [
            {"current_team_id": a, "draft_team_id": b, "tickets": n} for (a, b), n in result.changed.items()
        ],
    }


@router.get("/routing-rules/{rule_id}", response=with_errors({200: RoutingRuleOut}), tags=["routing rules"])
def get_routing_rule(request: HttpRequest, rule_id: Id) -> RoutingRule:
    require(_actor(request), "noc.view_routing")
    return _get(RoutingRule.objects, rule_id)


@router.put("/routing-rules/{rule_id}", response=with_errors({200: RoutingRuleOut}), tags=["routing rules"])
def update_routing_rule(request: HttpRequest, rule_id: Id, payload: RoutingRuleIn) -> RoutingRule:
    """Replace a rule's conditions, team and position."""
    rule: RoutingRule = _get(RoutingRule.objects, rule_id)
    return routing_service.update_routing_rule(actor=_actor(request), rule=rule, spec=_rule_spec(payload))


@router.delete("/routing-rules/{rule_id}", response=with_errors({204: None}), tags=["routing rules"])
def delete_routing_rule(request: HttpRequest, rule_id: Id) -> Status:
    rule: RoutingRule = _get(RoutingRule.objects, rule_id)
    routing_service.delete_routing_rule(actor=_actor(request), rule=rule)
    return Status(204, None)


# --- Triage -------------------------------------------------------------------------------------


@router.get("/triage/suggestions", response=with_errors({200: SuggestionPage}), tags=["triage"])
def list_triage_suggestions(request: HttpRequest, filters: Query[SuggestionFilters]) -> dict[str, Any]:
    """Triage suggestions, newest first; by default the ones waiting for a technician."""
    require(_actor(request), "noc.triage_ticket")
    queryset = TriageSuggestion.objects.all()
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    return paginate(request, queryset, order="-created_at", limit=filters.limit, cursor=filters.cursor)


@router.get(
    "/triage/suggestions/{suggestion_id}", response=with_errors({200: SuggestionOut}), tags=["triage"]
)
def get_triage_suggestion(request: HttpRequest, suggestion_id: Id) -> TriageSuggestion:
    require(_actor(request), "noc.triage_ticket")
    return _get(TriageSuggestion.objects, suggestion_id)


@router.post(
    "/triage/suggestions/{suggestion_id}/decision",
    response=with_errors({200: SuggestionOut}),
    tags=["triage"],
)
def decide_triage_suggestion(
    request: HttpRequest, suggestion_id: Id, payload: DecisionIn
) -> TriageSuggestion:
    """Accept the suggestion (empty body) or correct category and/or priority; the ticket is then routed."""
    suggestion: TriageSuggestion = _get(TriageSuggestion.objects, suggestion_id)
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id, msp_id=suggestion.msp_id).first()
        if category is None:
            raise InvalidInput("No such category.", field="category_id")
    return triage_service.decide_triage(
        actor=_actor(request), suggestion=suggestion, category=category, priority=payload.priority or ""
    )


# --- A ticket's routing -------------------------------------------------------------------------


def _routing_of(request: HttpRequest, ticket_id: int) -> TicketRouting:
    ticket = access_ticket(_actor(request), ticket_id)
    routing = TicketRouting.objects.filter(ticket=ticket).first()
    if routing is None:
        raise NotFound("This ticket has not been routed yet.")
    return routing


@router.get("/tickets/{ticket_id}/routing", response=with_errors({200: RoutingOut}), tags=["triage"])
def get_ticket_routing(request: HttpRequest, ticket_id: Id) -> TicketRouting:
    """Where routing sent the ticket, by which matrix version and rule, and any approval."""
    require(_actor(request), "noc.view_routing")
    return _routing_of(request, ticket_id)


@router.post("/tickets/{ticket_id}/routing/approve", response=with_errors({200: RoutingOut}), tags=["triage"])
def approve_ticket_delegation(request: HttpRequest, ticket_id: Id, payload: DecisionNoteIn) -> TicketRouting:
    """Approve handing a "needs approval" ticket to the NOC; it is offered at once."""
    return routing_service.approve_delegation_request(
        actor=_actor(request), routing=_routing_of(request, ticket_id), note=payload.note
    )


@router.post("/tickets/{ticket_id}/routing/decline", response=with_errors({200: RoutingOut}), tags=["triage"])
def decline_ticket_delegation(request: HttpRequest, ticket_id: Id, payload: DecisionNoteIn) -> TicketRouting:
    """Keep a "needs approval" ticket with the MSP."""
    return routing_service.decline_delegation_request(
        actor=_actor(request), routing=_routing_of(request, ticket_id), note=payload.note
    )
