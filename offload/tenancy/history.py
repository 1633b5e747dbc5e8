"""Audit history for the console: who changed what, when, as readable field differences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

HISTORY_LIMIT = 50
# Bookkeeping fields every save touches; showing them would bury the real changes.
IGNORED_FIELDS = frozenset({"created_at", "updated_at", "msp"})
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)


def _field(model: type[models.Model], name: str) -> models.Field:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)  # history diffs name concrete fields only
    return model_field


def _display(model: type[models.Model], name: str, value: Any, names: dict[tuple[type, Any], str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    model_field = _field(model, name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return names.get((model_field.related_model, value), f"#{value}")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def history_of(obj: models.Model, *, limit: int = HISTORY_LIMIT) -> tuple[list[HistoryEntry], bool]:
    """The latest `limit` changes of `obj`, newest first, and whether older ones exist.

    A fixed number of queries: the history rows with their users, then one query per related
    model whose names appear in the differences (read through its scoped manager).
    """
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]  # type: ignore[attr-defined]
    )
    has_more = len(records) > limit
    deltas = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type != "-":
            delta = record.diff_against(previous)
            changes = [c for c in delta.changes if c.field not in IGNORED_FIELDS]
        deltas.append((record, changes))

    wanted: dict[Any, set[Any]] = {}
    for _record, changes in deltas:
        for change in changes:
            model_field = _field(model, change.field)
            if isinstance(model_field, models.ForeignKey):
                ids = wanted.setdefault(model_field.related_model, set())
                ids.update(v for v in (change.old, change.new) if v is not None)
    names: dict[tuple[type, Any], str] = {}
    related: Any
    for related, ids in wanted.items():
        for row in related._default_manager.filter(pk__in=ids):
            names[(related, row.pk)] = str(row)

    entries = []
    for record, changes in deltas:
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(user) if user is not None else "System",
                action=ACTIONS.get(record.history_type, record.history_type),
                changes=[
                    FieldChange(
                        label=str(_field(model, c.field).verbose_name).capitalize(),
                        old=_display(model, c.field, c.old, names),
                        new=_display(model, c.field, c.new, names),
                    )
                    for c in changes
                ],
            )
        )
    return entries, has_more
