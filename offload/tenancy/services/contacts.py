"""Creating and editing the people at a client."""

from __future__ import annotations

from typing import Any

from offload.tenancy.models import Client, Contact, Site
from offload.tenancy.services.base import InvalidInput, apply_changes, authorize, save_validated

CONTACT_FIELDS = ("site", "first_name", "last_name", "email", "phone", "mobile", "job_title", "is_active")


def _check_site(client_id: int, site: Site | None) -> None:
    if site is not None and site.client_id != client_id:
        raise InvalidInput("The site belongs to another client.", field="site_id")


def create_contact(
    *, actor: Any, client: Client, first_name: str, site: Site | None = None, **fields: Any
) -> Contact:
    """Add a person to `client` (managers, and technicians who see the client)."""
    authorize(actor, "tenancy.add_contact", client)
    _check_site(client.pk, site)
    contact = Contact(msp_id=client.msp_id, client=client, site=site, first_name=first_name)
    apply_changes(contact, fields, allowed=CONTACT_FIELDS)
    save_validated(contact, actor=actor)
    return contact


def update_contact(*, actor: Any, contact: Contact, changes: dict[str, Any]) -> Contact:
    """Change the given fields of `contact`; a new site must belong to the same client."""
    authorize(actor, "tenancy.change_contact", contact)
    if "site" in changes:
        _check_site(contact.client_id, changes["site"])
    apply_changes(contact, changes, allowed=CONTACT_FIELDS)
    save_validated(contact, actor=actor)
    return contact
