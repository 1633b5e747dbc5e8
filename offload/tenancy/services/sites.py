"""Creating and editing a client's sites."""

from __future__ import annotations

from typing import Any

from offload.tenancy.models import Client, Site
from offload.tenancy.services.base import apply_changes, authorize, save_validated

SITE_FIELDS = ("name", "address", "city", "postal_code", "country", "time_zone", "phone")


def create_site(*, actor: Any, client: Client, name: str, **fields: Any) -> Site:
    """Add a site to `client` (managers, and technicians who see the client)."""
    authorize(actor, "tenancy.add_site", client)
    site = Site(msp_id=client.msp_id, client=client, name=name)
    apply_changes(site, fields, allowed=SITE_FIELDS)
    save_validated(site, actor=actor)
    return site


def update_site(*, actor: Any, site: Site, changes: dict[str, Any]) -> Site:
    """Change the given fields of `site`."""
    authorize(actor, "tenancy.change_site", site)
    apply_changes(site, changes, allowed=SITE_FIELDS)
    save_validated(site, actor=actor)
    return site
