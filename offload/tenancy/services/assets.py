"""Creating and editing the devices the MSP manages for a client."""

from __future__ import annotations

from typing import Any

from offload.tenancy.models import Asset, Client, Contact, Site
from offload.tenancy.services.base import InvalidInput, apply_changes, authorize, save_validated

ASSET_FIELDS = (
    "site",
    "contact",
    "name",
    "kind",
    "hostname",
    "serial_number",
    "manufacturer",
    "model_name",
    "operating_system",
    "ip_address",
    "is_active",
)


def _check_refs(client_id: int, changes: dict[str, Any]) -> None:
    site: Site | None = changes.get("site")
    contact: Contact | None = changes.get("contact")
    if site is not None and site.client_id != client_id:
        raise InvalidInput("The site belongs to another client.", field="site_id")
    if contact is not None and contact.client_id != client_id:
        raise InvalidInput("The contact belongs to another client.", field="contact_id")


def create_asset(*, actor: Any, client: Client, name: str, **fields: Any) -> Asset:
    """Add a device to `client` (managers, and technicians who see the client)."""
    authorize(actor, "tenancy.add_asset", client)
    _check_refs(client.pk, fields)
    asset = Asset(msp_id=client.msp_id, client=client, name=name)
    apply_changes(asset, fields, allowed=ASSET_FIELDS)
    save_validated(asset, actor=actor)
    return asset


def update_asset(*, actor: Any, asset: Asset, changes: dict[str, Any]) -> Asset:
    """Change the given fields of `asset`; a new site or contact must belong to the same client."""
    authorize(actor, "tenancy.change_asset", asset)
    _check_refs(asset.client_id, changes)
    apply_changes(asset, changes, allowed=ASSET_FIELDS)
    save_validated(asset, actor=actor)
    return asset
