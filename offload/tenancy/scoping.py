"""The one place where tenant isolation is enforced.

Every request (and every background task) runs inside a `Scope`: who is acting and which MSPs,
clients and — for an end user — which contact's rows they may see. The scope is resolved once
(`offload.accounts.middleware`, or explicitly by a task) and kept in a context variable.

Tenant-owned models use `TenantManager` as their default manager. Its querysets are filtered by
the active scope, and a query made with no scope active raises `ScopeError` instead of silently
returning every tenant's rows. System work that really must cross tenants (migrations, the demo
loader, a worker deciding which MSP a message belongs to) says so with `system_scope(reason)`.

A model declares where its tenant keys live with class attributes:

- `tenant_msp_path`     — lookup to the owning MSP's id (default "msp"; the MSP itself uses "id");
- `tenant_client_path`  — lookup to the client, or None for MSP-level rows (brands, categories);
- `tenant_own_path`     — lookup to the contact whose own rows a client user may see, or None
  when a client user sees every row of their client (sites);
- `tenant_provider_path`— lookup to the provider, for rows that belong to a provider-MSP pair.

Audit history is tenant data too: tenant-owned models record it with `TenantHistoricalRecords`,
whose historical models (and their m2m history) carry the same tenant paths and the same scoped
manager, so `Client.history.all()` and `HistoricalClient.objects.all()` obey the scope as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from simple_history.manager import HistoricalQuerySet, HistoryDescriptor, HistoryManager
from simple_history.models import HistoricalRecords


class ScopeError(RuntimeError):
    """A tenant-owned model was queried with no scope active: a bug, never a user error."""


@dataclass(frozen=True)
class Scope:
    """Who is acting and which tenant rows they may see."""

    kind: str  # "system", "provider", "msp", "client", "anonymous"
    user_id: int | None = None
    role: str = ""
    provider_id: int | None = None
    # MSPs whose MSP-level rows (brand, categories, policies) are visible.
    msp_ids: frozenset[int] = field(default_factory=frozenset)
    # MSPs whose every client is visible.
    full_msp_ids: frozenset[int] = field(default_factory=frozenset)
    # Further individual clients that are visible (their MSP is in msp_ids but not full_msp_ids).
    client_ids: frozenset[int] = field(default_factory=frozenset)
    # A client user: rows that have an "own" path are limited to this contact.
    contact_id: int | None = None
    reason: str = ""

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_unrestricted(self) -> bool:
        """System work across every tenant; a system scope narrowed to one MSP is not."""
        return self.is_system and not self.msp_ids

    def sees_msp(self, msp_id: int) -> bool:
        return self.is_unrestricted or msp_id in self.msp_ids

    def sees_client(self, *, msp_id: int, client_id: int) -> bool:
        return self.is_unrestricted or msp_id in self.full_msp_ids or client_id in self.client_ids


NOBODY = Scope(kind="anonymous", reason="no identity")

_current: ContextVar[Scope | None] = ContextVar("offload_scope", default=None)


def current_scope() -> Scope:
    """The active scope; raises ScopeError when none is active."""
    scope = _current.get()
    if scope is None:
        raise ScopeError(
            "A tenant-owned model was queried outside a scope. Requests get one from the "
            "middleware; tasks and commands must use activate(scope) or system_scope(reason)."
        )
    return scope


def active_scope_or_none() -> Scope | None:
    return _current.get()


@contextlib.contextmanager
def activate(scope: Scope) -> Iterator[Scope]:
    """Run the block inside `scope`, restoring the previous one afterwards."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def replace_current(scope: Scope) -> Scope:
    """Swap the request's anonymous scope for `scope` once API authentication found the user.

    Only API authentication calls this: the middleware activated the anonymous scope (a bearer
    token is not a session), and restores its previous value when the request ends. Replacing a
    scope that already belongs to someone else is refused, so it cannot widen an identity.
    """
    active = _current.get()
    if active is None:
        raise ScopeError("replace_current() needs the scope the middleware activated")
    if active.kind != "anonymous" and active.user_id != scope.user_id:
        raise ScopeError("replace_current() may only replace an anonymous scope or the same user's")
    _current.set(scope)
    return scope


