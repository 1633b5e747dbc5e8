"""Worker heartbeats, and the sweeper that rescues tasks left RUNNING by a worker that died.

A worker that is killed (SIGKILL, OOM, power loss) cannot mark its task as failed: the row stays
RUNNING forever and upstream never runs it again. Each `offload worker` therefore keeps a
WorkerHeartbeat row fresh; the sweeper ends the attempt of every RUNNING task whose worker's
heartbeat has expired (or never existed), which puts the task back in the queue (or fails it, when
its attempts are spent) — see attempts.settle_failed_attempt.

Consequence for task authors: a task may run more than once (at-least-once delivery). Write task
bodies so that running them again is harmless (natural keys, "already done?" checks).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.attempts import settle_failed_attempt
from offload.core.tasks.choices import AttemptOutcome
from offload.core.tasks.conf import get_task_settings
from offload.core.tasks.models import WorkerHeartbeat
from offload.core.tasks.retry import WorkerLost

logger = logging.getLogger("offload.tasks")


def beat(*, worker_id: str, queues: str, stale_after: float, started_at: datetime | None = None) -> None:
    """Say "this worker is alive" until now + stale_after."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=stale_after)
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen_at=now, expires_at=expires_at
    )
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": queues[:255],
                "started_at": started_at or now,
                "last_seen_at": now,
                "expires_at": expires_at,
            },
        )


def sign_off(*, worker_id: str) -> None:
    """A worker leaving cleanly removes its heartbeat (it has no task left RUNNING)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover_abandoned_tasks(*, now: datetime | None = None, grace: float | None = None) -> int:
    """End the attempt of every RUNNING task whose worker is presumed dead; return how many.

    A worker is presumed dead when its heartbeat has expired. A task whose worker has no heartbeat
    row at all (a plain `db_worker`, or a row already pruned) is only touched once it has been
    RUNNING for longer than `grace` seconds (default STALE_AFTER).
    """
    now = now or timezone.now()
    grace = get_task_settings().stale_after if grace is None else grace
    expiry = dict(WorkerHeartbeat.objects.values_list("worker_id", "expires_at"))
    recovered = 0
    for db_result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).order_by("started_at"):
        owner = db_result.worker_ids[-1] if db_result.worker_ids else None
        expires_at = expiry.get(owner) if owner else None
        if expires_at is not None:
            if expires_at >= now:
                continue
            reason = f"worker {owner} stopped heartbeating at {expires_at:%Y-%m-%d %H:%M:%S} UTC"
        else:
            if db_result.started_at and db_result.started_at > now - timedelta(seconds=grace):
                continue
            reason = (
                f"worker {owner or '?'} has no heartbeat and the task has run since {db_result.started_at}"
            )
        status = settle_failed_attempt(
            db_result, error=WorkerLost(reason), outcome=AttemptOutcome.WORKER_LOST, now=now
        )
        if status is not None:
            recovered += 1
            logger.warning("Recovered task %s (%s): %s", db_result.id, db_result.task_path, reason)
    return recovered
