"""Alert intake under load: gunicorn (2 workers) on PostgreSQL, batched Alertmanager POSTs.

    .venv/bin/python bench/alert_intake.py [--seconds 20] [--senders 8] [--batch 50] [--hosts 200]

What it does:
1. recreates the database `offload_bench_alerts` (or --database-url), migrates it, and
   makes one MSP with one client and an Alertmanager integration token (idempotent);
2. starts gunicorn (offload.config.wsgi, --workers 2 --threads 4, as `offload demo` does) on a
   free loopback port and --task-workers (2) `offload worker`s for the ticket side;
3. intake: --senders threads POST Alertmanager v4 notifications of --batch alerts each (hosts
   drawn from a pool of --hosts, one alertname per run, so the first sight of a host opens a
   ticket and later ones are repeats, as in a storm) for --seconds; prints alerts/s and
   p50/p95/p99 per POST (client side, whole HTTP round trip);
4. duplicates: 16 threads POST the same fresh 20-alert payload at the same moment, three times;
   once the workers have processed every alert of the run, prints how long that took and how
   many tickets exceed one per condition over the whole run (must be 0).

Targets (issue 4, §13): >= 2,000 alerts/s, p99 <= 100 ms per POST of 50, zero duplicate tickets.
Gunicorn and the worker are stopped by pid at the end.
"""

# Django must be set up before the models are imported, so imports follow django.setup().
# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import threading
import time
import uuid

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/offload_bench_alerts"


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        # A fresh database each run: no task backlog or alerts of an earlier run skew the figures.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
parser.add_argument("--seconds", type=float, default=20)
parser.add_argument("--senders", type=int, default=8)
parser.add_argument("--batch", type=int, default=50)
parser.add_argument("--hosts", type=int, default=200)
parser.add_argument("--task-workers", type=int, default=2)
parser.add_argument("--web-workers", type=int, default=2)
ARGS = parser.parse_args()
os.environ["DATABASE_URL"] = ARGS.database_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offload.config.settings")
_ensure_database(ARGS.database_url)

import django

django.setup()

from django.core.management import call_command
from django.db.models import Count, F

from offload.alerts.models import Alert, AlertIntegration
from offload.alerts.services.integrations import create_integration
from offload.servicedesk.models import Ticket
from offload.tenancy.models import MSP, Client
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests import factories as tf


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup() -> tuple[MSP, str]:
    call_command("migrate", interactive=False, verbosity=0)
    with system_scope("alert intake bench"):
        msp: MSP = MSP.objects.filter(slug="alertbench").first() or tf.MSPFactory(
            name="Alert Bench MSP", slug="alertbench", ticket_prefix="AB"
        )  # type: ignore[assignment]
        client: Client = Client.objects.filter(msp=msp).first() or tf.ClientFactory(
            msp=msp, name="Bench Client"
        )  # type: ignore[assignment]
        AlertIntegration.objects.filter(msp=msp).delete()
        _, token = create_integration(actor=None, msp=msp, kind="alertmanager", client=client, name="bench")
    return msp, token


def _payload(alertname: str, hosts: list[int], status: str = "firing") -> bytes:
    alerts = [
        {
            "status": status,
            "labels": {
                "alertname": alertname,
                "instance": f"node{h}.bench.example:9100",
                "severity": "critical",
            },
            "annotations": {"summary": f"node{h} is down"},
            "startsAt": "2026-11-25T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.bench.example:9090/graph",
            "fingerprint": hashlib.sha256(f"{alertname}/{h}".encode()).hexdigest()[:16],
        }
        for h in hosts
    ]
    return json.dumps(
        {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{alertname}"}}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "offload",
            "groupLabels": {"alertname": alertname},
            "commonLabels": {"alertname": alertname},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.bench.example:9093",
            "alerts": alerts,
        }
    ).encode()


