"""Console pages for routing: the scope-matrix editor (per client override, dry run, versions with
diffs) and the human triage view (suggestions below the threshold; tickets awaiting approval).

Reads go through the NOC's selectors inside the acting scope; writes through its services, whose
refusals become messages. A foreign id is a 404 like a missing one.
"""

from __future__ import annotations

from typing import Any, cast

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.noc.models import ScopeDecision, TicketRouting, TriageSuggestion
from offload.noc.selectors import scope as selectors
from offload.noc.services import routing as routing_service
from offload.noc.services import scope as scope_service
from offload.noc.services import triage as triage_service
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Category
from offload.tenancy.choices import AssetKind
from offload.tenancy.models import Client
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only

EXTRA_ROWS = 3
DAY_CHOICES = (7, 30, 90)


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _msp_id() -> int:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("The scope matrix belongs to an MSP: act as MSP staff.")
    return next(iter(scope.msp_ids))


def _need(request: HttpRequest, perm: str) -> None:
    if not rules.has_perm(perm, request.user):
        raise PermissionDenied(f"Your role may not do this ({perm}).")


def _client(raw: str | None) -> Client | None:
    if not raw:
        return None
    client = Client.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if client is None:
        raise Http404("No such client.")
    return client


def _draft_from(request: HttpRequest, *, client: Client | None) -> scope_service.Draft:
    """The editor's form as a draft: one select per category, a few asset-kind rows, the default."""
    post = request.POST
    specs: list[scope_service.RuleSpec] = []
    for key in post:
        value = post.get(key, "")
        if key.startswith("cat-") and key[4:].isdigit() and value:
            specs.append(scope_service.RuleSpec(int(key[4:]), "", value))
    for i in range(int(post.get("extra_count", EXTRA_ROWS) or 0)):
        kind, decision = post.get(f"extra-kind-{i}", ""), post.get(f"extra-decision-{i}", "")
        category = post.get(f"extra-category-{i}", "")
        if kind and decision:
            specs.append(
                scope_service.RuleSpec(int(category) if category.isdigit() else None, kind, decision)
            )
    return scope_service.Draft(
        client_id=client.pk if client else None,
        rules=specs,
        default_decision=post.get("default_decision", ScopeDecision.ESCALATE),
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on (the triage view or the ticket), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("routing_triage")


def _days(request: HttpRequest) -> int:
    raw = request.POST.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in DAY_CHOICES else 30


@staff_only
def scope_matrix(request: HttpRequest) -> HttpResponse:
    """GET: the editor for the MSP's matrix or a client's override. POST: save a new version."""
    _need(request, "noc.view_routing")
    msp_id = _msp_id()
    client = _client(request.GET.get("client") or request.POST.get("client"))
    if request.method == "POST":
        _need(request, "noc.manage_routing")
        try:
            version = scope_service.save_scope_matrix(
                actor=_actor(request),
                msp_id=msp_id,
                draft=_draft_from(request, client=client),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Saved version {version.number}.")
        return redirect(reverse("routing_scope") + (f"?client={client.pk}" if client else ""))
    view = selectors.matrix_view(msp_id=msp_id, client=client)
    extra = list(view.extra_rules) + [None] * EXTRA_ROWS
    context: dict[str, Any] = {
        "view": view,
        "extra": extra,
        "extra_count": len(extra),
        "decisions": ScopeDecision.choices,
        "asset_kinds": AssetKind.choices,
        "categories": [c for c, _ in view.categories],
        "rows": [
            {"category": c, "decision": d, "indent": min(c.path.count(" / ") * 3, 5)}
            for c, d in view.categories
        ],
        "clients": Client.objects.filter(msp_id=msp_id).order_by("name").only("id", "name")[:500],
        "day_choices": DAY_CHOICES,
        "can_edit": rules.has_perm("noc.manage_routing", request.user),
    }
    return render(request, "console/routing/scope_matrix.html", context)


@staff_only
@require_POST
def scope_dry_run(request: HttpRequest) -> HttpResponse:
    """The editor's draft applied to recent tickets (htmx partial); nothing is saved."""
    _need(request, "noc.view_routing")
    client = _client(request.POST.get("client"))
    try:
        result = scope_service.dry_run_scope(
            actor=_actor(request),
            msp_id=_msp_id(),
            draft=_draft_from(request, client=client),
            days=_days(request),
        )
    except DomainError as exc:
        return render(request, "console/routing/_dry_run.html", {"error": exc.message})
    labels = dict(ScopeDecision.choices)
    rows = [
        {
            "decision": value,
            "label": label,
            "current": result.current_counts[value],
            "draft": result.counts[value],
            "delta": result.counts[value] - result.current_counts[value],
        }
        for value, label in ScopeDecision.choices
    ]
    changed = [
        {"current": labels[a], "draft": labels[b], "tickets": n}
        for (a, b), n in sorted(result.changed.items(), key=lambda item: -item[1])
    ]
    return render(
        request,
        "console/routing/_dry_run.html",
        {
            "result": result,
            "rows": rows,
            "changed": changed,
            "sample": [
                {**t, "now_label": labels[str(t["now"])], "then_label": labels[str(t["then"])]}
                for t in result.sample
            ],
        },
    )


@staff_only
def scope_versions(request: HttpRequest) -> HttpResponse:
    """Every saved version of the MSP's matrix (or a client's override) with what it changed."""
    _need(request, "noc.view_routing")
    client = _client(request.GET.get("client"))
    labels = {**dict(ScopeDecision.choices), "": ""}
    entries = [
        {
            "version": entry.version,
            "changes": [
                {
                    **c.__dict__,
                    "before": labels.get(c.before, c.before),
                    "after": labels.get(c.after, c.after),
                }
                for c in entry.changes
            ],
        }
        for entry in selectors.version_history(msp_id=_msp_id(), client=client)
    ]
    return render(request, "console/routing/versions.html", {"entries": entries, "client": client})


@staff_only
def triage_queue(request: HttpRequest) -> HttpResponse:
    """Tickets whose suggestion fell below the threshold, and tickets awaiting approval to delegate."""
    _need(request, "noc.triage_ticket")
    return render(
        request,
        "console/routing/triage.html",
        {
            "pending": list(selectors.pending_triage()),
            "awaiting": list(selectors.awaiting_approval()),
            "categories": Category.objects.filter(is_active=True)
            .order_by("path")
            .only("id", "path", "msp_id"),
            "priorities": Priority.choices,
        },
    )


@staff_only
@require_POST
def triage_decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Accept or correct one suggestion; the ticket is then routed."""
    suggestion = TriageSuggestion.objects.filter(pk=suggestion_id).select_related("ticket").first()
    if suggestion is None:
        raise Http404("No such suggestion.")
    raw = request.POST.get("category", "")
    category = Category.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    priority = request.POST.get("priority", "")
    try:
        triage_service.decide_triage(
            actor=_actor(request),
            suggestion=suggestion,
            category=category,
            priority=priority if priority in Priority.values else "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{suggestion.ticket.reference} triaged.")
    return _back(request)


@staff_only
@require_POST
def approval_decide(request: HttpRequest, routing_id: int) -> HttpResponse:
    """Approve handing a ticket to the NOC (it is offered at once) or keep it with the MSP."""
    routing = TicketRouting.objects.filter(pk=routing_id).select_related("ticket").first()
    if routing is None:
        raise Http404("No such ticket.")
    approve = request.POST.get("action") == "approve"
    decide = (
        routing_service.approve_delegation_request if approve else routing_service.decline_delegation_request
    )
    try:
        decide(actor=_actor(request), routing=routing, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        verb = "offered to the NOC" if approve else "kept with the MSP"
        messages.success(request, f"{routing.ticket.reference} {verb}.")
    return _back(request)
