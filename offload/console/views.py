"""The staff console shell: each role's home, the membership switcher, provider pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from offload.accounts.acting import SESSION_KEY
from offload.accounts.models import Membership
from offload.console import selectors


def _acting(request: HttpRequest):
    return request.acting  # type: ignore[attr-defined]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's landing page: provider home, MSP home, or the client's portal."""
    acting = _acting(request)
    membership = acting.membership
    if membership is None:
        return render(request, "console/no_membership.html", status=403)
    if membership.is_client:
        slug = selectors.portal_slug_for(membership.msp_id)
        if slug is None:
            raise Http404("This client's MSP has no portal yet.")
        return redirect(f"/portal/{slug}/")
    if membership.is_provider_staff:
        return render(request, "console/provider_home.html", {"served": selectors.msps_served()})
    return render(
        request,
        "console/msp_home.html",
        {"totals": selectors.msp_totals(), "page": selectors.home_clients()},
    )


@login_required
@require_POST
def switch_membership(request: HttpRequest) -> HttpResponse:
    """Act through another of the user's own memberships (someone else's id is refused)."""
    raw = request.POST.get("membership", "")
    if not raw.isdigit():
        raise Http404("No such membership.")
    user = request.user
    assert user.is_authenticated  # login_required
    membership = Membership.objects.filter(pk=int(raw), user=user, is_active=True).first()
    if membership is None:
        raise Http404("No such membership.")
    request.session[SESSION_KEY] = membership.pk
    messages.info(request, f"You are now acting as {membership.get_role_display()}.")
    return redirect("home")


@login_required
def msp_settings(request: HttpRequest) -> HttpResponse:
    """The MSP's identity and brand (read-only for now)."""
    membership = _acting(request).membership
    if membership is None or not membership.is_msp_staff:
        raise PermissionDenied("For MSP staff.")
    context = {"msp": membership.msp, "brand": selectors.brand_of(membership.msp_id)}
    return render(request, "console/msp_settings.html", context)
