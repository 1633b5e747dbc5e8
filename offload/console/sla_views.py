"""Console pages for an MSP's SLA setup: policies (targets per priority), business calendars
(frames per weekday, holidays, iCal import) and outbound webhooks with their delivery log.

Agents read; owners and service managers change (the services check, a refusal is a 403 or a
form error). Rows are read through the scoped managers: another MSP's id is a 404.
"""

from __future__ import annotations

import re
from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from offload.core.errors import DomainError
from offload.servicedesk.choices import DONE_STATUSES, Priority, TicketStatus
from offload.servicedesk.models import BusinessCalendar, SlaPolicy, WebhookDelivery, WebhookEndpoint
from offload.servicedesk.models.sla import TARGET_NAMES
from offload.servicedesk.services import sla, webhooks
from offload.tenancy.models import MSP
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only

WEEKDAYS = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
            ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"))  # fmt: skip
TARGET_LABELS = {
    "first_response": "First response",
    "plan": "Plan",
    "resolution": "Resolution",
    "update": "Update",
}
FRAME = re.compile(r"^\s*(\d{1,2}:\d{2})\s*(?:-|\u2013)\s*(\d{1,2}:\d{2})\s*$")
PAUSABLE = [(s.value, s.label) for s in TicketStatus if s.value not in DONE_STATUSES]


def _reader(request: HttpRequest) -> None:
    if not rules.has_perm("servicedesk.view_sla", request.user):
        raise PermissionDenied("SLA setup is for the MSP's agents and managers.")


def _can_manage(request: HttpRequest) -> bool:
    return rules.has_perm("servicedesk.manage_sla", request.user)


def _msp() -> MSP:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Only an MSP's staff set up SLAs.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


def _get[M: (SlaPolicy, BusinessCalendar, WebhookEndpoint, WebhookDelivery)](model: type[M], pk: int) -> M:
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")
    return found


def _refused(request: HttpRequest, exc: DomainError) -> None:
    if exc.code == "permission_denied":
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


# --- Policies -------------------------------------------------------------------------------------


@staff_only
def policy_list(request: HttpRequest) -> HttpResponse:
    """The MSP's SLA policies with their targets at a glance."""
    _reader(request)
    policies = list(SlaPolicy.objects.all())
    rows = [
        {
            "policy": p,
            "cells": [
                (pr.label, [_minutes_label((p.targets.get(pr.value) or {}).get(t)) for t in TARGET_NAMES])
                for pr in Priority
            ],
        }
        for p in policies
    ]
    context = {
        "rows": rows,
        "targets": [TARGET_LABELS[t] for t in TARGET_NAMES],
        "can_manage": _can_manage(request),
    }
    return render(request, "console/sla/policy_list.html", context)


def _minutes_label(target: dict[str, Any] | None) -> str:
    if not target:
        return "—"
    minutes = int(target["minutes"])
    hours, rest = divmod(minutes, 60)
    text = f"{hours}h{rest:02d}" if hours and rest else f"{hours}h" if hours else f"{rest}m"
    return text + ("" if target.get("business_hours", True) else " 24x7")


def _policy_grid(policy: SlaPolicy | None, data: Any = None) -> list[dict[str, Any]]:
    """Rows of the targets form: one per priority, a minutes box and a 24x7 box per target."""
    grid = []
    for priority in Priority:
        cells = []
        for target in TARGET_NAMES:
            stored = ((policy.targets if policy else {}).get(priority.value) or {}).get(target) or {}
            key = f"{priority.value}_{target}"
            minutes = data.get(key, "") if data is not None else stored.get("minutes", "")
            always = (
                (f"{key}_247" in data)
                if data is not None
                else (stored and not stored.get("business_hours", True))
            )
            cells.append(
                {"key": key, "label": TARGET_LABELS[target], "minutes": minutes, "always": bool(always)}
            )
        grid.append({"priority": priority, "cells": cells})
    return grid


