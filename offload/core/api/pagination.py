"""Keyset ("cursor") pagination: stable under inserts, no COUNT, no OFFSET.

A page is ordered by (sort key, id). The cursor is the last row's sort key and id, JSON then
base64url encoded: opaque to clients, cheap to seek with an index that starts with the sort key.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from offload.core.errors import DomainError

T = TypeVar("T")


class InvalidCursor(DomainError):
    """The cursor was not made by this API for this ordering."""

    code = "invalid_cursor"
    status = 400


class CursorPage(Schema, Generic[T]):  # noqa: UP046  (pydantic generics need Generic here)
    """One page of a list. Follow `next` (or pass `next_cursor` as `cursor`) until it is null."""

    items: list[T]
    next_cursor: str | None = Field(description="Cursor of the following page; null on the last page.")
    next: str | None = Field(description="URL of the following page; null on the last page.")


def encode_cursor(order: str, value: Any, pk: Any) -> str:
    raw = json.dumps([order, value, pk], cls=DjangoJSONEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, model: type[Model], order: str) -> tuple[Any, Any]:
    """(sort value, pk) from `cursor`, converted back to the field's Python type."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_order, value, pk = json.loads(raw)
        field = cast(models.Field, model._meta.get_field(order.lstrip("-")))
        pk_field = model._meta.pk
        assert pk_field is not None
        if cursor_order != order or value is None:
            raise ValueError("cursor made for another ordering")
        return field.to_python(value), pk_field.to_python(pk)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, DjangoValidationError) as exc:
        raise InvalidCursor("This cursor is not valid for this list.", field="cursor") from exc


def paginate(
    request: HttpRequest, queryset: QuerySet, *, order: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The page after `cursor` of `queryset` ordered by `order` ("name" or "-name"), then id.

    Reads `limit + 1` rows to know whether another page exists; never counts.
    """
    field = order.lstrip("-")
    descending = order.startswith("-")
    queryset = queryset.order_by(f"-{field}" if descending else field, "-pk" if descending else "pk")
    if cursor:
        value, pk = decode_cursor(cursor, model=queryset.model, order=order)
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}))
    rows = list(queryset[: limit + 1])
    next_cursor = next_url = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(order, getattr(last, field), last.pk)
        params = request.GET.copy()
        params["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(list(params.lists()), doseq=True)}")
    return {"items": rows, "next_cursor": next_cursor, "next": next_url}
