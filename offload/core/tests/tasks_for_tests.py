"""Tasks that the background-work tests enqueue; workers in subprocesses import them by path."""

from __future__ import annotations

import time
from pathlib import Path

from django.tasks.base import TaskContext

from offload.core.tasks.decorators import task
from offload.core.tasks.retry import NoRetry


@task(takes_context=True, max_attempts=3, backoff_base=0.2, backoff_max=0.5)
def append_when_released(context: TaskContext, workdir: str) -> str:
    """Say it started, wait until the test creates `release`, then append one completion line."""
    folder = Path(workdir)
    attempt = context.attempt
    (folder / f"started-{attempt}").write_text(str(attempt))
    while not (folder / "release").exists():
        time.sleep(0.05)
    with (folder / "completions").open("a") as out:
        out.write(f"{context.task_result.id} attempt {attempt}\n")
    return attempt


@task(takes_context=True, max_attempts=4, backoff_base=0, backoff_max=0)
def fail_until(context: TaskContext, successful_attempt: int) -> int:
    """Raise on every attempt before `successful_attempt`."""
    if context.attempt < successful_attempt:
        raise RuntimeError(f"attempt {context.attempt} failed on purpose")
    return context.attempt


@task(max_attempts=3, backoff_base=0, backoff_max=0)
def always_fail() -> None:
    """Raise every time."""
    raise ValueError("this task always fails")


@task(max_attempts=5)
def refuse() -> None:
    """Fail in a way retrying cannot fix."""
    raise NoRetry("the input is invalid")


@task
def fail_with_default_policy() -> None:
    """Raise every time, under the configured default retry policy."""
    raise RuntimeError("no luck")


@task
def succeed() -> str:
    """Return at once."""
    return "ok"


@task(max_attempts=3, backoff_base=1000)
def stopped_midway() -> None:
    """Behave like a worker told to stop at once while this task runs (second Ctrl-C)."""
    raise SystemExit(1)
