"""Resolve the acting identity once per request and enforce MFA for staff."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from offload.accounts.acting import resolve_acting
from offload.tenancy.scoping import activate

MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/api/", "/healthz", "/portal/")


class ActingScopeMiddleware:
    """Stores the request's `Acting` (user, membership, scope) and activates its scope.

    Every tenant-owned query made while handling the request is filtered by that scope.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        acting = resolve_acting(request)
        request.acting = acting  # type: ignore[attr-defined]
        with activate(acting.scope):
            return self.get_response(request)


class StaffMFARequiredMiddleware:
    """Provider and MSP staff must enrol a second factor before they can use the console."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        acting = getattr(request, "acting", None)
        if (
            settings.OFFLOAD_REQUIRE_STAFF_MFA
            and acting is not None
            and acting.is_staff
            and not acting.has_mfa
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
