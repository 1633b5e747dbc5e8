"""The client portal: sign-in, home and sign-out in the MSP's brand, and the brand's own assets.

Nothing here may name the provider or Offload: end users only ever see the MSP's brand.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm
from allauth.mfa.base.views import AuthenticateView
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offload.accounts.acting import SESSION_KEY
from offload.accounts.scopes import active_memberships
from offload.portal.home import home_extras
from offload.portal.resolver import Portal, brand_css_version
from offload.portal.visitors import ANONYMOUS_VISITOR, Visitor, VisitorKind, visitor_for_memberships
from offload.tenancy.models import Contact
from offload.tenancy.scoping import activate
from offload.tenancy.selectors import brand_for_portal_slug

PortalView = Callable[..., HttpResponseBase]

# Browsers may keep a versioned brand stylesheet for a year; the version changes with the colours.
YEAR = 60 * 60 * 24 * 365
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOR = "#1f6feb"


def portal_view(view: PortalView) -> PortalView:
    """Resolve the portal (from the host, or from the path's slug) and pass it to `view`; unknown → 404."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, *args: Any, portal_slug: str | None = None, **kwargs: Any
    ) -> HttpResponseBase:
        portal: Portal | None = getattr(request, "portal", None)
        if portal is None:
            brand = brand_for_portal_slug(portal_slug) if portal_slug else None
            if brand is None:
                raise Http404("No such portal")
            portal = Portal(brand=brand, via_host=False)
            request.portal = portal  # type: ignore[attr-defined]
        return view(request, portal, *args, **kwargs)

    return wrapper


def current_visitor(request: HttpRequest, portal: Portal) -> Visitor:
    acting = getattr(request, "acting", None)
    if acting is None or acting.user is None:
        return ANONYMOUS_VISITOR
    return visitor_for_memberships(acting.memberships, brand=portal.brand)


def render_portal(
    request: HttpRequest, portal: Portal, template: str, context: dict, status: int = 200
) -> HttpResponse:
    return render(request, template, {"portal": portal, "brand": portal.brand, **context}, status=status)


@require_GET
@portal_view
def home(request: HttpRequest, portal: Portal) -> HttpResponse:
    """A client's landing page: who they are, their requests, and how to reach support."""
    visitor = current_visitor(request, portal)
    if visitor.kind == VisitorKind.ANONYMOUS:
        return redirect(portal.sign_in_url)
    if visitor.kind == VisitorKind.STAFF:
        return render_portal(request, portal, "portal/staff_notice.html", {})
    if visitor.kind == VisitorKind.OUTSIDER:
        return render_portal(request, portal, "portal/not_yours.html", {}, status=403)
    assert visitor.membership is not None
    assert visitor.membership.contact_id is not None
    # The portal may be used through another of the person's memberships than the session's one.
    with activate(visitor.scope):
        contact = Contact.objects.select_related("client", "site").get(pk=visitor.membership.contact_id)
        context = {
            "contact": contact,
            "membership": visitor.membership,
            **home_extras(portal, visitor.membership),
        }
        return render_portal(request, portal, "portal/home.html", context)