class Sender:
    """One keep-alive HTTP connection that POSTs payloads and times each round trip."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, body: bytes) -> tuple[int, float]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        started = time.perf_counter()
        try:
            self.conn.request("POST", "/hooks/alerts/alertmanager/", body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, time.perf_counter() - started
        return response.status, time.perf_counter() - started


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            if status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer 200 within 60 s (last status {status})")


def _intake(port: int, token: str) -> None:
    alertname = f"BenchDown{uuid.uuid4().hex[:6]}"
    stop = time.monotonic() + ARGS.seconds
    latencies: list[float] = []
    failures: list[float] = []
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        sender = Sender(port, token)
        while time.monotonic() < stop:
            body = _payload(alertname, rng.sample(range(ARGS.hosts), ARGS.batch))
            status, seconds = sender.post(body)
            with lock:
                (latencies if status == 202 else failures).append(seconds if status == 202 else status)

    # Warm-up: every gunicorn worker imports, connects and compiles once before timing.
    warm = Sender(port, token)
    for _ in range(4 * ARGS.web_workers):
        warm.post(_payload("BenchWarmUp", list(range(ARGS.batch))))
    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(ARGS.senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if len(latencies) < 2:
        raise SystemExit(f"no successful POSTs; failures: {failures[:5]}")
    q = statistics.quantiles(latencies, n=100)
    alerts = len(latencies) * ARGS.batch
    print(
        f"intake: {len(latencies)} POSTs x {ARGS.batch} alerts in {elapsed:.1f} s "
        f"from {ARGS.senders} senders "
        f"-> {alerts / elapsed:,.0f} alerts/s; per POST p50 {q[49] * 1000:.1f} ms, "
        f"p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
        f"failed POSTs: {len(failures)}"
    )


def _duplicates(port: int, token: str, msp: MSP) -> None:
    alertname = f"BenchDup{uuid.uuid4().hex[:6]}"
    body = _payload(alertname, list(range(20)))
    statuses: list[int] = []
    for _ in range(3):
        barrier = threading.Barrier(16)

        def run(barrier: threading.Barrier) -> None:
            sender = Sender(port, token)
            barrier.wait()
            statuses.append(sender.post(body)[0])

        threads = [threading.Thread(target=run, args=(barrier,)) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    print(f"duplicates: 3 x 16 concurrent POSTs of the same 20 alerts -> statuses {sorted(set(statuses))}")
    started = time.monotonic()
    _drain_wait(msp)
    with system_scope("alert intake bench: count", msp_id=msp.pk):
        rows = Alert.objects.all()
        unhandled = rows.exclude(handled_status=F("status")).count()
        per_condition = rows.values("condition_key").annotate(n=Count("ticket", distinct=True))
        conditions = per_condition.count()
        tickets = Ticket.objects.filter(source="alert").count()
        duplicates = sum(max(0, r["n"] - 1) for r in per_condition)
        dup_counts = sorted(set(rows.filter(labels__alertname=alertname).values_list("count", flat=True)))
    print(
        f"ticket side: drained in {time.monotonic() - started:.0f} s after the last POST "
        f"({ARGS.task_workers} task workers); {rows.count()} alert rows, {unhandled} unprocessed, "
        f"{conditions} conditions, {tickets} alert tickets; "
        f"the duplicated alerts counted {dup_counts} times; "
        f"duplicate tickets: {duplicates}"
    )


def _drain_wait(msp: MSP, timeout: float = 900) -> None:
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = DBTaskResult.objects.filter(queue_name="alerts", status__in=["READY", "RUNNING"]).count()
        if pending == 0:
            return
        with system_scope("alert intake bench: progress", msp_id=msp.pk):
            if not Alert.objects.exclude(handled_status=F("status")).exists():
                return
        time.sleep(0.5)
    print("warning: the alerts queue did not drain in time")


def main() -> None:
    msp, token = _setup()
    port = _free_port()
    env = dict(os.environ)
    env |= {
        "OFFLOAD_SECURE": "0",
        "OFFLOAD_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    web = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "offload.config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(ARGS.web_workers), "--threads", "4",
            "--no-control-socket", "--log-level", "warning",
        ],
        env=env,
        start_new_session=True,
    )  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "offload.config.cli", "worker", "--skip-checks"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(ARGS.task_workers)
    ]
    try:
        _wait_ready(port)
        _intake(port, token)
        _duplicates(port, token, msp)
    finally:
        for process in (web, *workers):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in (web, *workers):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
