"""Measure auto-assignment with 200 NOC agents and 10,000 open delegated tickets (PostgreSQL).

Run:  createdb -h 127.0.0.1 -U postgres offload_bench_dispatch
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/offload_bench_dispatch \
          .venv/bin/python manage.py migrate
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/offload_bench_dispatch \
          .venv/bin/python bench/assignment.py [--agents 200] [--tickets 10000] [--next 200] [--batch 500]

The first run loads one provider ("bench-noc") serving five MSPs, the agents (levels, one to three
skills, shifts — a fifth of them off shift now — and capacities of 40-70) and the tickets, each with
an accepted, unclaimed delegation (levels mostly L1, categories matched by the skills, OLA resolve
dues spread over two days). Later runs reuse the data and unclaim everything first.

Three measurements:
1. the pure plan (offload.noc.assignment.plan_assignments) over all tickets and agents, no I/O;
2. "assign next" as a NOC lead presses it: one auto_assign(limit=1) call over the whole pool,
   --next times — p50/p95 per ticket and queries per call;
3. the periodic job: auto_assign(limit=--batch) until nothing is left to place — p50/p95 per batch,
   the cost per ticket inside a batch, and queries per assignment.
"""

# Django must be set up before the models are imported, so imports follow django.setup().
# ruff: noqa: E402
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

# bench/ holds a queue.py that would shadow the standard library: the project root replaces it.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offload.config.settings")

import django

django.setup()

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.core.businesstime import Calendar
from offload.noc import assignment
from offload.noc.choices import DelegationState
from offload.noc.models import AgentProfile, Delegation, Skill
from offload.noc.services import dispatch
from offload.servicedesk.models import Category, Ticket, TicketCounter
from offload.tenancy.models import MSP, Brand, Client, Provider, ServiceAgreement
from offload.tenancy.scoping import system_scope

SLUG = "bench-noc"
CATEGORIES = [
    "Email / Exchange",
    "Email / Mailbox",
    "Network / Firewall",
    "Network / VPN",
    "Printers",
    "Servers / Backup",
    "Servers / Patching",
    "Accounts / Passwords",
    "Accounts / New starter",
]
SKILLS = {
    "Email": ["Email"],
    "Network": ["Network"],
    "Printers": ["Printers"],
    "Servers": ["Servers"],
    "Identity": ["Accounts"],
}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(agents: int, tickets: int) -> Provider:
    """Create the bench provider, MSPs, agents and tickets once (idempotent by the provider slug)."""
    rng = random.Random(7)
    provider = Provider.objects.filter(slug=SLUG).first()
    if provider is not None:
        return provider
    started = time.perf_counter()
    provider = Provider.objects.create(name="Bench NOC", slug=SLUG)
    skills = [Skill.objects.create(provider=provider, name=n, category_paths=p) for n, p in SKILLS.items()]
    now = timezone.now()
    open_now = Calendar.twenty_four_seven("UTC").to_spec()
    weekdays = Calendar.workdays("Europe/Berlin", ("07:00", "19:00")).to_spec()
    # A shift that is closed right now: the hour twelve hours from now, for one hour.
    closed_hour = (now + timedelta(hours=12)).strftime("%H:00")
    end_hour = (now + timedelta(hours=13)).strftime("%H:00")
    off_now = Calendar.workdays("UTC", (closed_hour, end_hour), days=range(7)).to_spec()
    users = User.objects.bulk_create(
        [
            User(email=f"agent{i}@bench-noc.example", first_name=f"Agent {i}", is_active=True)
            for i in range(agents)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, provider=provider, role=Role.NOC_LEAD if i < agents // 20 else Role.NOC_AGENT)
            for i, u in enumerate(users)
        ]
    )
    profiles = []
    for i, user in enumerate(users):
        level = "lead" if i < agents // 20 else ("l2" if rng.random() < 0.25 else "l1")
        shift = off_now if i % 5 == 4 else (weekdays if i % 5 == 3 else open_now)
        profiles.append(
            AgentProfile(provider=provider, user=user, level=level, shift=shift, capacity=rng.randint(40, 70))
        )
    profiles = AgentProfile.objects.bulk_create(profiles)
    through = AgentProfile.skills.through
    through.objects.bulk_create(
        [
            through(agentprofile_id=p.pk, skill_id=s.pk)
            for p in profiles
            for s in rng.sample(skills, rng.randint(1, 3))
        ]
    )
    msps = []
    for m in range(5):
        msp = MSP.objects.create(name=f"Bench MSP {m}", slug=f"bench-msp-{m}", ticket_prefix=f"BM{m}")
        Brand.objects.create(
            msp=msp, name=f"Bench MSP {m} Desk", sender_name="Desk", sender_email=f"desk@bm{m}.example",
            support_email=f"help@bm{m}.example", portal_slug=f"bench-msp-{m}",
        )  # fmt: skip
        agreement = ServiceAgreement.objects.create(
            provider=provider, msp=msp, name="Bench", services=["service_desk"], status="active",
            starts_on=now.date() - timedelta(days=30),
        )  # fmt: skip
        clients = Client.objects.bulk_create([Client(msp=msp, name=f"BM{m} client {c}") for c in range(10)])
        categories = [Category.objects.create(msp=msp, name=p.split(" / ")[-1], path=p) for p in CATEGORIES]
        msps.append((msp, agreement, clients, categories))
    per_msp = tickets // len(msps)
    for msp, agreement, clients, categories in msps:
        rows = [
            Ticket(
                msp=msp,
                number=n + 1,
                reference=f"{msp.ticket_prefix}-{n + 1}",
                client=rng.choice(clients),
                category=rng.choice(categories),
                subject=f"Bench ticket {n}",
                created_at=now,
                updated_at=now,
                priority=rng.choice(["p1", "p2", "p3", "p3", "p4"]),
                status="open",
            )
            for n in range(per_msp)
        ]
        made = Ticket.objects.bulk_create(rows, batch_size=2000)
        TicketCounter.objects.update_or_create(msp=msp, defaults={"last_number": per_msp})
        Delegation.objects.bulk_create(
            [
                Delegation(
                    msp=msp,
                    ticket=t,
                    agreement=agreement,
                    provider=provider,
                    state=DelegationState.ACCEPTED,
                    level=rng.choices(["l1", "l2", "lead"], weights=[90, 8, 2])[0],
                    priority=t.priority,
                    offered_at=now,
                    accepted_at=now,
                    ola_resolve_due=now + timedelta(minutes=rng.randint(-60, 48 * 60)),
                )
                for t in made
            ],
            batch_size=2000,
        )
    took = time.perf_counter() - started
    print(f"loaded {agents} agents and {per_msp * len(msps)} delegated tickets in {took:.1f} s")
    return provider


