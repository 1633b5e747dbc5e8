"""Saved views (queues): personal ones for any agent, shared ones for the people who run the desk."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk.models import SavedView
from offload.servicedesk.selectors import validate_queue_filters
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP


def save_view(
    *, actor: User, msp: MSP, name: str, filters: dict[str, Any], is_shared: bool = False, position: int = 0
) -> SavedView:
    """Save a queue for the actor, or for everyone at `msp` when `is_shared` (desk leads only).

    The filter is checked against the allow-list of selectors.QUEUE_FILTERS before it is stored.
    """
    require(actor, "servicedesk.manage_desk" if is_shared else "servicedesk.work_ticket")
    name = " ".join(name.split())[:100]
    if not name:
        raise DomainError("A queue needs a name.", code="required", field="name")
    if not isinstance(filters, dict):
        raise DomainError(
            "Filters are a mapping of filter names to values.", code="invalid_filter", field="filters"
        )
    if not MSP.objects.filter(pk=msp.pk).exists():
        raise DomainError("Unknown MSP.", code="not_found")
    with transaction.atomic():
        return SavedView.objects.create(
            msp=msp, name=name, owner=None if is_shared else actor,
            filters=validate_queue_filters(filters), position=position,
        )  # fmt: skip
