"""Which MSP's portal a request is for: by host name (white-labelled) or by /portal/<slug>/ (local use).

Host names are looked up on every request before Django validates the Host header, so the result is
kept in a small per-process cache. Saving or deleting a brand, a portal host or an MSP empties this
process's cache at once; other processes notice within `HOST_CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from offload.tenancy.models import Brand
from offload.tenancy.selectors import brand_for_host, normalize_host

HOST_URLCONF = "offload.portal.host_urls"
HOST_CACHE_SECONDS = 30.0
# Random Host headers must not grow the cache without bound.
HOST_CACHE_MAX_ENTRIES = 1024

_host_cache: dict[str, tuple[float, Brand | None]] = {}
_host_cache_lock = threading.Lock()


def portal_brand_for_host(host: str) -> Brand | None:
    """The brand whose portal answers on `host`, from this process's cache when fresh."""
    domain = normalize_host(host)
    if not domain:
        return None
    now = time.monotonic()
    cached = _host_cache.get(domain)
    if cached is not None and cached[0] > now:
        return cached[1]
    brand = brand_for_host(domain)
    with _host_cache_lock:
        if len(_host_cache) >= HOST_CACHE_MAX_ENTRIES:
            _host_cache.clear()
        _host_cache[domain] = (now + HOST_CACHE_SECONDS, brand)
    return brand


def forget_portal_hosts(**_signal_kwargs: object) -> None:
    """Empty the host cache (connected to saves and deletes of brands, portal hosts and MSPs)."""
    with _host_cache_lock:
        _host_cache.clear()


@dataclass(frozen=True)
class Portal:
    """One MSP's portal as reached by this request: its brand and how its URLs are spelled."""

    brand: Brand
    # True on the MSP's own host name (URLs at the root); False under /portal/<slug>/.
    via_host: bool

    def url(self, name: str, **kwargs: str) -> str:
        if self.via_host:
            return reverse(f"portal:{name}", urlconf=HOST_URLCONF, kwargs=kwargs or None)
        return reverse(
            f"portal:{name}",
            urlconf=settings.ROOT_URLCONF,
            kwargs={"portal_slug": self.brand.portal_slug, **kwargs},
        )

    @property
    def home_url(self) -> str:
        return self.url("home")

    @property
    def sign_in_url(self) -> str:
        return self.url("sign_in")

    @property
    def sign_out_url(self) -> str:
        return self.url("sign_out")

    @property
    def sign_in_link_url(self) -> str:
        return self.url("sign_in_link")

    @property
    def password_reset_url(self) -> str:
        return self.url("password_reset")

    @property
    def password_change_url(self) -> str:
        return self.url("password_change")

    @property
    def totp_url(self) -> str:
        return self.url("totp_activate")

    @property
    def brand_css_url(self) -> str:
        return f"{self.url('brand_css')}?v={brand_css_version(self.brand)}"

    @property
    def logo_url(self) -> str:
        return self.url("logo") if self.brand.logo else ""

    @property
    def favicon_url(self) -> str:
        return self.url("favicon")

    @property
    def console_url(self) -> str:
        """Where staff work: the console lives on Offload's own address, never on a portal host."""
        if self.via_host:
            return f"{settings.BASE_URL}/"
        return reverse("home", urlconf=settings.ROOT_URLCONF)


def brand_css_version(brand: Brand) -> str:
    """Changes whenever the brand's stylesheet would, so the stylesheet can be cached for a year."""
    seed = f"{brand.pk}:{brand.primary_color}:{brand.accent_color}"
    return hashlib.sha256(seed.encode()).hexdigest()[:12]
