"""django-tasks-db's DatabaseBackend with tasks that carry a retry policy.

`settings.TASKS` names this backend, so `@task(max_attempts=3, backoff_base=5)` works with
Django's own `django.tasks.task` decorator: the backend's `task_class` receives the extra keywords.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.tasks.base import Task
from django.tasks.exceptions import InvalidTask
from django_tasks_db.backend import DatabaseBackend as UpstreamDatabaseBackend

from offload.core.tasks.conf import get_task_settings


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryingTask(Task):
    """A task with a retry policy. Unset fields fall back to `settings.OFFLOAD_TASKS` (see conf.py)."""

    # Attempts in all, the first run included; 1 means "never retry".
    max_attempts: int | None = None
    # Seconds before the second attempt (doubling each time after that, up to backoff_max).
    backoff_base: float | None = None
    backoff_max: float | None = None

    def retry_policy(self) -> tuple[int, float, float]:
        """(max attempts, backoff base, backoff cap) with the configured defaults filled in."""
        defaults = get_task_settings()
        return (
            self.max_attempts if self.max_attempts is not None else defaults.max_attempts,
            self.backoff_base if self.backoff_base is not None else defaults.backoff_base,
            self.backoff_max if self.backoff_max is not None else defaults.backoff_max,
        )


class DatabaseBackend(UpstreamDatabaseBackend):
    """The database backend whose tasks are RetryingTasks."""

    task_class = RetryingTask

    def validate_task(self, task: Any) -> None:
        super().validate_task(task)
        max_attempts = getattr(task, "max_attempts", None)
        if max_attempts is not None and max_attempts < 1:
            raise InvalidTask("max_attempts must be at least 1.")
        for name in ("backoff_base", "backoff_max"):
            value = getattr(task, name, None)
            if value is not None and value < 0:
                raise InvalidTask(f"{name} must not be negative.")