def system_scope(reason: str, *, msp_id: int | None = None) -> contextlib.AbstractContextManager[Scope]:
    """Work done by the system itself; `reason` documents why at the call site.

    With `msp_id`, the system acts for that one MSP (a worker filing its mail, say): it still acts
    as the system, but the guard keeps every query inside that MSP, so a lookup that forgets its
    `msp_id` cannot reach another tenant's rows.
    """
    if not reason:
        raise ValueError("system_scope needs a reason")
    if msp_id is None:
        return activate(Scope(kind="system", reason=reason))
    only = frozenset({msp_id})
    return activate(Scope(kind="system", reason=reason, msp_ids=only, full_msp_ids=only))


def scope_filter(model: type[models.Model], scope: Scope) -> Q | None:
    """The predicate that limits `model`'s rows to `scope`, or None when nothing is hidden."""
    if scope.is_unrestricted:
        return None
    msp_path: str = getattr(model, "tenant_msp_path", "msp")
    client_path: str | None = getattr(model, "tenant_client_path", None)
    own_path: str | None = getattr(model, "tenant_own_path", None)
    provider_path: str | None = getattr(model, "tenant_provider_path", None)

    msp_key = "id" if msp_path in {"id", "pk"} else f"{msp_path}_id" if "__" not in msp_path else msp_path
    if client_path is None:
        predicate = Q(**{f"{msp_key}__in": scope.msp_ids})
    else:
        client_key = (
            "id"
            if client_path in {"id", "pk"}
            else f"{client_path}_id"
            if "__" not in client_path
            else client_path
        )
        predicate = Q(**{f"{msp_key}__in": scope.full_msp_ids}) | Q(**{f"{client_key}__in": scope.client_ids})
    if own_path is not None and scope.contact_id is not None:
        own_key = "id" if own_path in {"id", "pk"} else f"{own_path}_id" if "__" not in own_path else own_path
        predicate &= Q(**{own_key: scope.contact_id})
    if provider_path is not None and scope.provider_id is not None:
        predicate &= Q(**{f"{provider_path}_id": scope.provider_id})
    return predicate


class TenantQuerySet(models.QuerySet):
    """A queryset narrowed to the scope that is active when its SQL is first needed.

    The scope filter is applied lazily — when the query is compiled, counted, updated or deleted,
    or when it is refined with filter()/select_related() — not when the queryset object is made.
    So querysets built at import time (a ModelChoiceField's `queryset`, a module-level constant)
    are narrowed to the scope of the request that finally evaluates them, and still raise
    ScopeError when evaluated outside any scope. Cloning (.all(), .using()) keeps the filter pending.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_pending = False

    @property  # type: ignore[override]
    def query(self) -> Any:
        if self._scope_pending:
            self._scope_pending = False
            predicate = scope_filter(self.model, current_scope())
            if predicate is not None:
                self._query.add_q(predicate)  # type: ignore[attr-defined]
        return models.QuerySet.query.fget(self)  # type: ignore[attr-defined]

    @query.setter
    def query(self, value: Any) -> None:
        models.QuerySet.query.fset(self, value)  # type: ignore[attr-defined]

    def _clone(self) -> Any:
        pending, self._scope_pending = self._scope_pending, False
        try:
            clone = super()._clone()  # type: ignore[misc]
        finally:
            self._scope_pending = pending
        clone._scope_pending = pending
        return clone


class TenantManager(models.Manager):
    """Default manager of every tenant-owned model: no scope, no rows — it raises instead."""

    _queryset_class = TenantQuerySet

    def get_queryset(self) -> models.QuerySet:
        qs = super().get_queryset()
        if isinstance(qs, TenantQuerySet):
            qs._scope_pending = True
            return qs
        predicate = scope_filter(self.model, current_scope())
        return qs if predicate is None else qs.filter(predicate)


class TenantModel(models.Model):
    """Base of every row an MSP owns: a non-null `msp` and a scoped default manager."""

    msp = models.ForeignKey("tenancy.MSP", on_delete=models.CASCADE, related_name="+")

    tenant_msp_path: ClassVar[str] = "msp"
    tenant_client_path: ClassVar[str | None] = None
    tenant_own_path: ClassVar[str | None] = None
    tenant_provider_path: ClassVar[str | None] = None

    objects = TenantManager()

    class Meta:
        abstract = True


def is_tenant_model(model: type[Any]) -> bool:
    """True for models whose default manager enforces the scope."""
    return isinstance(model._default_manager, TenantManager)


TENANT_PATH_ATTRS = ("tenant_msp_path", "tenant_client_path", "tenant_own_path", "tenant_provider_path")


def _prefixed(path: str | None, prefix: str) -> str | None:
    """`path` seen from a row that points at the tenant row through `prefix` (m2m history)."""
    if path is None:
        return None
    return f"{prefix}__{'id' if path in {'id', 'pk'} else path}"


class _InsertWithoutScope:
    """History is written by signals, also by system work that runs outside any scope (loaders,
    migrations). Inserting rows reveals nothing, so bulk inserts skip the scope; reads never do."""

    model: Any
    _db: str | None

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        return models.QuerySet(self.model, using=self._db).bulk_create(objs, *args, **kwargs)


class HistoricalTenantQuerySet(TenantQuerySet, HistoricalQuerySet):
    """History rows, narrowed to the active scope like TenantQuerySet."""


class HistoricalTenantManager(_InsertWithoutScope, TenantManager.from_queryset(HistoricalTenantQuerySet)):  # type: ignore[misc]
    """Default manager of a tenant model's historical model: the same scope as the live rows."""


