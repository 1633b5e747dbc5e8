"""Reads for operators: how many tasks are in which state, and which failed for good and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.models import TaskAttempt, WorkerHeartbeat


@dataclass(frozen=True)
class FailedTask:
    """A task that failed for good, with what an operator needs to decide what to do."""

    id: str
    task_path: str
    attempts: int
    finished_at: datetime | None
    error_class: str
    last_error: str


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def status_counts() -> dict[str, int]:
    """Tasks per status (READY includes those waiting for a retry)."""
    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in TaskResultStatus.values}


def failed_tasks(*, limit: int = 50) -> list[FailedTask]:
    """The most recent tasks that failed for good, newest first."""
    rows = list(DBTaskResult.objects.failed().order_by("-finished_at")[:limit])
    last_messages: dict[str, str] = {}
    for attempt in TaskAttempt.objects.filter(task_result__in=rows).order_by("number"):
        last_messages[str(attempt.task_result_id)] = attempt.error_message
    return [
        FailedTask(
            id=str(row.id),
            task_path=row.task_path,
            attempts=len(row.worker_ids),
            finished_at=row.finished_at,
            error_class=row.exception_class_path,
            last_error=last_messages.get(str(row.id)) or _last_line(row.traceback),
        )
        for row in rows
    ]


def live_workers() -> list[WorkerHeartbeat]:
    """Workers whose heartbeat has not expired."""
    return list(WorkerHeartbeat.objects.filter(expires_at__gte=timezone.now()).order_by("started_at"))
