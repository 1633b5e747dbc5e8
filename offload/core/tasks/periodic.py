"""The registry of periodic jobs: apps declare them next to their tasks, the scheduler runs them.

    # offload/<app>/tasks.py
    from django.tasks import task
    from offload.core.tasks.periodic import periodic

    @periodic("*/5 * * * *")          # crontab syntax; days of week as Mon..Sun, never digits
    @task
    def sweep_something() -> None: ...

The scheduler process (`offload scheduler`) imports every installed app's `tasks` module, which
registers its jobs; at each tick it *enqueues* the task, and a worker runs it like any other task
(with the same retries and recovery). One scheduler is active at a time (see lease.py).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from crontask import cron
from django.apps import apps
from django.tasks import Task
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class PeriodicJob:
    """A task the scheduler enqueues on a schedule."""

    name: str
    schedule: str
    task: Task


_registry: dict[str, PeriodicJob] = {}


def periodic(schedule: str | BaseTrigger):
    """Declare a task as periodic (crontab string or APScheduler trigger) and register it."""

    def decorator(task: Task) -> Task:
        name = task.module_path
        if name not in _registry:  # a module imported twice must not schedule its job twice
            cron(schedule, sentry_monitor_config=None)(task)
            _registry[name] = PeriodicJob(name=name, schedule=str(schedule), task=task)
        return task

    return decorator


def periodic_jobs() -> list[PeriodicJob]:
    """The jobs registered so far, by name."""
    return sorted(_registry.values(), key=lambda job: job.name)


def load_periodic_jobs() -> list[PeriodicJob]:
    """Import every installed app's `tasks` module (and the toolkit's own jobs); return the registry."""
    importlib.import_module("offload.core.tasks.jobs")
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "tasks"):
            importlib.import_module(f"{app.name}.tasks")
    return periodic_jobs()
