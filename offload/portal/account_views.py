"""A client's own account pages in the portal: password reset and change, authenticator setup.

They reuse allauth's forms, tokens, rate limits and flows, but render in the MSP's brand, link only
to the portal, and send mail from the brand's sender. Nothing here names the provider or Offload.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.forms import ChangePasswordForm, ResetPasswordForm
from allauth.account.internal.flows.password_change import finalize_password_change
from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from allauth.account.utils import user_pk_to_url_str
from allauth.account.views import PasswordResetFromKeyView
from allauth.core import ratelimit
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.flows import activate_totp
from django import forms
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods

from offload.accounts.models import User
from offload.accounts.scopes import active_memberships
from offload.portal.resolver import Portal
from offload.portal.views import PortalView, current_visitor, portal_view, render_portal
from offload.portal.visitors import VisitorKind, visitor_for_memberships


def client_only(view: PortalView) -> PortalView:
    """Only a signed-in client of this portal's MSP gets `view`; others see what the home would show."""

    @wraps(view)
    def wrapper(request: HttpRequest, portal: Portal, *args: Any, **kwargs: Any) -> HttpResponseBase:
        visitor = current_visitor(request, portal)
        if visitor.kind == VisitorKind.ANONYMOUS:
            return redirect(portal.sign_in_url)
        if visitor.kind == VisitorKind.STAFF:
            return render_portal(request, portal, "portal/staff_notice.html", {})
        if visitor.kind == VisitorKind.OUTSIDER:
            return render_portal(request, portal, "portal/not_yours.html", {}, status=403)
        return view(request, portal, *args, **kwargs)

    return wrapper


def too_many_attempts(request: HttpRequest, portal: Portal) -> HttpResponse:
    """allauth's rate limit answer (429), in the brand rather than allauth's plain page."""
    return render_portal(request, portal, "portal/too_many_attempts.html", {}, status=429)


# --- Password reset by email ------------------------------------------------------------------


def send_password_reset_mails(*, request: HttpRequest, portal: Portal, users: Iterable[User]) -> int:
    """Mail a reset link to each of `users` who may use this portal; return how many were sent.

    Staff and other MSPs' clients get nothing from this portal (the page says the same either way,
    so nobody learns whether an address has an account): a mail in this brand would be wrong for them.
    """
    brand = portal.brand
    token_generator = account_settings.PASSWORD_RESET_TOKEN_GENERATOR()
    sent = 0
    for user in users:
        if visitor_for_memberships(active_memberships(user), brand=brand).kind != VisitorKind.CLIENT:
            continue
        path = portal.url(
            "password_reset_from_key", uidb36=user_pk_to_url_str(user), key=token_generator.make_token(user)
        )
        context = {"brand": brand, "user": user, "reset_url": request.build_absolute_uri(path)}
        subject = render_to_string("portal/email/password_reset_subject.txt", context).strip()
        EmailMessage(
            subject=" ".join(subject.splitlines()),
            body=render_to_string("portal/email/password_reset.txt", context),
            from_email=f"{brand.sender_name} <{brand.sender_email}>",
            to=[user.email],
            reply_to=[brand.support_email],
        ).send()
        sent += 1
    return sent


@require_http_methods(["GET", "POST"])
@portal_view
def password_reset(request: HttpRequest, portal: Portal) -> HttpResponse:
    """Ask for a reset link by email (allauth's form and rate limit; the mail is in the brand)."""
    form = ResetPasswordForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if not ratelimit.consume(request, action="reset_password", key=email):
            return too_many_attempts(request, portal)
        send_password_reset_mails(request=request, portal=portal, users=form.users)
        return redirect(portal.url("password_reset_done"))
    status = 400 if request.method == "POST" else 200
    return render_portal(request, portal, "portal/password_reset.html", {"form": form}, status=status)


