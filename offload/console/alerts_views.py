"""Console pages for monitoring alerts: the alerts list, integration tokens, maintenance windows.

Reads go through scoped querysets and the alerts app's access helpers (a foreign id is a 404);
writes through its services, whose refusals become form errors.
"""

from __future__ import annotations

from typing import Any, cast

import rules
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from offload.accounts.models import User
from offload.alerts.access import access_integration, access_window
from offload.alerts.choices import AlertState, CorrelateBy, IntegrationKind, PayloadStatus
from offload.alerts.models import Alert, AlertIntegration, MaintenanceWindow, RawAlertPayload
from offload.alerts.services import integrations, maintenance
from offload.alerts.services.integrations import endpoint_url
from offload.core.errors import DomainError, NotFound
from offload.tenancy.models import MSP, Asset, Client
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only

PAGE_ROWS = 100


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _may(request: HttpRequest, perm: str) -> bool:
    return bool(rules.has_perm(perm, request.user))


def _need(request: HttpRequest, perm: str) -> None:
    if not _may(request, perm):
        raise PermissionDenied("Your role may not do this.")


def _msp() -> MSP:
    scope = current_scope()
    if len(scope.msp_ids) != 1:
        raise PermissionDenied("Alert settings belong to one MSP: act as that MSP's staff.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


def _write(form: forms.Form, write: Any) -> Any:
    try:
        with transaction.atomic():
            return write()
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


# --- alerts --------------------------------------------------------------------------------------


@staff_only
def alert_list(request: HttpRequest) -> HttpResponse:
    """The latest alerts with their state, repeat count and ticket; quarantined payloads beside them."""
    _need(request, "alerts.view_alerts")
    status = request.GET.get("status", "")
    rows = Alert.objects.select_related("client", "asset", "ticket").order_by("-last_received_at", "-id")
    if status in AlertState.values:
        rows = rows.filter(status=status)
    quarantined = RawAlertPayload.objects.filter(status=PayloadStatus.QUARANTINED).order_by(
        "-received_at", "-id"
    )
    return render(
        request,
        "console/alerts/list.html",
        {
            "alerts": list(rows[:PAGE_ROWS]),
            "status": status,
            "statuses": AlertState.choices,
            "quarantined": list(quarantined[:20]),
        },
    )


# --- integrations --------------------------------------------------------------------------------


class IntegrationForm(forms.Form):
    kind = forms.ChoiceField(choices=IntegrationKind.choices)
    name = forms.CharField(
        max_length=100, required=False, help_text="Optional; named after the tool if empty."
    )
    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, help_text="Bind the token to one client (optional)."
    )
    correlate_by = forms.ChoiceField(choices=CorrelateBy.choices, initial=CorrelateBy.CONDITION)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.order_by("name")  # type: ignore[attr-defined]


@staff_only
def integration_list(request: HttpRequest) -> HttpResponse:
    """Integration tokens (prefix, endpoint, last use); desk managers create and revoke them."""
    _need(request, "alerts.view_alerts")
    can_manage = _may(request, "alerts.manage_integrations")
    form = IntegrationForm(request.POST or None)
    created: tuple[AlertIntegration, str] | None = None
    if request.method == "POST":
        _need(request, "alerts.manage_integrations")
        if form.is_valid():
            data = form.cleaned_data
            created = _write(
                form,
                lambda: integrations.create_integration(
                    actor=_actor(request),
                    msp=data["client"].msp if data["client"] else _msp(),
                    kind=data["kind"],
                    name=data["name"],
                    client=data["client"],
                    correlate_by=data["correlate_by"],
                ),
            )
            if created is not None:
                form = IntegrationForm()
    rows = AlertIntegration.objects.select_related("client").order_by("-created_at", "-id")
    return render(
        request,
        "console/alerts/integrations.html",
        {
            "integrations": [(i, endpoint_url(i.kind)) for i in rows[:PAGE_ROWS]],
            "form": form,
            "can_manage": can_manage,
            "created": created,
            "created_url": endpoint_url(created[0].kind) if created else "",
        },
    )


@staff_only
@require_POST
def integration_revoke(request: HttpRequest, integration_id: int) -> HttpResponse:
    try:
        integration = access_integration(request.user, integration_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    _need(request, "alerts.manage_integrations")
    integrations.revoke_integration(actor=_actor(request), integration=integration)
    messages.success(request, f"Revoked “{integration.name}”. Its tool's next notification will be refused.")
    return redirect("alert_integration_list")


# --- maintenance windows -------------------------------------------------------------------------


class WindowForm(forms.Form):
    name = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, help_text="Empty: every client."
    )
    asset = forms.ModelChoiceField(queryset=Asset.objects.all(), required=False, help_text="Only this asset.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["asset"].queryset = Asset.objects.order_by("name")  # type: ignore[attr-defined]


@staff_only
def window_list(request: HttpRequest) -> HttpResponse:
    """Maintenance windows: alerts during a window are stored and marked suppressed, never ticketed."""
    _need(request, "alerts.view_alerts")
    can_manage = _may(request, "alerts.manage_maintenance")
    form = WindowForm(request.POST or None)
    if request.method == "POST":
        _need(request, "alerts.manage_maintenance")
        if form.is_valid():
            data = form.cleaned_data
            owner = data["asset"] or data["client"]
            window = _write(
                form,
                lambda: maintenance.create_window(
                    actor=_actor(request),
                    msp=owner.msp if owner else _msp(),
                    name=data["name"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    client=data["client"],
                    asset=data["asset"],
                ),
            )
            if window is not None:
                messages.success(request, f"Planned “{window.name}”.")
                return redirect("alert_window_list")
    rows = MaintenanceWindow.objects.select_related("client", "asset").order_by("-starts_at", "-id")
    return render(
        request,
        "console/alerts/windows.html",
        {"windows": list(rows[:PAGE_ROWS]), "form": form, "can_manage": can_manage},
    )


def _window(request: HttpRequest, window_id: int) -> MaintenanceWindow:
    try:
        window = access_window(request.user, window_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    _need(request, "alerts.manage_maintenance")
    return window


@staff_only
@require_POST
def window_end(request: HttpRequest, window_id: int) -> HttpResponse:
    window = _window(request, window_id)
    maintenance.end_window(actor=_actor(request), window=window)
    messages.success(request, f"Ended “{window.name}”.")
    return redirect("alert_window_list")


@staff_only
@require_POST
def window_delete(request: HttpRequest, window_id: int) -> HttpResponse:
    window = _window(request, window_id)
    name = window.name
    maintenance.delete_window(actor=_actor(request), window=window)
    messages.success(request, f"Deleted “{name}”.")
    return redirect("alert_window_list")
