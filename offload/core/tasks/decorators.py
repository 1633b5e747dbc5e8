"""`@task` with a retry policy: Django's decorator, typed for the extra keywords our backend takes.

    from offload.core.tasks.decorators import task

    @task(queue_name="mail", max_attempts=8, backoff_base=60)
    def send_notification(notification_id: int) -> None: ...

Unset policy fields fall back to settings.OFFLOAD_TASKS (conf.py). Tasks run at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django.tasks import task as django_task
from django.tasks.base import DEFAULT_TASK_PRIORITY


def task(
    function: Callable[..., Any] | None = None,
    *,
    priority: int = DEFAULT_TASK_PRIORITY,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
    backend: str = DEFAULT_TASK_BACKEND_ALIAS,
    takes_context: bool = False,
    max_attempts: int | None = None,
    backoff_base: float | None = None,
    backoff_max: float | None = None,
) -> Any:
    """Declare a task (see django.tasks.task) with its retry policy."""
    options: dict[str, Any] = {
        "priority": priority,
        "queue_name": queue_name,
        "backend": backend,
        "takes_context": takes_context,
        "max_attempts": max_attempts,
        "backoff_base": backoff_base,
        "backoff_max": backoff_max,
    }
    declare = django_task(**options)
    return declare(function) if function is not None else declare
