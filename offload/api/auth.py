"""How API callers prove who they are, and how that becomes the request's tenant scope.

Two ways in: a bearer token (`Authorization: Bearer ofl_…`) for scripts, and the browser session
(with CSRF on unsafe methods) for the console. Either way, authentication ends by making the
request act as that user — `request.acting` and the active scope — so no endpoint scopes itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from offload.accounts.acting import acting_for_user
from offload.accounts.services.tokens import authenticate_api_token
from offload.tenancy.scoping import replace_current


class BearerToken(HttpBearer):
    """`Authorization: Bearer ofl_…`: a personal API token, acting through the user's first membership."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_api_token(token.strip())
        if api_token is None:
            return None
        user = api_token.user
        session_user = getattr(request, "user", None)
        if session_user is not None and session_user.is_authenticated and session_user.pk != user.pk:
            # A browser signed in as someone else sent another user's token: trust neither.
            return None
        acting = acting_for_user(user)
        request.user = user  # the audit history and permission checks read request.user
        request.acting = acting  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        replace_current(acting.scope)
        return user


class SessionCookie(APIKeyCookie):
    """The console's session; CSRF is checked on unsafe methods, and only for a signed-in user."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # not signed in: no CSRF verdict, just not this scheme
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        # The middleware already resolved `request.acting` and activated its scope for the session.
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None
