"""Concurrent duplicate POSTs on PostgreSQL: one alert per fingerprint and one ticket per condition."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client as HttpClient
from django_tasks_db.models import DBTaskResult

from offload.alerts.tests.helpers import alert_tickets, alerts_of, make_token, post
from offload.alerts.tests.payloads import am_payload
from offload.core.tasks.worker import Worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL"
    ),
]


def _worker(name: str) -> Worker:
    return Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name,
        heartbeat_interval=1,
        stale_after=30,
    )


def _in_threads(count: int, work) -> list[BaseException]:
    """Run work(i) in `count` threads released together; their exceptions."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_duplicate_posts_make_one_alert_and_one_ticket_each(world):
    """Eight threads post the same 10-alert payload at once, then four workers drain the tasks in
    parallel: 10 alerts counted 8 times each, and exactly 10 tickets."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    payload = am_payload(10)
    statuses: list[int] = []
    errors = _in_threads(
        8, lambda i: statuses.append(post(token, "alertmanager", payload, http=HttpClient()).status_code)
    )
    assert errors == []
    assert statuses == [202] * 8

    def drain_in_parallel(i: int) -> None:
        worker = _worker(f"w{i}")
        while True:
            claimed = DBTaskResult.objects.ready().select_for_update(skip_locked=True)
            with transaction.atomic():
                db_result = claimed.first()
                if db_result is None:
                    return
                db_result.claim(f"w{i}")
            worker.run_task(db_result)

    assert _in_threads(4, drain_in_parallel) == []
    alerts = alerts_of(world.msp_a)
    assert len(alerts) == 10
    assert {a.count for a in alerts} == {8}
    tickets = alert_tickets(world.msp_a)
    assert len(tickets) == 10
    assert {a.ticket_id for a in alerts} == {t.pk for t in tickets}
