"""Reads for the scope-matrix editor, its version history, and the human triage view.

Each function runs a fixed number of queries, whatever the number of categories, versions or
tickets it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from offload.noc.models import (
    RoutingState,
    ScopeMatrix,
    ScopeMatrixVersion,
    ScopeRule,
    TicketRouting,
    TriageStatus,
    TriageSuggestion,
)
from offload.noc.services.scope import RuleChange, diff_versions
from offload.servicedesk.models import Category
from offload.tenancy.models import Client


@dataclass
class MatrixView:
    """What the editor shows: every category with the current rule, extra rules, the default."""

    client: Client | None
    version: ScopeMatrixVersion | None
    # (category, decision of its category-only rule or "")
    categories: list[tuple[Category, str]]
    # rules that name an asset kind (any category or one)
    extra_rules: list[ScopeRule]
    default_decision: str
    overrides: list[ScopeMatrix]


def matrix_view(*, msp_id: int, client: Client | None) -> MatrixView:
    """The current version of the MSP's matrix or of `client`'s override, laid out for the editor."""
    matrix = (
        ScopeMatrix.objects.filter(msp_id=msp_id, client=client)
        if client is not None
        else ScopeMatrix.objects.filter(msp_id=msp_id, client__isnull=True)
    ).first()
    version = (
        ScopeMatrixVersion.objects.filter(pk=matrix.current_version_id).select_related("author").first()
        if matrix is not None and matrix.current_version_id
        else None
    )
    rules = list(ScopeRule.objects.filter(version=version).select_related("category")) if version else []
    plain = {r.category_id: r.decision for r in rules if not r.asset_kind and r.category_id}
    categories = list(Category.objects.filter(msp_id=msp_id, is_active=True).order_by("path"))
    overrides = list(
        ScopeMatrix.objects.filter(msp_id=msp_id, client__isnull=False)
        .select_related("client", "current_version")
        .order_by("client__name")
    )
    return MatrixView(
        client=client,
        version=version,
        categories=[(c, plain.get(c.pk, "")) for c in categories],
        extra_rules=[r for r in rules if r.asset_kind],
        default_decision=(version.default_decision if version else "") or "escalate",
        overrides=overrides,
    )


@dataclass
class VersionEntry:
    version: ScopeMatrixVersion
    changes: list[RuleChange]


def version_history(*, msp_id: int, client: Client | None, limit: int = 30) -> list[VersionEntry]:
    """The newest versions with what each changed against the one before (who changed what)."""
    versions = list(
        ScopeMatrixVersion.objects.filter(matrix__msp_id=msp_id)
        .filter(**({"matrix__client": client} if client else {"matrix__client__isnull": True}))
        .select_related("author", "matrix")
        .prefetch_related(Prefetch("rules", queryset=ScopeRule.objects.order_by("id")))
        .order_by("-number")[: limit + 1]
    )
    entries = []
    for i, version in enumerate(versions[:limit]):
        older = versions[i + 1] if i + 1 < len(versions) else None
        entries.append(VersionEntry(version, diff_versions(older, version)))
    return entries


def pending_triage(*, limit: int = 100) -> QuerySet[TriageSuggestion]:
    """Suggestions waiting for a technician, oldest first (the scope hides other tenants')."""
    return (
        TriageSuggestion.objects.filter(status=TriageStatus.PENDING)
        .select_related("ticket", "ticket__client", "category")
        .order_by("created_at", "id")[:limit]
    )


def awaiting_approval(*, limit: int = 100) -> QuerySet[TicketRouting]:
    """Tickets the scope matrix holds until an MSP technician approves handing them to the NOC."""
    return (
        TicketRouting.objects.filter(state=RoutingState.AWAITING_APPROVAL)
        .select_related("ticket", "ticket__client", "ticket__category")
        .order_by("decided_at", "id")[:limit]
    )


def ticket_triage(ticket_id: int) -> dict[str, Any]:
    """A ticket's triage suggestion and routing record (either may be None)."""
    return {
        "suggestion": TriageSuggestion.objects.filter(ticket_id=ticket_id).select_related("category").first(),
        "routing": TicketRouting.objects.filter(ticket_id=ticket_id)
        .select_related("version", "team_rule")
        .first(),
    }