def unclaim(provider: Provider) -> int:
    return Delegation.objects.filter(provider=provider, is_active=True).update(agent=None, claimed_at=None)


def timed(provider: Provider, limit: int) -> tuple[dispatch.AssignmentRun, float, float, int]:
    """One auto_assign call: (run, ms of the assignment itself, ms of the after-commit listeners,
    queries of the assignment). An outer transaction holds the listeners until the assignment is timed."""
    with CaptureQueriesContext(connection) as captured:
        outer = transaction.atomic()
        outer.__enter__()
        started = time.perf_counter()
        run = dispatch.auto_assign(actor=None, provider_id=provider.pk, limit=limit)
        work = (time.perf_counter() - started) * 1000
        count = len(captured)
        started = time.perf_counter()
        outer.__exit__(None, None, None)
        hooks = (time.perf_counter() - started) * 1000
    return run, work, hooks, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--next", type=int, default=200, help="assign-next calls to time")
    parser.add_argument("--batch", type=int, default=500, help="items per periodic run")
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    with system_scope("assignment benchmark"):
        with transaction.atomic():
            provider = load(args.agents, args.tickets)
        print(f"unclaimed {unclaim(provider)} delegations")

        # 1. The pure plan over everything.
        slots, skills = dispatch._agent_slots(provider.pk)
        with transaction.atomic():
            pairs = dispatch._unclaimed(provider.pk, args.tickets)
        items = [item for _, item in pairs]
        now = timezone.now()
        started = time.perf_counter()
        plan = assignment.plan_assignments(items, slots, skills, now=now)
        pure = time.perf_counter() - started
        on_shift = sum(1 for s in slots if s.on_shift)
        print(
            f"pure plan: {len(plan)} of {len(items)} items over {len(slots)} agents ({on_shift} on shift) "
            f"in {pure * 1000:.0f} ms = {pure / max(1, len(plan)) * 1e6:.0f} µs per assigned ticket"
        )
        placed_per_agent = {}
        for _, agent_id in plan:
            placed_per_agent[agent_id] = placed_per_agent.get(agent_id, 0) + 1
        print(
            f"  spread: {len(placed_per_agent)} agents got work, most {max(placed_per_agent.values())}, "
            f"least {min(placed_per_agent.values())}; off-shift agents given work: "
            f"{sum(1 for s in slots if not s.on_shift and s.id in placed_per_agent)}"
        )

        # 2. "Assign next", one ticket at a time over the full pool.
        timings, after, queries = [], [], []
        for _ in range(args.next):
            run, work_ms, hooks_ms, count = timed(provider, 1)
            assert len(run.assigned) == 1
            timings.append(work_ms)
            after.append(hooks_ms)
            queries.append(count)
        print(
            f"assign next (limit=1, {args.tickets} open): p50 {pct(timings, 50):.1f} ms, "
            f"p95 {pct(timings, 95):.1f} ms per ticket; {statistics.mode(queries)} queries per call; "
            f"after-commit listeners (SLA/webhooks) p50 {pct(after, 50):.1f} ms more"
        )
        unclaim(provider)

        # 3. The periodic job: batches until everything placeable is placed.
        batch_ms, hooks, per_ticket_ms, per_assignment_q, batch_queries, total = [], [], [], [], [], 0
        while True:
            run, work_ms, hooks_ms, count = timed(provider, args.batch)
            if not run.assigned:
                break
            total += len(run.assigned)
            batch_ms.append(work_ms)
            hooks.append(hooks_ms)
            per_ticket_ms.append(work_ms / len(run.assigned))
            per_assignment_q.append(count / len(run.assigned))
            batch_queries.append(count)
        print(
            f"periodic batches of {args.batch}: {len(batch_ms)} batches placed {total} tickets; "
            f"per batch p50 {pct(batch_ms, 50):.0f} ms, p95 {pct(batch_ms, 95):.0f} ms; "
            f"per ticket p50 {pct(per_ticket_ms, 50):.2f} ms, p95 {pct(per_ticket_ms, 95):.2f} ms; "
            f"queries per assignment {statistics.mean(per_assignment_q):.3f} "
            f"({statistics.mode(batch_queries)} per batch)"
        )
        print(
            "  after-commit listeners of the batch's events (SLA recompute + webhook tasks, per ticket): "
            f"p50 {pct(hooks, 50):.0f} ms per batch"
        )
        left = Delegation.objects.filter(provider=provider, is_active=True, agent__isnull=True).count()
        print(f"  left unclaimed (no eligible agent with room on shift): {left}")


if __name__ == "__main__":
    main()
