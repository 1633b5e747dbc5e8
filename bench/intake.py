"""Mail intake throughput: raw bytes to threaded ticket, one worker, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/offload_bench_mail \
        .venv/bin/python bench/intake.py [-n 3000]

What it does:
1. creates the database if missing, migrates it, and makes one MSP (brand support address
   support@mailbench.example) with 5 clients of 40 contacts each, next to nothing else (idempotent);
2. generates N realistic messages in arrival order: ~50 % new requests (plain text, some with an
   HTML alternative and a signature), ~35 % replies threaded by In-Reply-To/References to an
   earlier message of the same ticket (top-posted, with the quoted history below), ~15 %
   out-of-office auto-replies (Auto-Submitted) — 2-6 kB each, as help-desk mail is;
3. stores them all with `receive_email` (the MTA pipe's and the IMAP poller's call: raw bytes
   stored, processing queued) and times it;
4. runs one `offload worker` loop in this process on the `mail` queue until it is empty, timed;
5. checks the outcome (one ticket per new request, every reply on its parent's ticket, every
   auto-reply ignored, nothing quarantined) and prints messages/s for storing, for processing, and
   end to end; the CPU time of this process per message and the ceiling it implies (1 / CPU seconds
   per message: what one worker reaches when it never waits for the database or the scheduler);
   and CPU ms and queries per message split into store / parse / process / receivers (the
   `ticket_event_committed` subscribers). `--profile FILE` writes a cProfile of the processing.

Target (issue 3, §10): >= 200 messages/s per worker from raw bytes to threaded ticket.
"""

# Django must be set up before the models are imported, so imports follow django.setup().
# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import logging
import os
import random
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/offload_bench_mail"


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
parser.add_argument("-n", "--messages", type=int, default=3000)
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the processing phase to FILE")
ARGS = parser.parse_args()
if not ARGS.database_url.startswith("postgres"):
    sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
os.environ["DATABASE_URL"] = ARGS.database_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offload.config.settings")
_ensure_database(ARGS.database_url)

import django

django.setup()

from django.core.management import call_command
from django.utils import timezone

from offload.core.tasks.worker import Worker
from offload.servicedesk.models import InboundMessage, InboundStatus
from offload.servicedesk.services.intake import receive_email
from offload.tenancy.models import MSP, Brand, Client, Contact
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests import factories as tf

SUPPORT = "support@mailbench.example"
WORDS = [
    "printer",
    "laptop",
    "vpn",
    "outlook",
    "password",
    "reset",
    "screen",
    "network",
    "share",
    "drive",
    "backup",
    "server",
    "license",
    "update",
    "teams",
    "phone",
    "invoice",
    "folder",
    "access",
    "slow",
    "crash",
    "error",
    "login",
    "monitor",
    "dock",
    "wifi",
    "office",
    "calendar",
    "meeting",
    "scanner",
    "keyboard",
    "mouse",
    "account",
    "locked",
    "certificate",
    "browser",
    "sharepoint",
]
SUBJECTS = [
    "Printer on floor {n} does not print",
    "Cannot connect to the VPN from home",
    "Outlook keeps asking for my password",
    "New starter on Monday: laptop and accounts",
    "Shared drive {n} is read-only",
    "Teams calls drop after a few minutes",
    "Laptop very slow since the update",
    "Please reset the password of {name}",
    "Scanner sends nothing to my mailbox",
    "Error 0x80070{n} when opening the invoice folder",
]


def _setup() -> list[tuple[str, str]]:
    """The bench MSP's contacts as (name, address), creating MSP, brand, clients and contacts once."""
    call_command("migrate", interactive=False, verbosity=0)
    with system_scope("mail intake bench: setup"):
        msp = MSP.objects.filter(slug="mailbench").first()
        if msp is None:
            msp = tf.MSPFactory(name="Mail Bench MSP", slug="mailbench", ticket_prefix="MB")
            tf.BrandFactory(
                msp=msp,
                name="Mail Bench Desk",
                support_email=SUPPORT,
                sender_email=SUPPORT,
                portal_slug="mailbench",
            )
            for c in range(5):
                domain = f"client{c}.mailbench.example"
                client = tf.ClientFactory(msp=msp, name=f"Bench Client {c}", email_domains=[domain])
                Contact.objects.bulk_create(
                    Contact(
                        msp=msp,
                        client=client,
                        first_name=f"User{u}",
                        last_name=f"C{c}",
                        email=f"user{u}@{domain}",
                    )
                    for u in range(40)
                )
        assert Brand.objects.get(msp=msp).support_email == SUPPORT
        assert Client.objects.filter(msp=msp).count() == 5
        return [
            (f"{c.first_name} {c.last_name}", c.email)
            for c in Contact.objects.filter(msp=msp).order_by("id").only("first_name", "last_name", "email")
        ]


