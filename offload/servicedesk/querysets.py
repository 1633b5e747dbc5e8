"""Tenant-scoped querysets of the service desk.

Tenant isolation itself comes from `offload.tenancy.scoping` (MSP, client, and the requester for
a client user). Some rows need one more rule that depends on *who* reads, not *whose* the row is:
clients never read internal notes (nor the attachments on them) and never read time entries
(Zammad #4739 showed customers their accounted time). That rule lives here, in the default
manager, so no list, count, prefetch or attachment download can forget it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from simple_history.manager import HistoricalQuerySet

from offload.servicedesk.choices import DONE_STATUSES, OPEN_STATUSES, EntryKind, Visibility
from offload.tenancy.scoping import (
    HistoricalTenantManager,
    Scope,
    TenantHistoricalRecords,
    TenantManager,
    TenantQuerySet,
    current_scope,
)


def readable_visibilities(scope: Scope) -> frozenset[str] | None:
    """Entry visibilities `scope` may read; None when nothing is hidden (system).

    Provider staff also read the MSP-internal *events* (and MSP staff the shared provider notes):
    see `readable_entries`, which the querysets apply.
    """
    if scope.is_system:
        return None
    if scope.kind == "provider":
        return frozenset({Visibility.PUBLIC, Visibility.PROVIDER_INTERNAL})
    if scope.kind == "msp":
        return frozenset({Visibility.PUBLIC, Visibility.MSP_INTERNAL})
    return frozenset({Visibility.PUBLIC})


# A provider-internal note shared with the MSP carries this key in its `data`.
SHARED_WITH_MSP = "shared_with_msp"


def readable_entries(scope: Scope, prefix: str = "") -> Q | None:
    """Which thread entries `scope` reads: clients public ones; MSP staff public, their internal
    notes and provider notes shared with them; provider staff public, their own internal notes and
    the staff timeline's events — never an MSP-internal note. None when nothing is hidden."""
    allowed = readable_visibilities(scope)
    if allowed is None:
        return None
    predicate = Q(**{f"{prefix}visibility__in": allowed})
    if scope.kind == "provider":
        predicate |= Q(**{f"{prefix}visibility": Visibility.MSP_INTERNAL, f"{prefix}kind": EntryKind.EVENT})
    elif scope.kind == "msp":
        predicate |= Q(
            **{f"{prefix}visibility": Visibility.PROVIDER_INTERNAL, f"{prefix}data__{SHARED_WITH_MSP}": True}
        )
    return predicate


class NarrowedQuerySet(TenantQuerySet):
    """A TenantQuerySet that adds `narrowing(scope)` to the tenant predicate, just as lazily."""

    def narrowing(self, scope: Scope) -> Q | None:
        return None

    @property  # type: ignore[override]
    def query(self) -> Any:
        pending = self._scope_pending
        query = super().query
        if pending:
            extra = self.narrowing(current_scope())
            if extra is not None:
                query.add_q(extra)
        return query

    @query.setter
    def query(self, value: Any) -> None:
        TenantQuerySet.query.fset(self, value)  # type: ignore[attr-defined]


class TicketQuerySet(TenantQuerySet):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def done(self) -> TicketQuerySet:
        return self.filter(status__in=DONE_STATUSES)

    def for_queue(self) -> TicketQuerySet:
        """What a queue row shows, in the relations it needs (one query per page)."""
        return self.select_related("client", "contact", "assignee", "team", "category")


class TicketEntryQuerySet(NarrowedQuerySet):
    visibility_path = "visibility"
    entry_prefix = ""

    def narrowing(self, scope: Scope) -> Q | None:
        return readable_entries(scope, self.entry_prefix)

    def public(self) -> TicketEntryQuerySet:
        return self.filter(**{self.visibility_path: Visibility.PUBLIC})


class AttachmentQuerySet(TicketEntryQuerySet):
    visibility_path = "entry__visibility"
    entry_prefix = "entry__"


class StaffOnlyQuerySet(NarrowedQuerySet):
    """Rows only staff read (time entries): a client scope sees none of them."""

    def narrowing(self, scope: Scope) -> Q | None:
        return Q(pk__in=[]) if scope.kind in {"client", "anonymous"} else None


class StaffOnlyHistoricalQuerySet(StaffOnlyQuerySet, HistoricalQuerySet):
    """History rows only staff read: a ticket's or a time entry's audit trail is not the client's."""


class StaffOnlyHistoricalManager(HistoricalTenantManager):
    _queryset_class = StaffOnlyHistoricalQuerySet


class StaffOnlyHistoricalRecords(TenantHistoricalRecords):
    """TenantHistoricalRecords whose rows (through `Model.history` and the historical model's own
    manager alike) are hidden from client scopes: they hold internal fields (assignee, internal
    priority changes, minutes worked) that the portal never shows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("historical_queryset", StaffOnlyHistoricalQuerySet)
        super().__init__(*args, **kwargs)

    def get_extra_fields(self, model: type[models.Model], fields: Any) -> dict[str, Any]:
        extra = super().get_extra_fields(model, fields)
        extra["objects"] = StaffOnlyHistoricalManager()
        return extra


TicketManager = TenantManager.from_queryset(TicketQuerySet)
TicketEntryManager = TenantManager.from_queryset(TicketEntryQuerySet)
AttachmentManager = TenantManager.from_queryset(AttachmentQuerySet)
StaffOnlyManager = TenantManager.from_queryset(StaffOnlyQuerySet)
