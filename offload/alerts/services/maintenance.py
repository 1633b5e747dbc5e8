"""Maintenance windows: planned, listed, ended early or deleted by the people who work tickets."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from offload.accounts.models import User
from offload.alerts.models import MaintenanceWindow
from offload.core.errors import DomainError
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP, Asset, Client

MAX_NAME = 200


def create_window(
    *,
    actor: User | None,
    msp: MSP,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    client: Client | None = None,
    asset: Asset | None = None,
) -> MaintenanceWindow:
    """Plan a window for the whole MSP, one client, or one asset; alerts in it open no tickets."""
    require(actor, "alerts.manage_maintenance")
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise DomainError(
            f"Give the window a name of 1 to {MAX_NAME} characters.", code="invalid", field="name"
        )
    if ends_at <= starts_at:
        raise DomainError("The window must end after it starts.", code="invalid", field="ends_at")
    if asset is not None:
        if client is not None and asset.client_id != client.pk:
            raise DomainError("The asset belongs to another client.", code="foreign_reference", field="asset")
        client = asset.client
    for row, field in ((client, "client"), (asset, "asset")):
        if row is not None and row.msp_id != msp.pk:
            raise DomainError(f"The {field} belongs to another MSP.", code="foreign_reference", field=field)
    return MaintenanceWindow.objects.create(
        msp=msp, name=name, starts_at=starts_at, ends_at=ends_at, client=client, asset=asset, created_by=actor
    )


def end_window(*, actor: User | None, window: MaintenanceWindow) -> MaintenanceWindow:
    """End a running or future window now (a future one ends before it starts: it never applies)."""
    require(actor, "alerts.manage_maintenance")
    now = timezone.now()
    if window.ends_at > now:
        window.ends_at = max(now, window.starts_at)
        window.save(update_fields=["ends_at"])
    return window


def delete_window(*, actor: User | None, window: MaintenanceWindow) -> None:
    """Delete a window (alerts it suppressed stay marked as they were)."""
    require(actor, "alerts.manage_maintenance")
    window.delete()
