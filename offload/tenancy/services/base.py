"""What every tenancy write does: authorize, validate, attribute, save."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import rules
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from offload.core.errors import DomainError, PermissionDenied


class InvalidInput(DomainError):
    """The input names something that does not fit (another client's site, an unknown client)."""

    code = "invalid"
    status = 422


def authorize(actor: Any, perm: str, obj: models.Model | None = None) -> None:
    """Raise PermissionDenied unless `actor` holds `perm` (on `obj`)."""
    if not rules.has_perm(perm, actor, obj):
        raise PermissionDenied("Your role may not do this.", code="permission_denied")


def apply_changes(obj: models.Model, changes: Mapping[str, Any], *, allowed: Iterable[str]) -> list[str]:
    """Set the allowed keys of `changes` on `obj`; return the names of the fields set."""
    allowed = set(allowed)
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(obj, name, value)
    return list(changes)


def save_validated(obj: models.Model, *, actor: Any) -> models.Model:
    """Validate `obj` with the model's rules (ValidationError → 422) and save it, attributed to `actor`."""
    obj.full_clean()
    obj._history_user = actor  # type: ignore[attr-defined]  # simple_history reads it for the audit row
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # A concurrent write won a uniqueness race that full_clean() checked a moment earlier.
        raise ValidationError("This conflicts with an existing record.") from exc
    return obj
