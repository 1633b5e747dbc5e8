"""Signing in to the portal with an emailed link instead of a password.

The link carries a signed, timestamped token (TimestampSigner): it names the user and the brand and
a fingerprint of the user's last sign-in and password. It expires after `LINK_MAX_AGE`; it is
single use because signing in changes the last sign-in time, and with it the fingerprint, so a
used link (and any older link) no longer matches. No token is stored anywhere.

Opening the link shows a button; only pressing it signs in. Mail scanners that follow links in
incoming mail would otherwise use the link up (or sign in) before the person reads it.
Requests are rate limited per address and per IP by allauth's "request_login_code" limits, and
the answer is the same whether or not the address has an account here.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from allauth.account.utils import perform_login
from allauth.core import ratelimit
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods

from offload.accounts.acting import SESSION_KEY
from offload.accounts.models import User
from offload.accounts.scopes import active_memberships
from offload.portal.account_views import too_many_attempts
from offload.portal.forms import SignInLinkForm
from offload.portal.resolver import Portal
from offload.portal.views import current_visitor, portal_view, render_portal
from offload.portal.visitors import VisitorKind, visitor_for_memberships
from offload.tenancy.models import Brand

LINK_MAX_AGE = timedelta(minutes=15)
SALT = "offload.portal.sign-in-link"


def _fingerprint(user: User) -> str:
    """Changes when the user signs in or changes their password: what makes a link single use."""
    seed = f"{user.pk}:{user.last_login.isoformat() if user.last_login else '-'}:{user.password}"
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def make_token(user: User, brand: Brand) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"u": user.pk, "b": brand.pk, "f": _fingerprint(user)}
    )


def user_for_token(token: str, brand: Brand, *, for_update: bool = False) -> User | None:
    """The user `token` signs in on `brand`'s portal, or None if it is forged, expired, used or elsewhere."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("b") != brand.pk or not isinstance(data.get("u"), int):
        return None
    users = User.objects.filter(pk=data["u"], is_active=True)
    if for_update:
        users = users.select_for_update()
    user = users.first()
    if user is None or data.get("f") != _fingerprint(user):
        return None
    if visitor_for_memberships(active_memberships(user), brand=brand).kind != VisitorKind.CLIENT:
        return None
    return user


def send_sign_in_link(*, request: HttpRequest, portal: Portal, email: str) -> bool:
    """Mail a sign-in link to the portal account with this address, if there is one; True if sent."""
    brand = portal.brand
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if (
        user is None
        or visitor_for_memberships(active_memberships(user), brand=brand).kind != VisitorKind.CLIENT
    ):
        return False
    link = request.build_absolute_uri(portal.url("sign_in_with_link", token=make_token(user, brand)))
    minutes = int(LINK_MAX_AGE.total_seconds() // 60)
    context = {"brand": brand, "user": user, "link": link, "minutes": minutes}
    subject = render_to_string("portal/email/sign_in_link_subject.txt", context).strip()
    EmailMessage(
        subject=" ".join(subject.splitlines()),
        body=render_to_string("portal/email/sign_in_link.txt", context),
        from_email=f"{brand.sender_name} <{brand.sender_email}>",
        to=[user.email],
        reply_to=[brand.support_email],
    ).send()
    return True


@require_http_methods(["GET", "POST"])
@portal_view
def sign_in_link(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Ask for a sign-in link by email."""
    if current_visitor(request, portal).kind == VisitorKind.CLIENT:
        return redirect(portal.home_url)
    form = SignInLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if not ratelimit.consume(request, action="request_login_code", key=email):
            return too_many_attempts(request, portal)
        send_sign_in_link(request=request, portal=portal, email=email)
        return redirect(portal.url("sign_in_link_sent"))
    status = 400 if request.method == "POST" else 200
    return render_portal(request, portal, "portal/sign_in_link.html", {"form": form}, status=status)


@require_GET
@portal_view
def sign_in_link_sent(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The same answer whether or not the address has an account here."""
    minutes = int(LINK_MAX_AGE.total_seconds() // 60)
    return render_portal(request, portal, "portal/sign_in_link_sent.html", {"minutes": minutes})


@require_http_methods(["GET", "POST"])
@portal_view
def sign_in_with_link(request: HttpRequest, portal: Portal, token: str) -> HttpResponseBase:
    """GET: confirm who is signing in. POST: sign in (once) and go to the portal home."""
    if request.method == "GET":
        user = user_for_token(token, portal.brand)
        if user is None:
            return render_portal(request, portal, "portal/sign_in_link_invalid.html", {}, status=404)
        return render_portal(request, portal, "portal/sign_in_with_link.html", {"link_user": user})
    with transaction.atomic():
        # The row lock makes two presses of the same link queue up; the second sees the new fingerprint.
        user = user_for_token(token, portal.brand, for_update=True)
        if user is None:
            return render_portal(request, portal, "portal/sign_in_link_invalid.html", {}, status=404)
        candidate = visitor_for_memberships(active_memberships(user), brand=portal.brand)
        assert candidate.membership is not None
        response = perform_login(request, user, redirect_url=portal.home_url)
        # Signed in, the last sign-in time has changed and this link is spent. With a second factor
        # still to enter, nobody is signed in yet: the link works again until the sign-in completes.
        if request.user.is_authenticated:
            request.session[SESSION_KEY] = candidate.membership.pk
        return response
