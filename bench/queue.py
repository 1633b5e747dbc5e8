"""Measure the service-desk queue at scale: keyset pages, filters and search, selector and HTTP.

Run against a database loaded by bench/load_tickets.py (one MSP "bench" with ~250k tickets):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/offload_bench_sd \
        .venv/bin/python bench/queue.py [--reps 30] [--deep 400] [--no-http]

For each case it times page 1 and page N (N = --deep, or the last page if the case has fewer),
reached by following cursors N-1 times (each of those fetches is timed too, "walk"). Page 1 and
page N are then fetched --reps times each: p50/p95 are of those fetches, server side (the
selector call including materialising the rows; for HTTP the whole Django test-client request:
auth, middleware, scope, query, JSON). Queries per page are counted with CaptureQueriesContext on
page 1 and on page N and must be equal.

Actors: the MSP's technician tech0 (full MSP scope) and a *limited* technician. The loader makes
no limited technician, and this script writes nothing but its API token, so the limited scope is
built in memory exactly as `scope_for_membership` would build it (kind msp, client_ids = the
first 10 clients); it runs on the selector path only (HTTP would need a membership row).

Writes: one API token for tech0 (deleted at the end) and its last-used time. The per-user API
throttle (1200/min, kept in the database cache) is bypassed in this process only, since the
deep walks alone exceed it; that is a bench convenience, not an application change.
"""

# Django must be set up before the models are imported, so imports follow django.setup().
# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# This file is named queue.py, and Python puts the script's folder first on sys.path, where it
# would shadow the standard library's `queue` (which Django's threads import). Swap the folder
# for the project root before anything imports `queue`.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offload.config.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings

from offload.accounts.acting import acting_for_user
from offload.accounts.choices import Role
from offload.accounts.models import User
from offload.accounts.services.tokens import create_api_token
from offload.api.throttling import PerUserThrottle
from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.models import Ticket
from offload.servicedesk.selectors import queue_page
from offload.tenancy.models import MSP, Client
from offload.tenancy.scoping import Scope, activate, system_scope

PAGE_P95_MS = 50.0
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
SEARCH_P95_MS = 150.0

# (next cursor or None, number of tickets) for one fetch.
Fetch = Callable[[str | None], tuple[str | None, int]]


@dataclass
class Row:
    path: str
    actor: str
    case: str
    page: int
    p50: float
    p95: float
    queries: int
    search: bool
    walk_p50: float | None = None
    walk_p95: float | None = None


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def timed(fetch: Fetch, cursor: str | None) -> tuple[float, str | None, int]:
    started = time.perf_counter()
    nxt, n = fetch(cursor)
    return (time.perf_counter() - started) * 1000, nxt, n


def count_queries(fetch: Fetch, cursor: str | None) -> int:
    with CaptureQueriesContext(connection) as captured:
        fetch(cursor)
    return len(captured.captured_queries)


def measure(
    path: str, actor: str, case: str, fetch: Fetch, *, reps: int, deep: int, search: bool
) -> list[Row]:
    """Page 1 and page `deep` (or the last page) of one case: timings and query counts."""
    fetch(None)  # warm caches and the plan once
    walk: list[float] = []
    cursor: str | None = None
    page = 1
    ms, nxt, _ = timed(fetch, None)
    walk.append(ms)
    while nxt and page < deep:
        deep_cursor = nxt
        ms, nxt, _ = timed(fetch, deep_cursor)
        walk.append(ms)
        page += 1
        cursor = deep_cursor
    rows = []
    targets: list[tuple[int, str | None]] = [(1, None)] + ([(page, cursor)] if page > 1 else [])
    for number, at in targets:
        samples = [timed(fetch, at)[0] for _ in range(reps)]
        rows.append(
            Row(
                path,
                actor,
                case,
                number,
                pct(samples, 0.5),
                pct(samples, 0.95),
                count_queries(fetch, at),
                search,
            )
        )
    if len(rows) == 2:
        rows[1].walk_p50, rows[1].walk_p95 = pct(walk, 0.5), pct(walk, 0.95)
    return rows


