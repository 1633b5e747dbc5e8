"""Reads for the queue page: filters from the query string, sidebar views, picker options, SLA due.

Every read goes through the scoped managers; a filter value naming a row the reader cannot see
narrows to nothing (the scope still applies) and is never shown back as a name.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from offload.accounts.models import User
from offload.core.api.types import MAX_ID
from offload.servicedesk.choices import Priority, TicketStatus
from offload.servicedesk.models import Category, SavedView, Team, Ticket
from offload.servicedesk.rules import AGENT_ROLES
from offload.servicedesk.selectors import (
    QueueCount,
    bounded_count,
    saved_view_counts,
    saved_views_for,
    tickets_matching,
)
from offload.tenancy.models import Client
from offload.tenancy.scoping import current_scope

PAGE_SIZE = 50
# The query-string keys of the queue, in the order they are written back into links.
KEYS = ("view", "status", "assignee", "team", "client", "priority", "category", "q")
# Built-in views everyone has, above the saved ones.
BUILTIN_VIEWS: list[tuple[str, str, dict[str, Any]]] = [
    ("mine", "My open tickets", {"open": True, "assignee": "me"}),
    ("unassigned", "Unassigned", {"open": True, "unassigned": True}),
    ("open", "All open", {"open": True}),
]


@dataclass
class QueueQuery:
    """What the reader asked for, as typed (`raw`) and as selector filters (`filters`)."""

    raw: dict[str, str]
    filters: dict[str, Any]
    search: str
    view: SavedView | None = None
    builtin: str = ""
    errors: list[str] = field(default_factory=list)

    def link(self, **changes: str) -> str:
        """The query string of this queue with `changes` applied (empty value: key removed)."""
        values = {k: v for k, v in {**self.raw, **changes}.items() if v}
        return "?" + urlencode([(k, values[k]) for k in KEYS if k in values])


def _id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def parse_query(params: QueryDict, *, saved: list[SavedView]) -> QueueQuery:
    """The queue the query string asks for; unknown values are dropped, not errors."""
    raw = {key: params.get(key, "").strip()[:200] for key in KEYS}
    view_key = raw["view"]
    query = QueueQuery(raw=raw, filters={}, search=" ".join(raw["q"].split()))
    builtin = {key: filters for key, _, filters in BUILTIN_VIEWS}
    if view_key in builtin:
        query.builtin = view_key
        query.filters = dict(builtin[view_key])
    elif view_key.isdigit():
        query.view = next((v for v in saved if str(v.pk) == view_key), None)
        if query.view is not None:
            query.filters = dict(query.view.filters)
    filters = query.filters
    status = raw["status"]
    if status == "all":
        filters.pop("open", None)
    elif status in TicketStatus.values:
        filters.pop("open", None)
        filters["status"] = status
    elif not filters or status == "open":
        filters.setdefault("open", True)
    assignee = raw["assignee"]
    if assignee == "me":
        filters["assignee"] = "me"
    elif assignee == "none":
        filters.pop("assignee", None)
        filters["unassigned"] = True
    elif _id(assignee):
        filters["assignee"] = _id(assignee)
    for key in ("team", "client", "category"):
        if _id(raw[key]):
            filters[key] = _id(raw[key])
    if raw["priority"] in Priority.values:
        filters["priority"] = raw["priority"]
    return query


def sidebar(*, user_id: int, saved: list[SavedView]) -> list[dict[str, Any]]:
    """Built-in and saved views with their bounded counts (saved ones cached per queue version)."""
    rows: list[dict[str, Any]] = []
    for key, name, filters in BUILTIN_VIEWS:
        count = bounded_count(tickets_matching(filters, user_id=user_id))
        rows.append({"key": key, "name": name, "count": count})
    counts = saved_view_counts(views=saved, user_id=user_id)
    for view in saved:
        rows.append(
            {
                "key": str(view.pk),
                "name": view.name,
                "count": counts.get(view.pk, QueueCount(0, False)),
                "shared": view.owner_id is None,
            }
        )
    return rows


def colleagues() -> QuerySet[User]:
    """People who work tickets of the MSPs in the scope (for the assignee filter and bulk assign)."""
    scope = current_scope()
    # Provider staff pick among their own colleagues: the people of an MSP they serve (perhaps only
    # partly) are not theirs to list.
    if scope.kind == "provider":
        memberships = Q(memberships__provider_id=scope.provider_id or 0)
    else:
        memberships = Q(memberships__msp_id__in=scope.msp_ids)
    return (
        User.objects.filter(
            memberships,
            memberships__is_active=True,
            memberships__role__in=sorted(AGENT_ROLES),
            is_active=True,
        )
        .distinct()
        .only("id", "first_name", "last_name", "email")
        .order_by("first_name", "last_name", "id")
    )


def options() -> dict[str, Any]:
    """The choices of the filter bar: one query per list, whatever the page shows."""
    return {
        "clients": list(Client.objects.filter(is_active=True).only("id", "name").order_by("name", "id")),
        "teams": list(Team.objects.filter(is_active=True).only("id", "name")),
        "categories": list(Category.objects.filter(is_active=True).only("id", "path")),
        "colleagues": list(colleagues()),
        "statuses": TicketStatus.choices,
        "priorities": Priority.choices,
    }


def sla_due(tickets: list[Ticket]) -> dict[int, datetime.datetime]:
    """The nearest SLA deadline of each ticket (one query), if the SLA engine's model is installed."""
    try:
        model = apps.get_model("servicedesk", "TicketSla")
    except LookupError:
        return {}
    if not tickets:
        return {}
    rows = model.objects.filter(
        ticket_id__in=[t.pk for t in tickets], is_closed=False, next_deadline__isnull=False
    ).values_list("ticket_id", "next_deadline")
    return {pk: due for pk, due in rows if due is not None}


def short_span(seconds: float) -> str:
    """A compact span for a dense table: 45s, 12m, 5h, 3d, 6w, 2y."""
    seconds = abs(seconds)
    for size, unit in ((365 * 86400, "y"), (7 * 86400, "w"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def short_when(moment: datetime.datetime, *, now: datetime.datetime) -> str:
    """When, as a mail client shows it: 14:05 today, "Nov 24" this year, else 2024-11-24.

    Absolute rather than "5s ago": the same page asked twice shows the same text.
    """
    local, today = timezone.localtime(moment), timezone.localtime(now)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%b ") + str(local.day)
    return local.strftime("%Y-%m-%d")


def annotate_times(tickets: list[Ticket], *, now: datetime.datetime) -> None:
    """Give each row its short "updated" time and SLA "due in …" (negative: overdue)."""
    due = sla_due(tickets)
    for ticket in tickets:
        ticket.updated_ago = short_when(ticket.updated_at, now=now)  # type: ignore[attr-defined]
        deadline = due.get(ticket.pk)
        ticket.sla_due = deadline  # type: ignore[attr-defined]
        if deadline is not None:
            left = (deadline - now).total_seconds()
            ticket.sla_in = ("-" if left < 0 else "") + short_span(left)  # type: ignore[attr-defined]


def valid_cursor(cursor: str) -> str | None:
    """`cursor` if it is a queue cursor the database can compare, else None (back to page 1)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        if datetime.datetime.fromisoformat(stamp).tzinfo is not None and 1 <= int(pk) <= MAX_ID:
            return cursor
    except (ValueError, UnicodeDecodeError):
        pass
    return None


def load_saved(user_id: int) -> list[SavedView]:
    return saved_views_for(user_id=user_id)