class HistoricalM2MTenantManager(_InsertWithoutScope, TenantManager):
    """Default manager of many-to-many history rows (which clients an agreement covered, when)."""


class ScopedHistoryManager(_InsertWithoutScope, HistoryManager):
    """`Model.history` (and `instance.history`) narrowed to the active scope."""

    def get_super_queryset(self) -> models.QuerySet:
        qs = super().get_super_queryset()
        if isinstance(qs, TenantQuerySet):
            qs._scope_pending = True
            return qs
        predicate = scope_filter(self.model, current_scope())
        return qs if predicate is None else qs.filter(predicate)


class TenantHistoricalRecords(HistoricalRecords):
    """`HistoricalRecords` for tenant-owned models: history rows are scoped like the rows they record.

    Historical rows keep the tracked model's fields under the same names (`msp`, `client`, and the
    original primary key as `id`; their own key is `history_id`), so the tracked model's tenant paths
    work unchanged. Many-to-many history rows reach the tenant through their `history` row.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("history_manager", ScopedHistoryManager)
        kwargs.setdefault("historical_queryset", HistoricalTenantQuerySet)
        super().__init__(*args, **kwargs)

    def get_extra_fields(self, model: type[models.Model], fields: Any) -> dict[str, Any]:
        extra = super().get_extra_fields(model, fields)
        extra["objects"] = HistoricalTenantManager()
        for attr in TENANT_PATH_ATTRS:
            extra[attr] = getattr(model, attr, "msp" if attr == "tenant_msp_path" else None)
        if getattr(model, "tenant_msp_path", "msp") in {"id", "pk"}:
            extra["tenant_msp_path"] = "id"
        return extra

    def get_extra_fields_m2m(
        self, model: type[models.Model], through_model: type[models.Model], fields: Any
    ) -> dict[str, Any]:
        extra = super().get_extra_fields_m2m(model, through_model, fields)
        extra["objects"] = HistoricalM2MTenantManager()
        extra["tenant_msp_path"] = _prefixed(getattr(model, "tenant_msp_path", "msp"), "history")
        for attr in TENANT_PATH_ATTRS[1:]:
            extra[attr] = _prefixed(getattr(model, attr, None), "history")
        return extra

    def finalize(self, sender: type[models.Model], **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        # simple-history gives the m2m history an unscoped descriptor; replace it with a scoped one.
        descriptor = sender.__dict__.get(self.manager_name)
        if not isinstance(descriptor, HistoryDescriptor):
            return  # class_prepared of some other model
        history_model = descriptor.model
        for m2m_field, m2m_model in self.m2m_models.items():
            setattr(history_model, m2m_field.name, HistoryDescriptor(m2m_model, manager=ScopedHistoryManager))
