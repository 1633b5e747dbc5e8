"""Bulk-load tickets (and their threads) for one MSP among others, for the queue benchmarks.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/offload_bench \
      .venv/bin/python bench/load_tickets.py --tickets 250000 [--entries 3] [--others 2]

PostgreSQL: rows go in with COPY (psycopg's `cursor.copy`); SQLite: multi-row inserts
(`bulk_create`). Every batch is one transaction that first reserves its ticket numbers on the
MSP's counter (UPDATE … RETURNING), so the references stay unique and consecutive even if someone
opens tickets while the loader runs. The loaded MSP ("bench", prefix BENCH) gets --tickets
tickets; each of --others further MSPs gets a tenth of that, so queries must pick one MSP out of
a shared table. History rows are not written (a load is not an edit), and the MSP's queue
counts are invalidated at the end. Progress is printed per batch.
"""

# Django must be set up before the models are imported, so imports follow django.setup().
# ruff: noqa: E402
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offload.config.settings")

import django

django.setup()

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.servicedesk.choices import (
    DONE_STATUSES,
    EntryKind,
    Impact,
    Priority,
    TicketKind,
    TicketSource,
    TicketStatus,
    Urgency,
    Visibility,
)
from offload.servicedesk.models import Ticket, TicketCounter, TicketEntry
from offload.servicedesk.selectors import invalidate_queue_counts
from offload.servicedesk.services.catalog import ensure_default_priority_matrix
from offload.tenancy.models import MSP, Client, Contact
from offload.tenancy.scoping import system_scope

WORDS = [
    "printer", "outlook", "vpn", "laptop", "password", "mailbox", "teams", "sharepoint", "backup",
    "firewall", "wifi", "monitor", "license", "onedrive", "invoice", "scanner", "server", "disk",
    "update", "crash", "slow", "login", "certificate", "phone",
]  # fmt: skip
# Most tickets of a desk that has run for years are closed; the open ones are what queues show.
STATUS_WEIGHTS = {
    TicketStatus.CLOSED: 70, TicketStatus.RESOLVED: 8, TicketStatus.NEW: 5, TicketStatus.TRIAGED: 2,
    TicketStatus.ASSIGNED: 5, TicketStatus.IN_PROGRESS: 5, TicketStatus.WAITING_ON_CLIENT: 3,
    TicketStatus.WAITING_ON_VENDOR: 2,
}  # fmt: skip


# Enum `.values` builds a list on every access; the loader asks millions of times.
CHOICES = {c.__name__: list(c.values) for c in (TicketSource, TicketKind, Impact, Urgency, Priority)}
NOT_ASSIGNED = {TicketStatus.NEW, TicketStatus.TRIAGED}


def ensure_msp(
    slug: str, prefix: str, *, clients: int, technicians: int
) -> tuple[MSP, list[Client], list[int]]:
    """The MSP `slug` with `clients` clients (two contacts each) and `technicians` agents."""
    msp, _ = MSP.objects.get_or_create(
        slug=slug, defaults={"name": f"{slug.title()} MSP", "ticket_prefix": prefix}
    )
    ensure_default_priority_matrix(msp=msp)
    existing = list(Client.objects.filter(msp=msp).order_by("id"))
    for i in range(len(existing), clients):
        client = Client.objects.create(
            msp=msp, name=f"{slug.title()} client {i}", email_domains=[f"c{i}.{slug}.example"]
        )
        for who in ("alice", "bob"):
            Contact.objects.create(
                msp=msp,
                client=client,
                first_name=who.title(),
                last_name=f"C{i}",
                email=f"{who}@c{i}.{slug}.example",
            )
        existing.append(client)
    agents = []
    for i in range(technicians):
        user, _ = User.objects.get_or_create(
            email=f"tech{i}@{slug}.bench.example", defaults={"first_name": f"Tech {i}"}
        )
        Membership.objects.get_or_create(user=user, msp=msp, role=Role.TECHNICIAN)
        agents.append(user.pk)
    return msp, existing[:clients], agents


def reserve_numbers(msp: MSP, count: int) -> int:
    """Take `count` consecutive numbers from the MSP's counter; returns the first."""
    TicketCounter.objects.get_or_create(msp=msp)
    TicketCounter.objects.filter(msp=msp).update(last_number=F("last_number") + count)
    return TicketCounter.objects.filter(msp=msp).values_list("last_number", flat=True).get() - count + 1


