"""Reads about tenants that span relations, or that happen before anyone is known."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.http.request import split_domain_port

from offload.tenancy.models import Brand, PortalHost
from offload.tenancy.scoping import system_scope


def normalize_host(host: str) -> str:
    """`host` as a bare lower-case domain: port and trailing dot removed; "" when it is not a host."""
    domain, _port = split_domain_port(host.strip())
    return domain


def brand_for_host(host: str) -> Brand | None:
    """The brand whose portal answers on `host` (case-insensitive, any port), if its MSP is active."""
    domain = normalize_host(host)
    if not domain:
        return None
    with system_scope("the portal's brand is chosen by host name before anyone has signed in"):
        portal_host = (
            PortalHost.objects.alias(lower_hostname=Lower("hostname"))
            .filter(lower_hostname=domain, brand__msp__is_active=True)
            .select_related("brand")
            .first()
        )
    return portal_host.brand if portal_host else None


def brand_for_portal_slug(slug: str) -> Brand | None:
    """The brand whose portal answers at /portal/<slug>/ (the path-based fallback), if its MSP is active."""
    with system_scope("the portal's brand is chosen by its slug before anyone has signed in"):
        return Brand.objects.filter(portal_slug=slug, msp__is_active=True).first()
