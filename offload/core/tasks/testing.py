"""Test helper: run queued tasks with the real worker logic, in the test's own process."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from offload.core.tasks.worker import Worker


def drain(worker_id: str = "test-worker", *, limit: int = 1000) -> int:
    """Run every ready task (and the tasks they enqueue) until none is left; returns how many ran.

    The claim-and-run of the worker loop, without its connection recycling and heartbeat thread:
    a test database is one open transaction.
    """
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        heartbeat_interval=1,
        stale_after=5,
    )
    ran = 0
    while ran < limit and (db_result := DBTaskResult.objects.ready().first()) is not None:
        db_result.claim(worker_id)
        worker.run_task(db_result)
        ran += 1
    return ran