@require_http_methods(["GET", "POST"])
@portal_view
def sign_in(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Sign in with email and password through allauth's form (rate limits and second factor apply).

    Only people at one of this MSP's clients are let in; staff are sent to the console, and anyone
    else is refused without being signed in.
    """
    visitor = current_visitor(request, portal)
    if visitor.kind == VisitorKind.CLIENT:
        return redirect(portal.home_url)
    if visitor.kind == VisitorKind.STAFF:
        return render_portal(request, portal, "portal/staff_notice.html", {})
    form = LoginForm(data=request.POST if request.method == "POST" else None, request=request)
    status = 200
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        candidate = visitor_for_memberships(active_memberships(form.user), brand=portal.brand)
        if candidate.kind == VisitorKind.CLIENT:
            assert candidate.membership is not None
            response = form.login(request, redirect_url=next_url or portal.home_url)
            # Act through the membership at this MSP's client, whatever else the person is.
            request.session[SESSION_KEY] = candidate.membership.pk
            return response
        if candidate.kind == VisitorKind.STAFF:
            return render_portal(request, portal, "portal/staff_notice.html", {"signed_in": False})
        form.add_error(
            None,
            f"This account cannot sign in to the {portal.brand.name} portal. If you work at one of our "
            f"clients and need access, please contact {portal.brand.support_email}.",
        )
        status = 403
    elif request.method == "POST":
        status = 400
    return render_portal(
        request, portal, "portal/sign_in.html", {"form": form, "next": next_url}, status=status
    )


def _safe_next(request: HttpRequest) -> str:
    """Where to go after signing in: a path on this same host (the page that asked), or ""."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return next_url
    return ""


@require_POST
@portal_view
def sign_out(request: HttpRequest, portal: Portal) -> HttpResponse:
    """Sign out and return to this portal's sign-in page."""
    get_adapter(request).logout(request)
    return redirect(portal.sign_in_url)


class PortalAuthenticateView(AuthenticateView):
    """allauth's second-factor step of a portal sign-in (same form and checks), in the brand.

    Only mounted on portal host names, at allauth's own path, so allauth's redirect lands here.
    """

    template_name = "portal/two_factor.html"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        portal: Portal = self.request.portal  # type: ignore[attr-defined]
        context.update(portal=portal, brand=portal.brand)
        return context


@require_GET
@portal_view
def brand_css(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The brand's colours as CSS variables: a small stylesheet, cached by browsers and proxies."""
    brand = portal.brand
    primary, accent = _safe_color(brand.primary_color), _safe_color(brand.accent_color)
    css = (
        ":root {\n"
        f"  --portal-primary: {primary};\n"
        f"  --portal-primary-rgb: {_rgb(primary)};\n"
        f"  --portal-accent: {accent};\n"
        f"  --portal-accent-rgb: {_rgb(accent)};\n"
        f"  --portal-on-primary: {_readable_on(primary)};\n"
        f"  --portal-on-accent: {_readable_on(accent)};\n"
        f"  --bs-primary: {primary};\n"
        f"  --bs-primary-rgb: {_rgb(primary)};\n"
        f"  --bs-link-color: {accent};\n"
        f"  --bs-link-color-rgb: {_rgb(accent)};\n"
        f"  --bs-link-hover-color: {primary};\n"
        f"  --bs-link-hover-color-rgb: {_rgb(primary)};\n"
        "}\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == brand_css_version(brand):
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
@portal_view
def logo(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The brand's uploaded logo (served here so that it works on every portal host)."""
    return _brand_file(portal.brand.logo)


@require_GET
@portal_view
def favicon(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The brand's favicon, or its initial on its primary colour when none was uploaded."""
    if portal.brand.favicon:
        return _brand_file(portal.brand.favicon)
    color = _safe_color(portal.brand.primary_color)
    initial = escape((portal.brand.name.strip()[:1] or "?").upper())
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" rx="6" fill="{color}"/>'
        f'<text x="16" y="22" font-family="sans-serif" font-size="18" font-weight="700" '
        f'text-anchor="middle" fill="{_readable_on(color)}">{initial}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _brand_file(field: Any) -> HttpResponseBase:
    if not field:
        raise Http404("No such image")
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No such image") from exc
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _safe_color(color: str) -> str:
    """`color` if it is a #rrggbb colour; rows saved without validation must not inject CSS."""
    return color if HEX_COLOR.fullmatch(color or "") else DEFAULT_COLOR


def _rgb(color: str) -> str:
    return ", ".join(str(int(color[i : i + 2], 16)) for i in (1, 3, 5))


def _readable_on(color: str) -> str:
    """White or near-black, whichever reads better on `color` (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Below ~0.18 white text has the better contrast ratio, above it dark text does.
    return "#ffffff" if luminance < 0.179 else "#1b1f24"
