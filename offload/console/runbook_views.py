"""Console pages for runbooks (the provider's library and each MSP's own) and recurring maintenance.

Reads go through the NOC's access helpers (a foreign id is a 404); writes through its services,
whose refusals become form errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import rules
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from offload.accounts.models import User
from offload.core.errors import DomainError, NotFound
from offload.noc.models import LibraryRunbook, MaintenanceSchedule, Runbook
from offload.noc.runbook_steps import parse_steps_text, steps_as_text
from offload.noc.services import maintenance as maintenance_services
from offload.noc.services import runbooks as runbook_services
from offload.servicedesk.access import access_attachment
from offload.servicedesk.choices import TicketKind
from offload.servicedesk.models import Category
from offload.tenancy.models import Asset, Client, Site
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only

STEPS_HELP = (
    "One step per line. “Title :: instructions” adds instructions; end a line with [note] or [file] "
    "to ask for evidence; start it with ? to make the step optional."
)


def _actor(request: HttpRequest) -> User:
    """The signed-in staff member (`staff_only` has turned anonymous visitors away)."""
    return cast(User, request.user)


def _msp_id() -> int:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Runbooks and schedules belong to an MSP: act as MSP staff.")
    return next(iter(scope.msp_ids))


def _found[T](lookup: Callable[[int], T], object_id: int) -> T:
    try:
        return lookup(object_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _run(request: HttpRequest, form: forms.Form, write: Any) -> Any:
    try:
        with transaction.atomic():
            return write()
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- forms ---------------------------------------------------------------------------------------


class StepsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 8, "class": "font-monospace"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(help_text=STEPS_HELP, **kwargs)

    def clean(self, value: Any) -> list[dict[str, Any]]:
        text = super().clean(value)
        try:
            return parse_steps_text(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class RunbookForm(forms.Form):
    name = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    categories: forms.ModelMultipleChoiceField[Category] = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        help_text="Tickets in these categories get this runbook.",
    )
    ticket_kinds = forms.MultipleChoiceField(
        choices=TicketKind.choices, required=False, help_text="Leave empty for every kind of ticket."
    )
    steps = StepsField()
    is_active = forms.BooleanField(required=False, initial=True, label="Attach to new tickets")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.order_by("path")  # type: ignore[attr-defined]


class LibraryRunbookForm(forms.Form):
    name = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    suggested_categories = forms.CharField(
        required=False, help_text="Category names it fits, comma-separated; used when an MSP adopts it."
    )
    steps = StepsField()
    is_published = forms.BooleanField(required=False, initial=True, label="Published to the MSPs served")


class ScheduleForm(forms.Form):
    title = forms.CharField(max_length=200)
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(queryset=None)
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(queryset=None, required=False)
    asset: forms.ModelChoiceField[Asset] = forms.ModelChoiceField(queryset=None, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(queryset=None, required=False)
    runbook: forms.ModelChoiceField[Runbook] = forms.ModelChoiceField(queryset=None, required=False)
    rrule = forms.CharField(
        label="Repeats (RRULE)",
        max_length=500,
        help_text=(
            "E.g. FREQ=MONTHLY;BYDAY=1MO (first Monday), "
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU (every other Tuesday)."
        ),
    )
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    at_time = forms.TimeField(label="At (local time)", widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.CharField(max_length=64, initial="UTC")
    lead_minutes = forms.IntegerField(min_value=0, initial=0, label="Open the ticket minutes before")
    send_to_noc = forms.BooleanField(required=False, initial=True, label="Offer to the NOC")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["asset"].queryset = Asset.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.order_by("path")  # type: ignore[attr-defined]
        self.fields["runbook"].queryset = Runbook.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]


def _form_page(
    request: HttpRequest, form: forms.Form, *, title: str, cancel_url: str, **extra: Any
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    return render(request, "console/runbooks/form.html", context, status=status)


# --- MSP runbooks --------------------------------------------------------------------------------


@staff_only
def runbook_list(request: HttpRequest) -> HttpResponse:
    scope = current_scope()
    runbooks = Runbook.objects.select_related("adopted_from").prefetch_related("categories").order_by("name")
    library = runbook_services.library_for(scope).select_related("provider").order_by("name")
    adopted = set(Runbook.objects.exclude(adopted_from=None).values_list("adopted_from_id", flat=True))
    context = {
        "runbooks": runbooks if scope.kind == "msp" else Runbook.objects.none(),
        "library": library,
        "adopted": adopted,
        "is_msp": scope.kind == "msp",
        "can_edit": rules.has_perm("noc.change_runbook", request.user),
        "can_edit_library": rules.has_perm("noc.change_library_runbook", request.user),
    }
    return render(request, "console/runbooks/list.html", context)


def _runbook_form(request: HttpRequest, runbook: Runbook | None) -> HttpResponse:
    if not rules.has_perm("noc.change_runbook", request.user):
        raise PermissionDenied("Your role may not change runbooks.")
    msp_id = _msp_id()
    initial: dict[str, Any] = {"is_active": True}
    if runbook is not None:
        initial = {
            "name": runbook.name,
            "summary": runbook.summary,
            "categories": list(runbook.categories.all()),
            "ticket_kinds": runbook.ticket_kinds,
            "steps": steps_as_text(runbook.steps),
            "is_active": runbook.is_active,
        }
    form = RunbookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _run(
            request,
            form,
            lambda: runbook_services.save_runbook(
                actor=_actor(request),
                msp_id=msp_id,
                name=data["name"],
                summary=data["summary"],
                steps=data["steps"],
                category_ids=[c.pk for c in data["categories"]],
                ticket_kinds=data["ticket_kinds"],
                is_active=data["is_active"],
                runbook=runbook,
            ),
        )
        if saved is not None:
            messages.success(request, f"Runbook “{saved.name}” saved.")
            return redirect("runbook_list")
    title = f"Edit runbook {runbook.name}" if runbook else "New runbook"
    return _form_page(request, form, title=title, cancel_url=reverse("runbook_list"), runbook=runbook)


@staff_only
def runbook_create(request: HttpRequest) -> HttpResponse:
    return _runbook_form(request, None)


@staff_only
def runbook_edit(request: HttpRequest, runbook_id: int) -> HttpResponse:
    return _runbook_form(request, _found(runbook_services.access_runbook, runbook_id))


@staff_only
@require_POST
def runbook_adopt(request: HttpRequest, library_id: int) -> HttpResponse:
    library = _found(runbook_services.access_library_runbook, library_id)
    try:
        runbook = runbook_services.adopt_runbook(
            actor=_actor(request), library_runbook=library, msp_id=_msp_id()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("runbook_list")
    messages.success(request, f"Adopted “{runbook.name}”. Check its categories.")
    return redirect("runbook_edit", runbook_id=runbook.pk)


@staff_only
@require_POST
def runbook_update_from_library(request: HttpRequest, runbook_id: int) -> HttpResponse:
    runbook = _found(runbook_services.access_runbook, runbook_id)
    try:
        runbook_services.update_from_library(
            actor=_actor(request),
            runbook=runbook,
            discard_changes=request.POST.get("discard") == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{runbook.name}” now follows library version {runbook.adopted_version}.")
    return redirect("runbook_list")


# --- the provider's library ---------------------------------------------------------------------


def _library_form(request: HttpRequest, runbook: LibraryRunbook | None) -> HttpResponse:
    scope = current_scope()
    if scope.provider_id is None or not rules.has_perm("noc.change_library_runbook", request.user):
        raise PermissionDenied("Only the provider's admins and NOC leads edit the library.")
    initial: dict[str, Any] = {"is_published": True}
    if runbook is not None:
        initial = {
            "name": runbook.name,
            "summary": runbook.summary,
            "suggested_categories": ", ".join(runbook.suggested_categories),
            "steps": steps_as_text(runbook.steps),
            "is_published": runbook.is_published,
        }
    form = LibraryRunbookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _run(
            request,
            form,
            lambda: runbook_services.save_library_runbook(
                actor=_actor(request),
                provider_id=scope.provider_id,  # type: ignore[arg-type]
                name=data["name"],
                summary=data["summary"],
                steps=data["steps"],
                suggested_categories=[
                    c.strip() for c in data["suggested_categories"].split(",") if c.strip()
                ],
                is_published=data["is_published"],
                runbook=runbook,
            ),
        )
        if saved is not None:
            messages.success(request, f"Library runbook “{saved.name}” saved (version {saved.version}).")
            return redirect("runbook_list")
    title = f"Edit library runbook {runbook.name}" if runbook else "New library runbook"
    return _form_page(request, form, title=title, cancel_url=reverse("runbook_list"))


@staff_only
def library_create(request: HttpRequest) -> HttpResponse:
    return _library_form(request, None)


@staff_only
def library_edit(request: HttpRequest, library_id: int) -> HttpResponse:
    return _library_form(request, _found(runbook_services.access_library_runbook, library_id))


# --- a ticket's runbook (the panel's form) --------------------------------------------------------


@staff_only
@require_POST
def runbook_step_done(request: HttpRequest, ticket_runbook_id: int, step: int) -> HttpResponse:
    attached = _found(runbook_services.access_ticket_runbook, ticket_runbook_id)
    attachment = None
    if request.POST.get("attachment"):
        try:
            attachment = access_attachment(request.user, request.POST["attachment"])
        except NotFound:
            attachment = None
    try:
        runbook_services.complete_step(
            actor=_actor(request),
            ticket_runbook=attached,
            step_index=step,
            note=request.POST.get("note", ""),
            attachment=attachment,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Step {step + 1} of “{attached.name}” done.")
    return redirect(_safe_next(request, reverse("runbook_list")))


# --- recurring maintenance ----------------------------------------------------------------------


@staff_only
def schedule_list(request: HttpRequest) -> HttpResponse:
    schedules = list(
        MaintenanceSchedule.objects.select_related("client", "site", "asset", "runbook").order_by("title")
    )
    now = dt.datetime.now(dt.UTC)
    rows = [(s, maintenance_services.upcoming(s, count=3, now=now) if s.is_active else []) for s in schedules]
    context = {"rows": rows, "can_edit": rules.has_perm("noc.change_maintenance", request.user)}
    return render(request, "console/maintenance/list.html", context)


def _schedule_form(request: HttpRequest, schedule: MaintenanceSchedule | None) -> HttpResponse:
    if not rules.has_perm("noc.change_maintenance", request.user):
        raise PermissionDenied("Your role may not schedule maintenance.")
    _msp_id()
    initial: dict[str, Any] = {"send_to_noc": True, "is_active": True, "time_zone": "UTC"}
    if schedule is not None:
        initial = {
            name: getattr(schedule, name)
            for name in (
                "title", "client", "site", "asset", "description", "category", "runbook", "rrule",
                "starts_on", "at_time", "time_zone", "lead_minutes", "send_to_noc", "is_active",
            )
        }  # fmt: skip
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _run(
            request,
            form,
            lambda: maintenance_services.save_schedule(actor=_actor(request), schedule=schedule, **data),
        )
        if saved is not None:
            messages.success(request, f"Schedule “{saved.title}” saved.")
            return redirect("schedule_list")
    title = f"Edit schedule {schedule.title}" if schedule else "New maintenance schedule"
    return _form_page(request, form, title=title, cancel_url=reverse("schedule_list"))


@staff_only
def schedule_create(request: HttpRequest) -> HttpResponse:
    return _schedule_form(request, None)


@staff_only
def schedule_edit(request: HttpRequest, schedule_id: int) -> HttpResponse:
    return _schedule_form(request, _found(maintenance_services.access_schedule, schedule_id))