def selector_fetch(scope: Scope, user_id: int, filters: dict[str, Any], search: str) -> Fetch:
    def fetch(cursor: str | None) -> tuple[str | None, int]:
        with activate(scope):
            page = queue_page(filters=filters, user_id=user_id, after=cursor, search=search)
        return page.next_cursor, len(page.tickets)

    return fetch


def http_fetch(client: HttpClient, token: str, params: dict[str, Any]) -> Fetch:
    def fetch(cursor: str | None) -> tuple[str | None, int]:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get("/api/v1/tickets", query, secure=True, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            answer = f"{response.status_code}: {response.content[:300]!r}"
            raise SystemExit(f"GET /api/v1/tickets {query} -> {answer}")
        body = response.json()
        return body["next_cursor"], len(body["items"])

    return fetch


NEXT_PAGE = re.compile(
    r'id="show-more"[^>]*?after=([A-Za-z0-9_-]+)|after=([A-Za-z0-9_-]+)[^>]*id="show-more"'
)


def console_fetch(client: HttpClient, params: dict[str, Any]) -> Fetch:
    """The staff console's queue page (/tickets/), whole HTML page as a signed-in technician sees it."""

    def fetch(cursor: str | None) -> tuple[str | None, int]:
        query = dict(params, **({"after": cursor} if cursor else {}))
        response = client.get("/tickets/", query, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET /tickets/ {query} -> {response.status_code}: {response.content[:300]!r}")
        html = response.content.decode()
        found = NEXT_PAGE.search(html)
        return (found.group(1) or found.group(2)) if found else None, html.count("data-row ")

    return fetch


def verdicts(rows: list[Row]) -> list[str]:
    """PASS or MISS per row: searches against the search target, other pages the page target."""
    return ["PASS" if r.p95 <= (SEARCH_P95_MS if r.search else PAGE_P95_MS) else "MISS" for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=30, help="fetches of page 1 and of page N per case")
    parser.add_argument("--deep", type=int, default=400, help="the deep page N")
    parser.add_argument("--no-http", action="store_true", help="selector path only")
    parser.add_argument("--no-console", action="store_true", help="skip the console's /tickets/ page")
    args = parser.parse_args()

    with system_scope("the benchmark picks its MSP, actors and filter values"):
        msp = MSP.objects.get(slug="bench")
        tech = User.objects.get(email="tech0@bench.bench.example")
        other_tech = User.objects.get(email="tech1@bench.bench.example")
        clients = list(Client.objects.filter(msp=msp).order_by("id").values_list("id", flat=True))
        total = Ticket.objects.filter(msp=msp).count()
        word = "printer"
        numbered = Ticket.objects.filter(msp=msp).order_by("-number")
        reference = numbered.values_list("reference", flat=True)[1000]
    acting = acting_for_user(tech)
    assert acting.role == Role.TECHNICIAN, "tech0 should be a technician"
    assert not acting.scope.client_ids, "tech0 should see the whole MSP"
    limited = Scope(
        kind="msp",
        user_id=tech.pk,
        role=Role.TECHNICIAN,
        msp_ids=frozenset({msp.pk}),
        client_ids=frozenset(clients[:10]),
    )
    database = f"{connection.vendor} {connection.settings_dict['NAME']}"
    print(f"database: {database}; MSP {msp.slug}: {total:,} tickets, {len(clients)} clients; "
          f"reps {args.reps}, deep page {args.deep}, 50 tickets a page")  # fmt: skip

    cases: list[tuple[str, dict[str, Any], str]] = [
        ("all (no filter)", {}, ""),
        (f"status={TicketStatus.IN_PROGRESS}", {"status": TicketStatus.IN_PROGRESS.value}, ""),
        (f"assignee={other_tech.pk}", {"assignee": other_tech.pk}, ""),
        (f"client={clients[0]}", {"client": clients[0]}, ""),
        (f"q={word} (subject)", {}, word),
        (f"q={reference} (ref)", {}, reference),
    ]

    rows: list[Row] = []
    for actor, scope in (("tech (full)", acting.scope), ("tech (10 clients)", limited)):
        for case, filters, search in cases:
            fetch = selector_fetch(scope, tech.pk, filters, search)
            rows += measure(
                "selector", actor, case, fetch, reps=args.reps, deep=args.deep, search=bool(search)
            )
            print(f"  done: selector {actor} {case}", flush=True)

    token_row = None
    if not args.no_http:
        PerUserThrottle.allow_request = lambda self, request: True  # type: ignore[method-assign]
        token_row, raw = create_api_token(actor=tech, user=tech, name="bench/queue.py")
        client = HttpClient(HTTP_HOST="localhost")
        try:
            for case, filters, search in cases:
                params = dict(filters, **({"q": search} if search else {}))
                rows += measure(
                    "http", "tech (full)", case, http_fetch(client, raw, params),
                    reps=args.reps, deep=args.deep, search=bool(search),
                )  # fmt: skip
                print(f"  done: http {case}", flush=True)
        finally:
            token_row.delete()

    if not args.no_console:
        # The console page behind a session; the TOTP gate is a sign-in step, not per-page work.
        # Plain static storage: the manifest exists only after collectstatic, which a bench skips.
        storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}}
        override_settings(OFFLOAD_REQUIRE_STAFF_MFA=False, STORAGES=storages).enable()
        page_client = HttpClient(HTTP_HOST="localhost")
        page_client.force_login(tech)
        console_cases: list[tuple[str, dict[str, Any], bool]] = [
            ("open (default queue)", {}, False),
            ("status=all", {"status": "all"}, False),
            (f"client={clients[0]}, any status", {"client": clients[0], "status": "all"}, False),
            (f"q={word} (subject)", {"q": word, "status": "all"}, True),
        ]
        for case, params, is_search in console_cases:
            rows += measure(
                "console", "tech (full)", case, console_fetch(page_client, params),
                reps=args.reps, deep=args.deep, search=is_search,
            )  # fmt: skip
            print(f"  done: console {case}", flush=True)

    print()
    header = (f"{'path':<8} {'actor':<17} {'case':<26} {'page':>5} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'target':>7} {'verdict':>7} {'SQL/page':>8} {'walk p50/p95 ms':>16}")  # fmt: skip
    print(header)
    print("-" * len(header))
    all_ok = True
    for r, verdict in zip(rows, verdicts(rows), strict=True):
        all_ok &= verdict == "PASS"
        walk = f"{r.walk_p50:.1f}/{r.walk_p95:.1f}" if r.walk_p50 is not None else ""
        target = f"≤{SEARCH_P95_MS:.0f}" if r.search else f"≤{PAGE_P95_MS:.0f}"
        print(f"{r.path:<8} {r.actor:<17} {r.case:<26} {r.page:>5} {r.p50:>8.1f} {r.p95:>8.1f} "
              f"{target:>7} {verdict:>7} {r.queries:>8} {walk:>16}")  # fmt: skip

    # Constant queries: within each (path, actor, case) page 1 and page N issue the same number.
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.path, r.actor, r.case), []).append(r)
    constant = all(len({r.queries for r in g}) == 1 for g in groups.values())
    pages = [r for r in rows if not r.search]
    searches = [r for r in rows if r.search]
    print()
    print(f"target queue page p95 ≤ {PAGE_P95_MS:.0f} ms: "
          f"{'PASS' if all(r.p95 <= PAGE_P95_MS for r in pages) else 'MISS'} "
          f"(worst {max(r.p95 for r in pages):.1f} ms)")  # fmt: skip
    print(f"target search p95 ≤ {SEARCH_P95_MS:.0f} ms: "
          f"{'PASS' if all(r.p95 <= SEARCH_P95_MS for r in searches) else 'MISS'} "
          f"(worst {max(r.p95 for r in searches):.1f} ms)")  # fmt: skip
    print(f"target constant SQL queries per page (page 1 = page N): {'PASS' if constant else 'MISS'}")
    return 0 if all_ok and constant else 1


if __name__ == "__main__":
    sys.exit(main())
