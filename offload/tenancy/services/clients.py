"""Creating and editing an MSP's clients."""

from __future__ import annotations

from typing import Any

from offload.tenancy.models import MSP, Client
from offload.tenancy.services.base import apply_changes, authorize, save_validated

CLIENT_FIELDS = ("name", "short_name", "email_domains", "phone", "website", "notes", "is_active")


def create_client(
    *,
    actor: Any,
    msp: MSP,
    name: str,
    short_name: str = "",
    email_domains: list[str] | None = None,
    phone: str = "",
    website: str = "",
    notes: str = "",
    is_active: bool = True,
) -> Client:
    """Add a client to `msp` (MSP owners and service managers); recorded in the audit history."""
    authorize(actor, "tenancy.add_client")
    client = Client(
        msp=msp,
        name=name,
        short_name=short_name,
        email_domains=list(email_domains or []),
        phone=phone,
        website=website,
        notes=notes,
        is_active=is_active,
    )
    save_validated(client, actor=actor)
    return client


def update_client(*, actor: Any, client: Client, changes: dict[str, Any]) -> Client:
    """Change the given fields of `client`; recorded in the audit history."""
    authorize(actor, "tenancy.change_client", client)
    apply_changes(client, changes, allowed=CLIENT_FIELDS)
    save_validated(client, actor=actor)
    return client