def _policy_data(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    targets: dict[str, Any] = {}
    for priority in Priority:
        row = {}
        for target in TARGET_NAMES:
            key = f"{priority.value}_{target}"
            raw = post.get(key, "").strip()
            if not raw:
                continue
            if not raw.isdigit() or int(raw) < 1:
                raise DomainError(
                    f"{priority.label}, {TARGET_LABELS[target].lower()}: whole minutes, at least 1.",
                    code="invalid_targets",
                    field="targets",
                )
            row[target] = {"minutes": int(raw), "business_hours": f"{key}_247" not in post}
        if row:
            targets[priority.value] = row
    warn = [p for p in re.split(r"[,\s]+", post.get("warn_at", "")) if p]
    if any(not p.isdigit() for p in warn):
        raise DomainError("Warnings are percentages like 75, 90.", code="invalid", field="warn_at")
    return {
        "name": post.get("name", ""),
        "targets": targets,
        "warn_at": [int(p) for p in warn],
        "notify_in_business_hours": "notify_in_business_hours" in post,
        "pausing_statuses": post.getlist("pausing_statuses"),
        "is_default": "is_default" in post,
    }


def _policy_form(request: HttpRequest, policy: SlaPolicy | None) -> HttpResponse:
    if request.method == "POST":
        try:
            data = _policy_data(request)
            if policy is None:
                policy = sla.create_policy(actor=request.user, msp=_msp(), **data)  # type: ignore[arg-type]
            else:
                sla.update_policy(actor=request.user, policy=policy, changes=data)  # type: ignore[arg-type]
            messages.success(request, f"SLA policy “{policy.name}” saved.")
            return redirect("sla_policy_list")
        except DomainError as exc:
            _refused(request, exc)
        posted = request.POST
        values = {
            "name": posted.get("name", ""),
            "warn_at": posted.get("warn_at", ""),
            "notify": "notify_in_business_hours" in posted,
            "pausing": posted.getlist("pausing_statuses"),
            "is_default": "is_default" in posted,
        }
        grid = _policy_grid(policy, posted)
        status = 400
    else:
        values = {
            "name": policy.name if policy else "",
            "warn_at": ", ".join(str(p) for p in (policy.warn_at if policy else [75, 90])),
            "notify": policy.notify_in_business_hours if policy else True,
            "pausing": policy.pausing_statuses if policy else sla_default_pausing(),
            "is_default": policy.is_default if policy else False,
        }
        grid = _policy_grid(policy)
        status = 200
    context = {
        "policy": policy,
        "values": values,
        "grid": grid,
        "targets": [TARGET_LABELS[t] for t in TARGET_NAMES],
        "pausable": PAUSABLE,
        "can_manage": _can_manage(request),
    }
    return render(request, "console/sla/policy_form.html", context, status=status)


def sla_default_pausing() -> list[str]:
    return [TicketStatus.WAITING_ON_CLIENT.value, TicketStatus.WAITING_ON_VENDOR.value]


@staff_only
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return _policy_form(request, None)


@staff_only
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    return _policy_form(request, _get(SlaPolicy, pk))


# --- Calendars ------------------------------------------------------------------------------------


@staff_only
def calendar_list(request: HttpRequest) -> HttpResponse:
    """The MSP's business calendars: zone, weekly hours, holidays."""
    _reader(request)
    rows = []
    for calendar in BusinessCalendar.objects.all():
        spec = calendar.spec or {}
        week = spec.get("week", {})
        rows.append(
            {
                "calendar": calendar,
                "zone": spec.get("zone", ""),
                "always_open": spec.get("always_open", False),
                "days": [
                    (label[:3], ", ".join(f"{a}-{b}" for a, b in week.get(key, [])))
                    for key, label in WEEKDAYS
                ],
                "holidays": len(spec.get("holidays", [])) + len(spec.get("recurring_holidays", [])),
            }
        )
    return render(
        request, "console/sla/calendar_list.html", {"rows": rows, "can_manage": _can_manage(request)}
    )


class IcalForm(forms.Form):
    file = forms.FileField(label="iCal file (.ics)")


def _calendar_spec(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    week: dict[str, list[list[str]]] = {}
    for key, label in WEEKDAYS:
        frames = []
        for part in [p for p in post.get(f"day_{key}", "").split(",") if p.strip()]:
            match = FRAME.match(part)
            if match is None:
                raise DomainError(
                    f"{label}: write frames like 09:00-12:00, 13:00-17:00.", code="invalid_calendar"
                )
            frames.append([match.group(1).zfill(5), match.group(2).zfill(5)])
        if frames:
            week[key] = frames
    holidays, recurring = [], []
    for line in post.get("holidays", "").split():
        line = line.strip().rstrip(",")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", line):
            holidays.append(line)
        elif re.fullmatch(r"\d{2}-\d{2}", line):
            recurring.append(line)
        elif line:
            raise DomainError(
                f"Holiday “{line}”: write 2025-12-24 for one day or 12-25 for every year.",
                code="invalid_calendar",
            )
    return {
        "zone": post.get("zone", "").strip(),
        "always_open": "always_open" in post,
        "week": week,
        "holidays": holidays,
        "recurring_holidays": recurring,
        "cutoff": post.get("cutoff", "").strip() or None,
    }


def _calendar_values(calendar: BusinessCalendar | None, post: Any = None) -> dict[str, Any]:
    if post is not None:
        return {
            "name": post.get("name", ""),
            "zone": post.get("zone", ""),
            "is_default": "is_default" in post,
            "always_open": "always_open" in post,
            "cutoff": post.get("cutoff", ""),
            "days": [(key, label, post.get(f"day_{key}", "")) for key, label in WEEKDAYS],
            "holidays": post.get("holidays", ""),
        }
    default_week: dict[str, Any] = {k: [["09:00", "17:00"]] for k, _ in WEEKDAYS[:5]}
    spec: dict[str, Any] = calendar.spec if calendar else {"zone": "", "week": default_week}
    week: dict[str, Any] = spec.get("week", {})
    return {
        "name": calendar.name if calendar else "",
        "zone": spec.get("zone", ""),
        "is_default": calendar.is_default if calendar else False,
        "always_open": spec.get("always_open", False),
        "cutoff": spec.get("cutoff") or "",
        "days": [
            (key, label, ", ".join(f"{a}-{b}" for a, b in week.get(key, []))) for key, label in WEEKDAYS
        ],
        "holidays": "\n".join([*spec.get("holidays", []), *spec.get("recurring_holidays", [])]),
    }


def _calendar_form(request: HttpRequest, calendar: BusinessCalendar | None) -> HttpResponse:
    status = 200
    values = _calendar_values(calendar)
    if request.method == "POST":
        try:
            spec = _calendar_spec(request)
            name = request.POST.get("name", "")
            is_default = "is_default" in request.POST
            if calendar is None:
                calendar = sla.create_calendar(
                    actor=request.user,  # type: ignore[arg-type]
                    msp=_msp(),
                    name=name,
                    spec=spec,
                    is_default=is_default,
                )
            else:
                sla.update_calendar(
                    actor=request.user,  # type: ignore[arg-type]
                    calendar=calendar,
                    changes={"name": name, "spec": spec, "is_default": is_default},
                )
            messages.success(request, f"Calendar “{calendar.name}” saved.")
            return redirect("sla_calendar_edit", pk=calendar.pk)
        except DomainError as exc:
            _refused(request, exc)
        values = _calendar_values(calendar, request.POST)
        status = 400
    context = {
        "calendar": calendar,
        "values": values,
        "ical_form": IcalForm(),
        "can_manage": _can_manage(request),
    }
    return render(request, "console/sla/calendar_form.html", context, status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def calendar_create(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return _calendar_form(request, None)


@staff_only
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    return _calendar_form(request, _get(BusinessCalendar, pk))


@staff_only
@require_POST
def calendar_ical(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the all-day events of an uploaded iCal file as the calendar's holidays."""
    _reader(request)
    calendar = _get(BusinessCalendar, pk)
    form = IcalForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose an .ics file to import.")
        return redirect("sla_calendar_edit", pk=calendar.pk)
    upload = form.cleaned_data["file"]
    if upload.size > 2_000_000:
        messages.error(request, "That file is too large for a holiday calendar (2 MB at most).")
        return redirect("sla_calendar_edit", pk=calendar.pk)
    try:
        added = sla.import_ical_holidays(actor=request.user, calendar=calendar, ical=upload.read())  # type: ignore[arg-type]
        messages.success(request, f"{added} holiday{'s' if added != 1 else ''} imported.")
    except DomainError as exc:
        _refused(request, exc)
    return redirect("sla_calendar_edit", pk=calendar.pk)


# --- Webhooks -------------------------------------------------------------------------------------


def _webhook_manager(request: HttpRequest) -> None:
    if not rules.has_perm("servicedesk.manage_webhooks", request.user):
        raise PermissionDenied("Webhooks are for the MSP's owner and service managers.")


@staff_only
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The MSP's webhook endpoints; a form adds one (its secret is shown once)."""
    _webhook_manager(request)
    if request.method == "POST":
        try:
            endpoint = webhooks.create_endpoint(
                actor=request.user,  # type: ignore[arg-type]
                msp=_msp(),
                name=request.POST.get("name", ""),
                url=request.POST.get("url", ""),
                events=request.POST.get("events", "").replace(",", " ").split(),
            )
            messages.success(
                request, f"Endpoint “{endpoint.name}” added. Its signing secret: {endpoint.secret}"
            )
            return redirect("sla_webhook_detail", pk=endpoint.pk)
        except DomainError as exc:
            _refused(request, exc)
    endpoints = list(WebhookEndpoint.objects.all())
    return render(request, "console/sla/webhook_list.html", {"endpoints": endpoints})


@staff_only
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An endpoint's settings and its latest deliveries, each attempt with code and excerpt."""
    _webhook_manager(request)
    endpoint = _get(WebhookEndpoint, pk)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "delete":
                webhooks.delete_endpoint(actor=request.user, endpoint=endpoint)  # type: ignore[arg-type]
                messages.success(request, "Endpoint removed.")
                return redirect("sla_webhook_list")
            changes: dict[str, Any] = {
                "name": request.POST.get("name", endpoint.name),
                "url": request.POST.get("url", endpoint.url),
                "events": request.POST.get("events", "").replace(",", " ").split(),
                "is_active": "is_active" in request.POST,
                "rotate_secret": action == "rotate",
            }
            webhooks.update_endpoint(actor=request.user, endpoint=endpoint, changes=changes)  # type: ignore[arg-type]
            if action == "rotate":
                messages.success(request, f"New signing secret: {endpoint.secret}")
            else:
                messages.success(request, "Endpoint saved.")
            return redirect("sla_webhook_detail", pk=endpoint.pk)
        except DomainError as exc:
            _refused(request, exc)
    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint).select_related("ticket")[:50])
    return render(
        request, "console/sla/webhook_detail.html", {"endpoint": endpoint, "deliveries": deliveries}
    )


@staff_only
@require_POST
def webhook_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    _webhook_manager(request)
    delivery = _get(WebhookDelivery, pk)
    try:
        webhooks.redeliver(actor=request.user, delivery=delivery)  # type: ignore[arg-type]
        messages.success(request, "Delivery queued again.")
    except DomainError as exc:
        _refused(request, exc)
    return redirect("sla_webhook_detail", pk=delivery.endpoint_id)
