"""Rows the background-work toolkit keeps beside django-tasks-db's DBTaskResult."""

from __future__ import annotations

from django.db import models
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.choices import AttemptOutcome


class WorkerHeartbeat(models.Model):
    """A running `offload worker` process, as last reported by itself.

    The worker refreshes `expires_at` every few seconds; once it is in the past the worker is
    presumed dead, and the tasks it was running are put back in the queue by the sweeper.
    """

    worker_id = models.CharField(primary_key=True, max_length=64)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # last_seen_at + the worker's own staleness allowance: each worker says when to give up on it.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class TaskAttempt(models.Model):
    """One attempt at running a task that did not succeed: the visible history of its errors.

    The task's own row (DBTaskResult) holds the current status and the latest error; these rows
    say, attempt by attempt, who ran it, what went wrong and when the next try was scheduled.
    """

    task_result = models.ForeignKey(DBTaskResult, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    worker_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    error_class = models.CharField(max_length=255)
    error_message = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField()
    # When the next attempt may start; empty when this was the last attempt (the task FAILED).
    retry_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "core"
        ordering = ["task_result", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.task_result_id}: {self.outcome}"


class Lease(models.Model):
    """A named lock held by one process until `expires_at` unless renewed (e.g. the active scheduler).

    Works the same on SQLite and PostgreSQL: taking it is one conditional UPDATE (or an INSERT that
    only one process can win), so no Redis is needed.
    """

    name = models.CharField(primary_key=True, max_length=100)
    holder = models.CharField(max_length=255)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"
