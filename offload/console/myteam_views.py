"""Console pages of delegation: the panel's actions (offer, transitions, share a note), "My team"
for technicians, the MSP's SLA-by-holder report, and agreement terms for provider admins.

Rows are read through the scoped managers (a foreign id is a 404); the services decide who may do
what, and their refusals come back as messages (or a 403 for a role that may not act at all).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from offload.console.panels.delegation import clock_rows, minutes_label
from offload.core.errors import DomainError, NotFound
from offload.noc.access import access_agreement, access_delegation
from offload.noc.choices import Coverage, ReturnReason
from offload.noc.models.agreements import OLA_KINDS
from offload.noc.selectors.clocks import msp_holder_report
from offload.noc.selectors.delegation import my_team
from offload.noc.services import agreements as terms_svc
from offload.noc.services import delegation as svc
from offload.servicedesk.access import access_entry, access_ticket
from offload.servicedesk.choices import Priority
from offload.servicedesk.services.entries import share_note
from offload.tenancy.models import ServiceAgreement
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _refused(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if exc.code == "permission_denied":
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


def _ticket_url(ticket: Any) -> str:
    return reverse("tickets:detail", args=[ticket.reference])


# --- The panel's actions ----------------------------------------------------------------------------


@staff_only
@require_POST
def delegation_offer(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Offer the ticket to the NOC of the agreement covering its client."""
    try:
        ticket = access_ticket(request.user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        svc.offer_delegation(actor=request.user, ticket=ticket, note=request.POST.get("note", ""))  # type: ignore[arg-type]
        messages.success(request, f"{ticket.reference} was offered to the NOC.")
    except DomainError as exc:
        _refused(request, exc)
    return redirect(_next(request, _ticket_url(ticket)))


TRANSITIONS = {
    "accept": lambda actor, d, note, reason: svc.accept_delegation(actor=actor, delegation=d),
    "decline": lambda actor, d, note, reason: svc.decline_delegation(actor=actor, delegation=d, note=note),
    "complete": lambda actor, d, note, reason: svc.complete_delegation(actor=actor, delegation=d, note=note),
    "return": lambda actor, d, note, reason: svc.return_delegation(
        actor=actor, delegation=d, reason=reason, note=note
    ),
    "approve": lambda actor, d, note, reason: svc.approve_delegation(actor=actor, delegation=d),
    "reject": lambda actor, d, note, reason: svc.reject_delegation(actor=actor, delegation=d, note=note),
    "cancel": lambda actor, d, note, reason: svc.cancel_delegation(actor=actor, delegation=d, note=note),
}
DONE_MESSAGES = {
    "accept": "Accepted: the NOC works this ticket now.",
    "decline": "Declined: the ticket stays with the MSP.",
    "complete": "Completed: the technician reviews the work.",
    "return": "Returned to the MSP.",
    "approve": "Approved: the ticket is resolved.",
    "reject": "Sent back to the NOC.",
    "cancel": "Taken back from the NOC.",
}


@staff_only
@require_POST
def delegation_act(request: HttpRequest, delegation_id: int) -> HttpResponse:
    """One transition of a delegation, named by the button pressed."""
    try:
        delegation = access_delegation(request.user, delegation_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    name = request.POST.get("transition", "")
    action = TRANSITIONS.get(name)
    if action is None:
        messages.error(request, "Unknown action.")
    else:
        try:
            action(request.user, delegation, request.POST.get("note", ""), request.POST.get("reason", ""))
            messages.success(request, DONE_MESSAGES[name])
        except DomainError as exc:
            _refused(request, exc)
    return redirect(_next(request, _ticket_url(delegation.ticket)))


@staff_only
@require_POST
def note_share(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Share a provider-internal note with the MSP's staff."""
    try:
        entry = access_entry(request.user, entry_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        share_note(actor=request.user, entry=entry)  # type: ignore[arg-type]
        messages.success(request, "The note is shared with the MSP.")
    except DomainError as exc:
        _refused(request, exc)
    return redirect(_next(request, _ticket_url(entry.ticket)))


# --- My team --------------------------------------------------------------------------------------


def _rows(delegations: list[Any], noc_minutes: dict[int, int]) -> list[dict[str, Any]]:
    return [
        {
            "d": d,
            "clocks": clock_rows(d),
            "noc_time": minutes_label(noc_minutes.get(d.ticket_id, 0))
            if noc_minutes.get(d.ticket_id)
            else "",
        }
        for d in delegations
    ]


@staff_only
def my_team_page(request: HttpRequest) -> HttpResponse:
    """Everything the technician delegated: in flight with OLA timers, awaiting review, returns, recent."""
    if not rules.has_perm("noc.offer_delegation", request.user):
        raise PermissionDenied("My team is the MSP technicians' view of their delegations.")
    team = my_team(request.user)  # type: ignore[arg-type]
    return render(
        request,
        "console/myteam/page.html",
        {
            "awaiting": _rows(team.awaiting_review, team.noc_minutes),
            "active": _rows(team.active, team.noc_minutes),
            "returns": _rows(team.returns, team.noc_minutes),
            "recent": _rows(team.recent, team.noc_minutes),
            "total_noc_time": minutes_label(team.total_noc_minutes),
            "reasons": ReturnReason.choices,
        },
    )


# --- SLA by holder --------------------------------------------------------------------------------

PERIODS = {"7": 7, "30": 30, "90": 90}
HOLDER_COLORS = {"msp": "#0d6efd", "noc": "#0dcaf0", "client": "#ffc107", "vendor": "#6c757d"}


@staff_only
def sla_by_holder(request: HttpRequest) -> HttpResponse:
    """The MSP's tickets of a period: who held the clock (minutes and breaches), per client and in all."""
    if current_scope().kind != "msp" or not rules.has_perm("noc.review_delegation", request.user):
        raise PermissionDenied("The SLA-by-holder report is for the MSP's technicians and managers.")
    days = PERIODS.get(request.GET.get("days", "30"), 30)
    report = msp_holder_report(since=timezone.now() - dt.timedelta(days=days))
    holders = report.holders
    clients = report.clients
    chart = {
        "labels": [name for name, _ in clients][:30],
        "datasets": [
            {
                "label": label,
                "data": [round(row[value] / 60, 1) for _, row in clients][:30],
                "backgroundColor": HOLDER_COLORS[value],
            }
            for value, label in holders
        ],
    }
    totals = report.totals
    total = sum(totals.values()) or 1
    return render(
        request,
        "console/myteam/sla_by_holder.html",
        {
            "days": days,
            "periods": list(PERIODS),
            "tickets": report.tickets,
            "summary": [
                {
                    "holder": value,
                    "label": label,
                    "time": minutes_label(totals[value]),
                    "percent": round(100 * totals[value] / total),
                    "breaches": report.breaches[value],
                }
                for value, label in holders
            ],
            "clients": [
                {"name": name, "cells": [minutes_label(row[value]) or "0m" for value, _ in holders]}
                for name, row in clients
            ],
            "holder_labels": [label for _, label in holders],
            "chart_json": json.dumps(chart),
        },
    )


# --- Agreement terms (provider admins) ------------------------------------------------------------


class TermsForm(forms.Form):
    coverage = forms.ChoiceField(choices=Coverage.choices)
    zone = forms.CharField(max_length=64, initial="UTC", help_text="IANA time zone of the business hours.")
    business_days = forms.MultipleChoiceField(
        choices=[(d, d.title()) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    opens = forms.TimeField(initial="08:00")
    closes = forms.TimeField(initial="18:00")
    auto_accept = forms.BooleanField(required=False)
    rate_per_hour = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    minimum_minutes = forms.IntegerField(min_value=0, max_value=1440)
    increment_minutes = forms.IntegerField(min_value=0, max_value=1440)
    rate_per_ticket = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    rate_per_alert = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    currency = forms.CharField(min_length=3, max_length=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in Priority.values:
            for kind in OLA_KINDS:
                self.fields[f"ola_{priority}_{kind}"] = forms.IntegerField(min_value=1, max_value=525600)


def _initial(terms: Any) -> dict[str, Any]:
    spec = terms.business_spec()
    week = spec.get("week", {})
    first = next(iter(week.values()), [["08:00", "18:00"]])[0]
    initial: dict[str, Any] = {
        "coverage": terms.coverage,
        "zone": spec.get("zone", "UTC"),
        "business_days": list(week),
        "opens": first[0],
        "closes": "00:00" if first[1] == "24:00" else first[1],
        "auto_accept": terms.auto_accept,
        "rate_per_hour": terms.rate_per_hour,
        "minimum_minutes": terms.minimum_minutes,
        "increment_minutes": terms.increment_minutes,
        "rate_per_ticket": terms.rate_per_ticket,
        "rate_per_alert": terms.rate_per_alert,
        "currency": terms.currency,
    }
    for priority in Priority.values:
        for kind, minutes in terms.ola_minutes(priority).items():
            initial[f"ola_{priority}_{kind}"] = minutes
    return initial


@staff_only
def terms_list(request: HttpRequest) -> HttpResponse:
    """The provider's agreements with a summary of their terms."""
    if not rules.has_perm("noc.view_terms", request.user):
        raise PermissionDenied("Agreement terms are for provider admins and MSP managers.")
    agreements = list(
        ServiceAgreement.objects.select_related("msp", "provider", "terms").order_by("msp__name")
    )
    rows = []
    for agreement in agreements:
        terms = getattr(agreement, "terms", None) or terms_svc.terms_for(agreement)
        rows.append({"agreement": agreement, "terms": terms, "p1": terms.ola_minutes("p1")})
    return render(
        request,
        "console/myteam/terms_list.html",
        {"rows": rows, "can_edit": rules.has_perm("noc.edit_terms", request.user)},
    )


@staff_only
@require_http_methods(["GET", "POST"])
def terms_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Edit an agreement's coverage, OLA targets and rate card (provider admins)."""
    try:
        agreement = access_agreement(request.user, agreement_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not rules.has_perm("noc.edit_terms", request.user):
        raise PermissionDenied("Only provider admins change agreement terms.")
    terms = terms_svc.terms_for(agreement)
    form = TermsForm(request.POST or None, initial=_initial(terms))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        days = data["business_days"] or ["mon", "tue", "wed", "thu", "fri"]
        frame = [data["opens"].strftime("%H:%M"), data["closes"].strftime("%H:%M")]
        changes = {
            "coverage": data["coverage"],
            "business_hours": {"zone": data["zone"], "week": {day: [frame] for day in days}},
            "ola_targets": {
                p: {k: data[f"ola_{p}_{k}"] for k in OLA_KINDS} for p in Priority.values
            },
            **{
                k: data[k]
                for k in (
                    "auto_accept", "rate_per_hour", "minimum_minutes", "increment_minutes",
                    "rate_per_ticket", "rate_per_alert", "currency",
                )
            },
        }  # fmt: skip
        try:
            terms_svc.update_terms(actor=request.user, agreement=agreement, changes=changes)  # type: ignore[arg-type]
            messages.success(request, f"Terms of {agreement.name} saved.")
            return redirect("terms_list")
        except DomainError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                _refused(request, exc)
    ola_rows = [
        {"priority": label, "fields": [form[f"ola_{value}_{k}"] for k in OLA_KINDS]}
        for value, label in Priority.choices
    ]
    example = terms.price_minutes(40)
    return render(
        request,
        "console/myteam/terms_form.html",
        {
            "agreement": agreement,
            "form": form,
            "ola_rows": ola_rows,
            "example": example,
            "json": json.dumps(terms.coverage_spec()),
        },
    )