def reserve_ids(count: int) -> int:
    """PostgreSQL: take `count` ticket ids from the table's sequence; returns the first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Ticket._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def ticket_rows(
    msp: MSP,
    clients: list[Client],
    contacts: dict[int, list[int]],
    agents: list[int],
    first_number: int,
    count: int,
    now: datetime,
    rng: random.Random,
) -> list[dict[str, Any]]:
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    rows = []
    for i in range(count):
        number = first_number + i
        client = rng.choice(clients)
        created = now - timedelta(minutes=rng.randint(10, 2 * 365 * 24 * 60))
        updated = min(now, created + timedelta(minutes=rng.randint(1, 20 * 24 * 60)))
        status = rng.choices(statuses, weights)[0]
        assignee = rng.choice(agents) if status not in NOT_ASSIGNED else None
        rows.append({
            "msp_id": msp.pk, "reference": f"{msp.ticket_prefix}-{number}", "number": number,
            "client_id": client.pk, "contact_id": rng.choice(contacts[client.pk]),
            "site_id": None, "asset_id": None, "category_id": None, "team_id": None,
            "source": rng.choice(CHOICES['TicketSource']), "kind": rng.choice(CHOICES['TicketKind']),
            "impact": rng.choice(CHOICES['Impact']), "urgency": rng.choice(CHOICES['Urgency']),
            "priority": rng.choice(CHOICES['Priority']), "status": status, "assignee_id": assignee,
            "subject": " ".join(rng.sample(WORDS, 4)).capitalize(),
            "description": "Loaded for the benchmark.", "description_html": "",
            "cc_emails": "[]", "merged_into_id": None,
            "created_at": created, "updated_at": updated,
            "first_response_at": created + timedelta(minutes=30) if assignee else None,
            "last_customer_message_at": created, "last_agent_reply_at": updated if assignee else None,
            "resolved_at": updated if status in DONE_STATUSES else None,
            "closed_at": updated if status == TicketStatus.CLOSED else None,
        })  # fmt: skip
    return rows


def entry_rows(ticket: dict[str, Any], per_ticket: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    span = (ticket["updated_at"] - ticket["created_at"]).total_seconds()
    for _ in range(rng.randint(max(0, per_ticket - 2), per_ticket + 2)):
        is_note = rng.random() < 0.2
        body = " ".join(rng.choices(WORDS, k=rng.randint(8, 40)))
        yield {
            "msp_id": ticket["msp_id"], "ticket_id": ticket["id"],
            "kind": EntryKind.NOTE if is_note else EntryKind.REPLY,
            "visibility": Visibility.MSP_INTERNAL if is_note else Visibility.PUBLIC,
            "author_user_id": ticket["assignee_id"],
            "author_contact_id": None if ticket["assignee_id"] else ticket["contact_id"],
            "body": body, "body_html": f"<p>{body}</p>", "event": "", "data": "{}",
            "created_at": ticket["created_at"] + timedelta(seconds=rng.random() * span),
        }  # fmt: skip


def columns(model: type) -> list[tuple[str, str]]:
    """(attname, column) of the model's concrete fields."""
    return [(f.attname, f.column) for f in model._meta.concrete_fields]


def copy_rows(model: type, rows: Sequence[dict[str, Any]], *, with_id: bool) -> None:
    """PostgreSQL COPY of `rows` (dicts keyed by attname) into `model`'s table."""
    cols = [(a, c) for a, c in columns(model) if with_id or a != "id"]
    names = ", ".join(f'"{c}"' for _, c in cols)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row.get(a) for a, _ in cols])


def load_batch(
    msp: MSP,
    clients: list[Client],
    contacts: dict[int, list[int]],
    agents: list[int],
    count: int,
    entries: int,
    rng: random.Random,
    now: datetime,
) -> int:
    """Load one batch in one transaction; returns the number of entries written."""
    with transaction.atomic():
        first_number = reserve_numbers(msp, count)
        tickets = ticket_rows(msp, clients, contacts, agents, first_number, count, now, rng)
        if connection.vendor == "postgresql":
            first_id = reserve_ids(count)
            for offset, row in enumerate(tickets):
                row["id"] = first_id + offset
            copy_rows(Ticket, tickets, with_id=True)
            thread = [e for t in tickets for e in entry_rows(t, entries, rng)]
            copy_rows(TicketEntry, thread, with_id=False)
        else:
            for row in tickets:
                row["cc_emails"] = []
            made = Ticket.objects.bulk_create([Ticket(**row) for row in tickets], batch_size=500)
            for row, ticket in zip(tickets, made, strict=True):
                row["id"] = ticket.pk
            thread = [e for t in tickets for e in entry_rows(t, entries, rng)]
            for row in thread:
                row["data"] = {}
            TicketEntry.objects.bulk_create([TicketEntry(**row) for row in thread], batch_size=500)
        invalidate_queue_counts(msp.pk)
    return len(thread)


def load(
    msp: MSP, clients: list[Client], agents: list[int], *, total: int, entries: int, batch: int, seed: int
) -> None:
    rng = random.Random(seed)
    contacts: dict[int, list[int]] = {}
    for contact_id, client_id in Contact.objects.filter(client__in=clients).values_list("id", "client_id"):
        contacts.setdefault(client_id, []).append(contact_id)
    now = timezone.now()
    done = written = 0
    started = time.perf_counter()
    while done < total:
        count = min(batch, total - done)
        written += load_batch(msp, clients, contacts, agents, count, entries, rng, now)
        done += count
        elapsed = time.perf_counter() - started
        print(
            f"  {msp.slug}: {done:>8}/{total} tickets, {written:>9} entries, "
            f"{done / elapsed:,.0f} tickets/s, {(done + written) / elapsed:,.0f} rows/s",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=250_000, help="tickets for the benchmarked MSP")
    parser.add_argument("--entries", type=int, default=3, help="average thread entries per ticket")
    parser.add_argument("--others", type=int, default=2, help="other MSPs, each with a tenth as many tickets")
    parser.add_argument("--clients", type=int, default=200, help="clients of the benchmarked MSP")
    parser.add_argument("--batch", type=int, default=10_000, help="tickets per transaction")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.perf_counter()
    with system_scope("the benchmark loader writes for several MSPs"):
        msp, clients, agents = ensure_msp("bench", "BENCH", clients=args.clients, technicians=20)
        load(msp, clients, agents, total=args.tickets, entries=args.entries, batch=args.batch, seed=args.seed)
        for i in range(args.others):
            other, other_clients, other_agents = ensure_msp(
                f"other{i}", f"OTHER{i}", clients=20, technicians=3
            )
            load(
                other,
                other_clients,
                other_agents,
                total=max(1, args.tickets // 10),
                entries=args.entries,
                batch=args.batch,
                seed=args.seed + i + 1,
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'ANALYZE "{Ticket._meta.db_table}"; ANALYZE "{TicketEntry._meta.db_table}"')
    cache.clear()
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
