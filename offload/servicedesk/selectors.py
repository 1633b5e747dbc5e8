"""Reads that span relations: the queue, saved-view counts, a ticket's thread.

Queue counts. A count over a quarter of a million tickets on every page load is what made other
desks unusable (osTicket #4805: a 153 s count). Offload's saved-view counts are:

- bounded: a view counts at most COUNT_CAP rows (`SELECT COUNT(*) FROM (… LIMIT cap+1)`), so the
  cost of one count is bounded whatever the size of the queue; the UI shows "1000+" past it;
- cached in the shared cache (the database cache here, Redis if configured) per view, per scope
  (two technicians with different client limits get different numbers) and per *queue version*
  of the MSP;
- invalidated, not recomputed, by writes: every service that changes what a queue contains calls
  `invalidate_queue_counts(msp_id)` on commit, which bumps the MSP's queue version so every
  cached count of that MSP is stale at once (no key enumeration). A short TTL bounds staleness
  should a bump be lost (cache flushed, a write made outside the services).

Maintained per-(client, status) counter rows were considered and not chosen: they make every
ticket write contend on a hot row, they cannot answer an arbitrary saved view, and they would
need an own-path to be safe for client users.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.db.models.functions import Replace

from offload.core.errors import DomainError
from offload.servicedesk.choices import OPEN_STATUSES, Priority, TicketKind, TicketStatus
from offload.servicedesk.models import SavedView, Ticket, TicketEntry
from offload.tenancy.models import Contact
from offload.tenancy.scoping import Scope, current_scope

COUNT_CAP = 1000
COUNT_TTL_SECONDS = 60
# The filter keys a saved view may hold, each mapped to how it narrows tickets. "me" in
# assignee means the reading user; anything else is refused when the view is saved.
QUEUE_FILTERS = ("status", "assignee", "team", "client", "priority", "kind", "category", "unassigned", "open")


@dataclass(frozen=True)
class QueueCount:
    """A view's count, exact below the cap; `is_capped` means "at least `value`"."""

    value: int
    is_capped: bool

    def __str__(self) -> str:
        return f"{self.value}+" if self.is_capped else str(self.value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def validate_queue_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """`filters` if every key and value is one a saved view may hold, else DomainError."""
    unknown = set(filters) - set(QUEUE_FILTERS)
    if unknown:
        raise DomainError(f"Unknown filter {sorted(unknown)[0]!r}.", code="invalid_filter", field="filters")
    checks = {"status": TicketStatus.values, "priority": Priority.values, "kind": TicketKind.values}
    for key, allowed in checks.items():
        if key in filters and not set(map(str, _as_list(filters[key]))) <= set(allowed):
            raise DomainError(f"Unknown value in filter {key!r}.", code="invalid_filter", field="filters")
    for key in ("team", "client", "category"):
        if key in filters and not all(isinstance(v, int) for v in _as_list(filters[key])):
            raise DomainError(f"Filter {key!r} takes ids.", code="invalid_filter", field="filters")
    if "assignee" in filters and not all(
        v == "me" or isinstance(v, int) for v in _as_list(filters["assignee"])
    ):
        raise DomainError("Filter 'assignee' takes ids or 'me'.", code="invalid_filter", field="filters")
    return filters


def tickets_matching(filters: dict[str, Any], *, user_id: int | None) -> QuerySet[Ticket]:
    """Tickets in the active scope that a saved view's filters select."""
    validate_queue_filters(filters)
    queryset = Ticket.objects.all()
    scope = current_scope()
    if not scope.is_system and len(scope.msp_ids) == 1:
        # Redundant with the scope's predicate, but a technician limited to some clients is
        # otherwise filtered by `client_id IN (…)` alone, which no queue index can walk in order
        # (the bench measured 130 ms instead of 5 for their page 1 at 250k tickets).
        queryset = queryset.filter(msp_id=next(iter(scope.msp_ids)))
    if filters.get("open"):
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if "status" in filters:
        queryset = queryset.filter(status__in=_as_list(filters["status"]))
    if "assignee" in filters:
        ids = [user_id if v == "me" else v for v in _as_list(filters["assignee"])]
        queryset = queryset.filter(assignee_id__in=ids)
    if filters.get("unassigned"):
        queryset = queryset.filter(assignee__isnull=True)
    for key in ("team", "client", "priority", "kind", "category"):
        if key in filters:
            field = f"{key}_id" if key in {"team", "client", "category"} else key
            queryset = queryset.filter(**{f"{field}__in": _as_list(filters[key])})
    return queryset


def saved_views_for(*, user_id: int) -> list[SavedView]:
    """The user's own and the MSP's shared views, in display order (staff scopes only)."""
    if current_scope().kind in {"client", "anonymous"}:
        return []
    return list(SavedView.objects.filter(Q(owner__isnull=True) | Q(owner_id=user_id)))


def _version_key(msp_id: int) -> str:
    return f"servicedesk:queue-version:{msp_id}"


def queue_version(msp_id: int) -> int:
    version = cache.get(_version_key(msp_id))
    if version is None:
        cache.add(_version_key(msp_id), 1, timeout=None)
        version = cache.get(_version_key(msp_id), 1)
    return int(version)


def invalidate_queue_counts(msp_id: int) -> None:
    """Make every cached queue count of `msp_id` stale, once the current transaction commits."""

    def bump() -> None:
        try:
            cache.incr(_version_key(msp_id))
        except ValueError:
            cache.add(_version_key(msp_id), 2, timeout=None)

    transaction.on_commit(bump)


def _scope_key(scope: Scope) -> str:
    """Two readers with the same key see the same tickets."""
    return "|".join(
        str(part)
        for part in (
            scope.kind,
            ",".join(map(str, sorted(scope.full_msp_ids))),
            ",".join(map(str, sorted(scope.client_ids))),
            scope.contact_id or "",
        )
    )


def bounded_count(queryset: QuerySet[Any], *, cap: int = COUNT_CAP) -> QueueCount:
    """Count at most `cap` rows: one query whose cost does not grow with the table."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return QueueCount(value=min(counted, cap), is_capped=counted > cap)


def saved_view_counts(*, views: list[SavedView], user_id: int) -> dict[int, QueueCount]:
    """Counts for `views` as the active scope sees them: cached; misses are bounded counts."""
    scope = current_scope()
    if not views:
        return {}
    scope_key = _scope_key(scope)
    versions = {msp_id: queue_version(msp_id) for msp_id in {v.msp_id for v in views}}

    def key(view: SavedView) -> str:
        owner = user_id if "assignee" in view.filters else ""
        return f"servicedesk:queue-count:{view.pk}:{versions[view.msp_id]}:{scope_key}:{owner}"

    keys = {view.pk: key(view) for view in views}
    cached = cache.get_many(list(keys.values()))
    counts: dict[int, QueueCount] = {}
    for view in views:
        hit = cached.get(keys[view.pk])
        if hit is not None:
            counts[view.pk] = QueueCount(*hit)
            continue
        count = bounded_count(tickets_matching(view.filters, user_id=user_id).filter(msp_id=view.msp_id))
        cache.set(keys[view.pk], (count.value, count.is_capped), timeout=COUNT_TTL_SECONDS)
        counts[view.pk] = count
    return counts


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue and the cursor of the next page (None on the last page)."""

    tickets: list[Ticket]
    next_cursor: str | None


MAX_PAGE = 200
# What a ticket reference looks like (ACME-1042): searched by the unique index, not by subject.
REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9]{1,11}-\d{1,12}")


