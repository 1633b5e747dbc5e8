"""Tunables of the background-work toolkit, with their defaults.

An operator may override any of them in `settings.OFFLOAD_TASKS` (a dict with the same keys); the
worker command also takes the heartbeat ones as options.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEFAULTS = {
    # Attempts a task gets before it is recorded as FAILED for good (the first run counts).
    "MAX_ATTEMPTS": 5,
    # Delay before the second attempt, in seconds; each later attempt waits twice as long …
    "BACKOFF_BASE": 30.0,
    # … but never longer than this.
    "BACKOFF_MAX": 3600.0,
    # A worker writes its heartbeat this often (seconds) …
    "HEARTBEAT_INTERVAL": 10.0,
    # … and is presumed dead when it has not written one for this long (seconds).
    "STALE_AFTER": 60.0,
    # Finished task results are deleted after this many days (failed ones are kept longer).
    "KEEP_SUCCESSFUL_DAYS": 7,
    "KEEP_FAILED_DAYS": 30,
}


@dataclass(frozen=True)
class TaskSettings:
    """The effective values of the keys in DEFAULTS."""

    max_attempts: int
    backoff_base: float
    backoff_max: float
    heartbeat_interval: float
    stale_after: float
    keep_successful_days: int
    keep_failed_days: int


def get_task_settings() -> TaskSettings:
    """Read the tunables now (not at import), so tests and operators can override them."""
    values = {**DEFAULTS, **getattr(settings, "OFFLOAD_TASKS", {})}
    return TaskSettings(**{key.lower(): value for key, value in values.items()})
