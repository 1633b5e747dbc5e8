"""List filters for the tenancy pages: search and keyset pagination.

A page is read with one query (plus one per annotated count, never per row): rows are ordered by
an indexed key and the next page starts after the last row's key, so page 500 costs what page 1
costs. The cursor is opaque to users (URL-safe base64 of the key values).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from offload.tenancy.models import Asset, Client, Contact, Site

PAGE_SIZE = 25
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class Page:
    """One page of rows and the cursor of the next page ("" on the last page)."""

    rows: list[Any]
    next_cursor: str


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any] | None:
    """The key values in `cursor`, or None when it is missing or malformed (then: first page)."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != width:
        return None
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        return None
    return values


def after(fields: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order of `fields` (lexicographic)."""
    predicate = Q()
    for i, name in enumerate(fields):
        equal = {fields[j]: values[j] for j in range(i)}
        predicate |= Q(**equal, **{f"{name}__gt": values[i]})
    return predicate


def paginate(queryset: QuerySet, *, keys: tuple[str, ...], cursor: str, size: int = PAGE_SIZE) -> Page:
    """The page of `queryset` after `cursor`, ordered by `keys` (the last key must be unique)."""
    start = decode_cursor(cursor, len(keys))
    if start is not None:
        queryset = queryset.filter(after(keys, start))
    rows = list(queryset.order_by(*keys)[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor([_key_value(last, k) for k in keys])
    return Page(rows=rows, next_cursor=next_cursor)


def _key_value(row: Any, key: str) -> Any:
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value


def _search(queryset: QuerySet, q: str, fields: tuple[str, ...]) -> QuerySet:
    """Rows where every word of `q` appears in one of `fields` (case-insensitive)."""
    for word in q[:MAX_SEARCH_LENGTH].split()[:5]:
        predicate = Q()
        for field in fields:
            predicate |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(predicate)
    return queryset


def _count_of(model: type[Site | Contact | Asset], *, client_field: str = "client") -> Coalesce:
    """Scoped count of `model` rows per client, as a correlated subquery (no row multiplication)."""
    counted = (
        model._default_manager.filter(**{client_field: OuterRef("pk")})
        .order_by()
        .values(client_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


CLIENT_KEYS = ("name", "id")
SITE_KEYS = ("name", "id")
CONTACT_KEYS = ("last_name", "first_name", "id")
ASSET_KEYS = ("name", "id")


def clients_with_counts(*, q: str = "", include_inactive: bool = True) -> QuerySet[Client]:
    """Visible clients, with how many sites, contacts and assets each has (three subqueries, one query)."""
    queryset = Client.objects.annotate(
        site_count=_count_of(Site), contact_count=_count_of(Contact), asset_count=_count_of(Asset)
    )
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return _search(queryset, q, ("name", "short_name", "phone", "website"))


def sites(*, q: str = "", client: Client | None = None) -> QuerySet[Site]:
    queryset = Site.objects.select_related("client")
    if client is not None:
        queryset = queryset.filter(client=client)
    return _search(queryset, q, ("name", "address", "city", "postal_code", "client__name"))


def contacts(*, q: str = "", client: Client | None = None, site: Site | None = None) -> QuerySet[Contact]:
    queryset = Contact.objects.select_related("client", "site")
    if client is not None:
        queryset = queryset.filter(client=client)
    if site is not None:
        queryset = queryset.filter(site=site)
    return _search(queryset, q, ("first_name", "last_name", "email", "phone", "job_title", "client__name"))


def assets(
    *, q: str = "", client: Client | None = None, site: Site | None = None, contact: Contact | None = None
) -> QuerySet[Asset]:
    queryset = Asset.objects.select_related("client", "site", "contact")
    if client is not None:
        queryset = queryset.filter(client=client)
    if site is not None:
        queryset = queryset.filter(site=site)
    if contact is not None:
        queryset = queryset.filter(contact=contact)
    return _search(
        queryset, q, ("name", "hostname", "serial_number", "manufacturer", "model_name", "client__name")
    )
