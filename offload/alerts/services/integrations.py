"""Integration tokens: created (shown once), stored as a hash, authenticated per request, revoked."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from offload.accounts.models import User, hash_token
from offload.alerts.choices import CorrelateBy, IntegrationKind
from offload.alerts.models import AlertIntegration
from offload.core.errors import DomainError
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP, Client
from offload.tenancy.scoping import system_scope

LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
MAX_NAME = 100


def endpoint_url(kind: str) -> str:
    """The absolute webhook URL a monitoring tool of `kind` posts to."""
    return settings.BASE_URL + reverse("alert_webhook", kwargs={"kind": kind})


def create_integration(
    *,
    actor: User | None,
    msp: MSP,
    kind: str,
    name: str = "",
    client: Client | None = None,
    correlate_by: str = CorrelateBy.CONDITION,
) -> tuple[AlertIntegration, str]:
    """Create a token for `kind` at `msp` (bound to `client` if given); returns it and the secret.

    The secret is never stored. `actor` is None when an operator runs `offload alert-token`.
    """
    require(actor, "alerts.manage_integrations")
    if kind not in IntegrationKind.values:
        raise DomainError(f"Unknown integration kind {kind!r}.", code="invalid_choice", field="kind")
    if correlate_by not in CorrelateBy.values:
        raise DomainError(
            f"Unknown correlation {correlate_by!r}.", code="invalid_choice", field="correlate_by"
        )
    if client is not None and client.msp_id != msp.pk:
        raise DomainError("The client belongs to another MSP.", code="foreign_reference", field="client")
    name = " ".join(name.split()) or f"{IntegrationKind(kind).label}{f' - {client.name}' if client else ''}"
    if len(name) > MAX_NAME:
        raise DomainError(
            f"Give the token a name of at most {MAX_NAME} characters.", code="invalid", field="name"
        )
    raw = AlertIntegration.generate()
    integration = AlertIntegration.objects.create(
        msp=msp,
        client=client,
        kind=kind,
        name=name,
        correlate_by=correlate_by,
        key_prefix=raw[: len(AlertIntegration.PREFIX) + 6],
        key_hash=hash_token(raw),
        created_by=actor,
    )
    return integration, raw


def revoke_integration(*, actor: User | None, integration: AlertIntegration) -> AlertIntegration:
    """Revoke `integration`'s token; its alerts stay. Revoking twice keeps the first time."""
    require(actor, "alerts.manage_integrations")
    if integration.revoked_at is None:
        integration.revoked_at = timezone.now()
        integration.save(update_fields=["revoked_at"])
    return integration


def authenticate_integration(raw: str) -> AlertIntegration | None:
    """The active integration whose token is `raw`, or None; records last use once a minute."""
    if not raw.startswith(AlertIntegration.PREFIX) or len(raw) > 200:
        return None
    with system_scope("alert webhook: find the integration by its token hash"):
        integration = (
            AlertIntegration.objects.select_related("msp", "client").filter(key_hash=hash_token(raw)).first()
        )
        if integration is None or integration.revoked_at is not None:
            return None
        now = timezone.now()
        if integration.last_used_at is None or integration.last_used_at <= now - LAST_USED_RESOLUTION:
            AlertIntegration.objects.filter(pk=integration.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
            integration.last_used_at = now
    return integration
