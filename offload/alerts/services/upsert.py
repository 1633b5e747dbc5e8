"""The alert upsert: every alert of one payload in one INSERT … ON CONFLICT DO UPDATE … RETURNING.

The statement is the deduplication and the alert state machine at once, so that a storm of
repeats costs one statement per request and concurrent duplicates cannot create two rows (the
unique key decides; the database serialises the conflicting rows). Same SQL on PostgreSQL and
SQLite (3.35+: RETURNING, `excluded`, TRUE/FALSE).

Rules, for a notification about an existing alert (`a` = stored row, `x` = the notification):
- stale firing: x fires with a start at or before a resolve we already have (a resolve that
  overtook its firing, or a retried old firing) → the alert stays resolved;
- resolved → status resolved, `ends_at` from x (or its receipt time);
- firing (not stale) → status firing, `ends_at` cleared; acknowledged/update change nothing but
  `last_event`;
- every notification bumps `count`; a change of status counts towards flapping: FLAP_CHANGES
  changes within FLAP_WINDOW mark the alert flapping, a change after a quiet window clears it.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection

from offload.alerts.models import Alert

FLAP_CHANGES = 4
FLAP_WINDOW = datetime.timedelta(minutes=30)

COLUMNS = (
    "msp_id", "integration_id", "source", "partition", "fingerprint", "fingerprint_derived",
    "status", "last_event", "handled_status", "severity", "summary", "description", "labels",
    "annotations", "host", "condition_key", "group_key", "source_url", "starts_at", "ends_at",
    "first_received_at", "last_received_at", "count", "flap_window_start", "flap_changes",
    "is_flapping", "flap_noted", "is_suppressed", "client_id", "last_payload_id",
)  # fmt: skip
JSON_COLUMNS = {"labels", "annotations"}
# Latest notification wins for these descriptive fields.
COPIED = (
    "integration_id", "last_event", "severity", "summary", "description", "labels", "annotations",
    "host", "group_key", "source_url", "last_received_at", "last_payload_id", "fingerprint_derived",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert as the upsert writes it (the values of COLUMNS, by name)."""

    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Upserted:
    """What the upsert left behind for one alert: enough to decide whether a task has work."""

    id: int
    status: str
    handled_status: str
    last_event: str
    ticket_id: int | None
    is_suppressed: bool
    is_flapping: bool
    flap_noted: bool

    @property
    def needs_work(self) -> bool:
        """Whether the ticket side has something to do (a repeat of a handled state has not)."""
        if self.status != self.handled_status:
            return True
        if self.is_flapping and not self.flap_noted and self.ticket_id is not None:
            return True
        if self.last_event in ("acknowledged", "update") and self.ticket_id is not None:
            return True
        # A firing kept out of tickets by a maintenance window is looked at again when it repeats.
        return self.status == "firing" and self.ticket_id is None and self.is_suppressed


def _sql(rows: int) -> str:
    table = Alert._meta.db_table
    postgres = connection.vendor == "postgresql"
    placeholder = (
        "(" + ", ".join("%s::jsonb" if postgres and c in JSON_COLUMNS else "%s" for c in COLUMNS) + ")"
    )
    a, x = table, "excluded"
    stale = (
        f"({x}.last_event = 'firing' AND {a}.status = 'resolved' AND {a}.ends_at IS NOT NULL "
        f"AND {x}.starts_at IS NOT NULL AND {x}.starts_at <= {a}.ends_at)"
    )
    new_status = (
        f"(CASE WHEN {x}.last_event = 'resolved' THEN 'resolved' "
        f"WHEN {x}.last_event = 'firing' AND NOT {stale} THEN 'firing' ELSE {a}.status END)"
    )
    changed = f"({new_status} <> {a}.status)"
    expired = f"({a}.flap_window_start < %s)"
    sets = [f"{c} = {x}.{c}" for c in COPIED]
    sets += [
        f"status = {new_status}",
        f"count = {a}.count + 1",
        f"starts_at = CASE WHEN {stale} THEN {a}.starts_at ELSE COALESCE({x}.starts_at, {a}.starts_at) END",
        f"ends_at = CASE WHEN {stale} THEN {a}.ends_at "
        f"WHEN {x}.last_event = 'resolved' THEN {x}.ends_at "
        f"WHEN {x}.last_event = 'firing' THEN NULL ELSE {a}.ends_at END",
        f"flap_changes = CASE WHEN {changed} THEN (CASE WHEN {expired} THEN 1 ELSE {a}.flap_changes + 1 END) "
        f"ELSE {a}.flap_changes END",
        f"flap_window_start = CASE WHEN {changed} AND {expired} THEN {x}.last_received_at "
        f"ELSE {a}.flap_window_start END",
        f"is_flapping = CASE WHEN {changed} AND NOT {expired} "
        f"AND {a}.flap_changes + 1 >= {FLAP_CHANGES} THEN TRUE "
        f"WHEN {changed} AND {expired} THEN FALSE ELSE {a}.is_flapping END",
    ]
    # Only our own column names and placeholders are interpolated; every value is a parameter.
    return (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES {', '.join([placeholder] * rows)} "  # noqa: S608
        f"ON CONFLICT (msp_id, source, partition, fingerprint) DO UPDATE SET {', '.join(sets)} "
        "RETURNING id, status, handled_status, last_event, ticket_id, is_suppressed, is_flapping, flap_noted"
    )


def upsert_alerts(rows: list[AlertRow], *, now: datetime.datetime) -> list[Upserted]:
    """Insert or update every row in one statement (call inside the request's transaction).

    Rows are written in fingerprint order, so two requests with overlapping alerts lock them in
    the same order (no deadlock); a fingerprint twice in one payload keeps its last occurrence.
    """
    if not rows:
        return []
    unique: dict[str, AlertRow] = {}
    for row in rows:
        unique[row.values["fingerprint"]] = row
    ordered = [unique[k] for k in sorted(unique)]
    ops = connection.ops
    params: list[Any] = []
    for row in ordered:
        for column in COLUMNS:
            value = row.values[column]
            if column in JSON_COLUMNS:
                value = json.dumps(value)
            elif isinstance(value, datetime.datetime):
                value = ops.adapt_datetimefield_value(value)
            params.append(value)
    # The flap-window comparison appears in three SET expressions, each with its own placeholder.
    window_start = ops.adapt_datetimefield_value(now - FLAP_WINDOW)
    params += [window_start] * _sql(1).count("flap_window_start < %s")
    with connection.cursor() as cursor:
        cursor.execute(_sql(len(ordered)), params)
        results = cursor.fetchall()
    return [
        Upserted(
            id=r[0],
            status=r[1],
            handled_status=r[2],
            last_event=r[3],
            ticket_id=r[4],
            is_suppressed=bool(r[5]),
            is_flapping=bool(r[6]),
            flap_noted=bool(r[7]),
        )
        for r in results
    ]