def _paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = rng.sample(WORDS, rng.randint(6, 14))
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def _message(
    *, rng: random.Random, run: str, n: int, sender: tuple[str, str], subject: str, body: str, **headers: str
) -> tuple[str, bytes]:
    msg_id = f"{run}.{n}@{sender[1].rpartition('@')[2]}"
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = f"Mail Bench Desk <{SUPPORT}>"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<{msg_id}>"
    message["X-Mailer"] = rng.choice(["Microsoft Outlook 16.0", "Apple Mail (2.3774)", "Thunderbird 128.3"])
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if rng.random() < 0.4:
        html = "".join(f"<p>{line}</p>" for line in body.split("\n\n") if line.strip())
        message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    return msg_id, message.as_bytes()


def generate(
    count: int, contacts: list[tuple[str, str]], *, seed: int
) -> tuple[list[bytes], dict[str, str], int]:
    """(raw messages in arrival order, reply id → id of its ticket's first message, auto-replies)."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:10]
    raws: list[bytes] = []
    threads: list[dict] = []  # root id, sender, subject, ids so far, last body
    expected: dict[str, str] = {}
    autos = 0
    for n in range(count):
        roll = rng.random()
        if threads and roll < 0.35:
            thread = rng.choice(threads[-300:])
            quoted = "\n".join(f"> {line}" for line in thread["last"].splitlines())
            body = (
                f"{_paragraph(rng, rng.randint(1, 3))}\n\nThanks,\n{thread['sender'][0]}\n\n"
                f"On {format_datetime(timezone.now())}, Mail Bench Desk <{SUPPORT}> wrote:\n{quoted}\n"
            )
            msg_id, raw = _message(
                rng=rng,
                run=run,
                n=n,
                sender=thread["sender"],
                subject=f"RE: {thread['subject']}",
                body=body,
                In_Reply_To=f"<{thread['ids'][-1]}>",
                References=" ".join(f"<{i}>" for i in thread["ids"][-10:]),
            )
            thread["ids"].append(msg_id)
            thread["last"] = body
            expected[msg_id] = thread["root"]
        elif threads and roll < 0.50:
            thread = rng.choice(threads[-300:])
            autos += 1
            msg_id, raw = _message(
                rng=rng,
                run=run,
                n=n,
                sender=thread["sender"],
                subject=f"Automatic reply: {thread['subject']}",
                body="I am out of the office until Monday and have limited access to mail.",
                Auto_Submitted="auto-replied",
                X_Auto_Response_Suppress="All",
                In_Reply_To=f"<{thread['ids'][-1]}>",
            )
        else:
            sender = rng.choice(contacts)
            subject = rng.choice(SUBJECTS).format(n=rng.randint(1, 9), name=sender[0])
            body = (
                f"Hello,\n\n{_paragraph(rng, rng.randint(3, 8))}\n\n{_paragraph(rng, rng.randint(2, 5))}\n\n"
                f"Kind regards,\n{sender[0]}\n--\n"
                f"{sender[0]} | Accounts | +1 555 0100 {rng.randint(10, 99)}\n"
                "This e-mail may contain confidential information. If you are not the intended recipient, "
                "please delete it.\n"
            )
            msg_id, raw = _message(rng=rng, run=run, n=n, sender=sender, subject=subject, body=body)
            threads.append(
                {"root": msg_id, "sender": sender, "subject": subject, "ids": [msg_id], "last": body}
            )
        raws.append(raw)
    return raws, expected, autos


class Meter:
    """CPU seconds and queries per phase of the pipeline, measured in this process.

    Phases: store (receive_email), parse (the mail parser), receivers (`ticket_event_committed`
    subscribers, run after each commit), process (everything else in the worker: claim the task,
    route, thread, file, commit, settle the task). Nested phases are subtracted from their parent.
    """

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self.stack: list[str] = ["other"]
        self.started: list[float] = []

    def execute(self, execute, sql, params, many, context):  # connection.execute_wrapper
        phase = self.stack[-1]
        self.queries[phase] = self.queries.get(phase, 0) + 1
        return execute(sql, params, many, context)

    def enter(self, phase: str) -> None:
        now = time.process_time()
        if self.started:
            parent = self.stack[-1]
            self.cpu[parent] = self.cpu.get(parent, 0.0) + now - self.started[-1]
        self.stack.append(phase)
        self.started.append(now)

    def leave(self) -> None:
        now = time.process_time()
        phase = self.stack.pop()
        self.cpu[phase] = self.cpu.get(phase, 0.0) + now - self.started.pop()
        if self.started:
            self.started[-1] = now

    def wrap(self, phase: str, func):
        def wrapped(*args, **kwargs):
            self.enter(phase)
            try:
                return func(*args, **kwargs)
            finally:
                self.leave()

        return wrapped


def main() -> None:
    logging.getLogger("offload.tasks").setLevel(logging.WARNING)
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    contacts = _setup()
    raws, expected, autos = generate(ARGS.messages, contacts, seed=ARGS.seed)
    size = sum(len(r) for r in raws)
    print(
        f"{len(raws)} messages, {size / len(raws) / 1024:.1f} kB on average: "
        f"{len(raws) - len(expected) - autos} "
        f"new, {len(expected)} replies, {autos} auto-replies"
    )

    from django.db import connection

    from offload.servicedesk import events
    from offload.servicedesk.services import intake

    meter = Meter()
    # The parser and the committed-event subscribers are metered where intake and announce call them.
    intake.parse_message = meter.wrap("parse", intake.parse_message)
    send = events.ticket_event_committed.send
    events.ticket_event_committed.send = meter.wrap("receivers", send)  # type: ignore[method-assign]

    load = os.getloadavg()[0]
    cpu0 = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(meter.execute):
        meter.enter("store")
        stored = [receive_email(raw=raw, recipient=SUPPORT) for raw in raws]
        meter.leave()
    store_s = time.perf_counter() - started
    ids = [m.pk for m in stored]
    assert all(isinstance(m, InboundMessage) for m in stored)

    worker = Worker(
        queue_names=["mail"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"mail-bench-{os.getpid()}",
        heartbeat_interval=5,
        stale_after=30,
    )
    profiler = None
    if ARGS.profile:
        import cProfile

        profiler = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(meter.execute):
        meter.enter("process")
        if profiler:
            profiler.enable()
        worker.run()
        if profiler:
            profiler.disable()
            profiler.dump_stats(ARGS.profile)
        meter.leave()
    process_s = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu0) * 1000 / len(raws)

    with system_scope("mail intake bench: check"):
        rows = {
            m.message_id: m
            for m in InboundMessage.objects.filter(pk__in=ids).only(
                "message_id", "status", "ticket_id", "reason"
            )
        }
    statuses: dict[str, int] = {}
    for m in rows.values():
        statuses[m.status] = statuses.get(m.status, 0) + 1
    misthreaded = sum(1 for reply, root in expected.items() if rows[reply].ticket_id != rows[root].ticket_id)
    total = store_s + process_s
    print(f"store (raw bytes kept, task queued): {len(raws) / store_s:8.1f} messages/s  ({store_s:.2f} s)")
    print(
        f"process (parse, route, thread, file): {len(raws) / process_s:8.1f} messages/s  ({process_s:.2f} s)"
    )
    print(f"end to end, one worker:              {len(raws) / total:8.1f} messages/s  (target >= 200)")
    print(
        f"python CPU per message (store + process): {cpu_ms:.2f} ms -> CPU-bound ceiling "
        f"{1000 / cpu_ms:.0f} messages/s; machine load average at start {load:.1f} on {os.cpu_count()} CPUs "
        "(wall-clock figures are only meaningful on an idle machine)"
    )
    n = len(raws)
    print("per message, by phase:      CPU ms   queries")
    for phase in ("store", "parse", "process", "receivers"):
        print(
            f"  {phase:<24} {meter.cpu.get(phase, 0.0) * 1000 / n:8.2f}"
            f"  {meter.queries.get(phase, 0) / n:8.2f}"
        )
    print(
        f"  {'total':<24} {sum(meter.cpu.values()) * 1000 / n:8.2f}  {sum(meter.queries.values()) / n:8.2f}"
        "  (process includes claiming and settling the task; the heartbeat thread is not counted)"
    )
    new = len(raws) - len(expected) - autos
    tickets = len({m.ticket_id for m in rows.values() if m.ticket_id})
    print(
        f"outcome: {statuses}; tickets: {tickets} for {new} new requests; "
        f"replies on the wrong ticket: {misthreaded}"
    )
    ok = (
        misthreaded == 0
        and tickets == new
        and statuses.get(InboundStatus.IGNORED, 0) == autos
        and statuses.get(InboundStatus.PROCESSED, 0) == len(raws) - autos
    )
    print("correct" if ok else "INCORRECT OUTCOME")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