def _encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.updated_at.isoformat()}|{ticket.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("This page link is not valid any more.", code="invalid_cursor") from exc


def queue_page(
    *,
    filters: dict[str, Any],
    user_id: int | None,
    after: str | None = None,
    limit: int = 50,
    search: str = "",
) -> QueuePage:
    """A page of the queue, most recently updated first, in one query whatever the page number.

    Keyset pagination on (updated_at, id) walks the `ticket_queue_*` indexes; page 400 costs what
    page 1 costs, unlike OFFSET. `search`: see `search_tickets`.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(f"A page holds 1 to {MAX_PAGE} tickets.", code="invalid_limit")
    queryset = tickets_matching(filters, user_id=user_id).for_queue()  # type: ignore[attr-defined]
    queryset = search_tickets(queryset, search)
    if after:
        stamp, pk = _decode_cursor(after)
        # A row comparison, (updated_at, id) < (stamp, pk), is one index range on PostgreSQL;
        # the equivalent OR of two predicates is not.
        queryset = queryset.filter(TupleLessThan(Tuple(F("updated_at"), F("id")), (stamp, pk)))
    rows = list(queryset.order_by("-updated_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(tickets=rows, next_cursor=_encode_cursor(rows[-1]) if more and rows else None)


def search_tickets(queryset: QuerySet[Ticket], search: str) -> QuerySet[Ticket]:
    """`queryset` narrowed to a reference typed exactly (ACME-1042), else to subjects containing
    every word of `search` (case-insensitive).

    Each word is one `subject__icontains`, which PostgreSQL runs as `UPPER(subject) LIKE UPPER(…)`:
    the expression the trigram index `ticket_subject_trgm` (migration desk_subject_trigram_index)
    is built on, so a rare word is a bitmap index scan instead of a scan of the MSP's tickets.
    Words shorter than 3 characters make no trigram; the planner then walks the queue index.
    """
    search = " ".join(search.split())[:200]
    if not search:
        return queryset
    if REFERENCE.fullmatch(search):
        return queryset.filter(reference=search.upper())
    for word in search.split()[:8]:
        queryset = queryset.filter(subject__icontains=word)
    return queryset


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


# Characters people put between the digits of a phone number; stripped in SQL, on every database.
_PHONE_PUNCTUATION = (" ", "-", "(", ")", ".", "/", "+", "\u00a0")
# Enough trailing digits to name one line, few enough to ignore the country or trunk prefix
# (+49 30 1234567 and 030 1234567 are the same phone).
PHONE_MATCH_DIGITS = 8


def _phone_digits(field: str) -> Any:
    expression: Any = F(field)
    for char in _PHONE_PUNCTUATION:
        expression = Replace(expression, Value(char), Value(""))
    return expression


def callers_by_phone(*, phone: str, limit: int = 10) -> list[Contact]:
    """Active contacts in the scope whose phone or mobile is `phone`, with client and site.

    Both sides are compared as digits only. From PHONE_MATCH_DIGITS digits on, the last that many
    must match (the prefix may be written differently); fewer digits (someone still typing) match
    anywhere in the number. Fewer than 4 digits find nobody.
    """
    digits = _digits(phone)
    if len(digits) < 4:
        return []
    queryset = Contact.objects.filter(is_active=True).annotate(
        phone_digits=_phone_digits("phone"), mobile_digits=_phone_digits("mobile")
    )
    if len(digits) >= PHONE_MATCH_DIGITS:
        tail = digits[-PHONE_MATCH_DIGITS:]
        match = Q(phone_digits__endswith=tail) | Q(mobile_digits__endswith=tail)
    else:
        match = Q(phone_digits__contains=digits) | Q(mobile_digits__contains=digits)
    return list(
        queryset.filter(match)
        .select_related("client", "site")
        .order_by("last_name", "first_name", "id")[:limit]
    )


def open_tickets_of(*, contact_ids: list[int], per_contact: int = 5) -> dict[int, list[Ticket]]:
    """The newest open tickets requested by each of `contact_ids` (one query)."""
    if not contact_ids:
        return {}
    rows = (
        Ticket.objects.filter(contact_id__in=contact_ids, status__in=OPEN_STATUSES)
        .only("id", "reference", "subject", "status", "contact_id", "updated_at", "msp_id", "client_id")
        .order_by("-updated_at", "-id")[: per_contact * len(contact_ids) * 4]
    )
    found: dict[int, list[Ticket]] = {pk: [] for pk in contact_ids}
    for ticket in rows:
        bucket = found[ticket.contact_id]  # type: ignore[index]
        if len(bucket) < per_contact:
            bucket.append(ticket)
    return found


def ticket_thread(*, ticket: Ticket) -> QuerySet[TicketEntry]:
    """The entries of `ticket` the active scope may read, oldest first, with authors and files."""
    return (
        TicketEntry.objects.filter(ticket_id=ticket.pk)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
