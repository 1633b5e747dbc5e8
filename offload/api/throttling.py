"""Per-user request budget for the API (429 with the shared error body when spent)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import AuthRateThrottle

USER_RATE = "1200/m"


class PerUserThrottle(AuthRateThrottle):
    """Counts requests per authenticated user id (not per display name)."""

    def __init__(self, rate: str = USER_RATE) -> None:
        super().__init__(rate)

    def get_cache_key(self, request: HttpRequest) -> str:
        auth = getattr(request, "auth", None)
        ident = f"user-{auth.pk}" if auth is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
