"""Recognise requests that arrive on an MSP's portal host name and route them to that portal."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from offload.portal.resolver import HOST_URLCONF, Portal, portal_brand_for_host


class PortalHostMiddleware:
    """Serves the portal at the root of every host name registered in a brand's portal hosts.

    Must come first: Django validates the Host header (SecurityMiddleware, CommonMiddleware) against
    ALLOWED_HOSTS, and portal host names live in the database, not in settings. A host that matches
    a registered portal host is accepted for this request only; every other host is still checked
    against ALLOWED_HOSTS exactly as before, so arbitrary Host headers are refused as usual.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The raw header, before validation: it is only used as a lookup key here.
        raw_host = request._get_raw_host()  # type: ignore[attr-defined]
        brand = portal_brand_for_host(raw_host)
        if brand is None:
            request.portal = None  # type: ignore[attr-defined]
            return self.get_response(request)
        request.portal = Portal(brand=brand, via_host=True)  # type: ignore[attr-defined]
        request.urlconf = HOST_URLCONF  # type: ignore[attr-defined]
        # Registered portal host names count as allowed hosts for this request.
        request.get_host = lambda: raw_host  # type: ignore[method-assign]
        return self.get_response(request)