@require_GET
@portal_view
def password_reset_done(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The same answer whether or not the address has an account here."""
    return render_portal(request, portal, "portal/password_reset_done.html", {})


@method_decorator(portal_view, name="dispatch")
class PortalPasswordResetFromKeyView(PasswordResetFromKeyView):
    """allauth's choose-a-new-password step (token checks, key kept out of the URL), in the brand."""

    template_name = "portal/password_reset_from_key.html"

    def dispatch(self, request: HttpRequest, portal: Portal, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.portal = portal
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict:
        # Skips allauth's own get_context_data: it reverses the console's address for the form action,
        # which a portal host does not have. The form posts back to this same portal address.
        context = super(PasswordResetFromKeyView, self).get_context_data(**kwargs)
        context.update(
            portal=self.portal,
            brand=self.portal.brand,
            action_url=self.request.path,
            password_reset_url=self.portal.url("password_reset"),
        )
        return context

    def get_success_url(self) -> str:
        return self.portal.url("password_reset_from_key_done")

    def render_to_response(self, context: dict, **response_kwargs: Any) -> HttpResponse:
        # A used, expired or made-up link is a page that does not exist: 404, with a way forward.
        if context.get("token_fail"):
            response_kwargs["status"] = 404
        return super().render_to_response(context, **response_kwargs)


@require_GET
@portal_view
def password_reset_from_key_done(request: HttpRequest, portal: Portal) -> HttpResponse:
    return render_portal(request, portal, "portal/password_reset_from_key_done.html", {})


# --- Signed-in client: password change and authenticator setup --------------------------------


@require_http_methods(["GET", "POST"])
@portal_view
@client_only
def password_change(request: HttpRequest, portal: Portal) -> HttpResponse:
    """Change the password with the current one (allauth's form, validators and rate limit)."""
    if request.method == "POST" and not ratelimit.consume(
        request, action="change_password", user=request.user
    ):
        return too_many_attempts(request, portal)
    form = ChangePasswordForm(data=request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        finalize_password_change(request, form.user)
        return redirect(portal.home_url)
    status = 400 if request.method == "POST" else 200
    return render_portal(request, portal, "portal/password_change.html", {"form": form}, status=status)


class PortalActivateTOTPForm(ActivateTOTPForm):
    """allauth's TOTP activation form, plus the current password (the portal's re-authentication)."""

    password = forms.CharField(widget=forms.PasswordInput)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


@require_http_methods(["GET", "POST"])
@portal_view
@client_only
def totp_activate(request: HttpRequest, portal: Portal) -> HttpResponse:
    """Set up an authenticator app; the QR code names the brand. Shows the recovery codes once."""
    user = request.user
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return render_portal(request, portal, "portal/totp_active.html", {})
    # The form checks the current password: as limited as allauth's own re-authentication.
    if request.method == "POST" and not ratelimit.consume(request, action="reauthenticate", user=user):
        return too_many_attempts(request, portal)
    form = PortalActivateTOTPForm(data=request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        reauthenticate_by_password(request)
        _totp, recovery = activate_totp(request, form)
        codes = RecoveryCodes(recovery).get_unused_codes() if recovery else []
        return render_portal(request, portal, "portal/totp_active.html", {"recovery_codes": codes})
    adapter = get_mfa_adapter()
    totp_url = adapter.build_totp_url(user, form.secret)
    context = {"form": form, "totp_url": totp_url, "totp_svg": adapter.build_totp_svg(totp_url)}
    status = 400 if request.method == "POST" else 200
    return render_portal(request, portal, "portal/totp_activate.html", context, status=status)


# --- Every other allauth address on a portal host ----------------------------------------------

# allauth pages with a portal equivalent; the rest (e-mail addresses, sign-up, sessions, …) do not
# apply to a client of the portal and lead to the portal home.
PORTAL_EQUIVALENTS: dict[str, str] = {
    "logout/": "home",
    "password/change/": "password_change",
    "password/set/": "password_reset",
    "2fa/": "totp_activate",
    "2fa/totp/activate/": "totp_activate",
}


@portal_view
def other_account_page(request: HttpRequest, portal: Portal, rest: str) -> HttpResponse:
    """Any other accounts/ address on a portal host: to the branded equivalent, else the portal home."""
    return redirect(portal.url(PORTAL_EQUIVALENTS.get(rest, "home")))
