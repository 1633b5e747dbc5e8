"""Helpers of the SLA and webhook tests: run queued tasks in this process with the real worker."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from offload.core.tasks.worker import Worker


def drain(*, include_future: bool = False) -> int:
    """Run every ready task (and, with include_future, tasks scheduled later) until none is left."""
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="sla-test",
        heartbeat_interval=1,
        stale_after=5,
    )
    ran = 0
    while True:
        queryset = DBTaskResult.objects.ready()
        if include_future:
            queryset = DBTaskResult.objects.filter(status="READY")
        db_result = queryset.order_by("enqueued_at").first()
        if db_result is None:
            return ran
        db_result.claim("sla-test")
        worker.run_task(db_result)
        ran += 1
