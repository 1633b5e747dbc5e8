"""Writing down how an attempt ended: success, retry with backoff, or failure for good.

Both the worker (a task raised) and the sweeper (a worker died) end attempts through here, so a
task is retried, counted and given up on the same way whatever went wrong.

Every write is conditional on the task still being RUNNING under the same claim (`started_at`):
if the sweeper has meanwhile handed the task to another worker, the late writer changes nothing.
"""

from __future__ import annotations

import logging
import traceback as tb_module
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, retry

from offload.core.tasks.backend import RetryingTask
from offload.core.tasks.choices import AttemptOutcome
from offload.core.tasks.conf import get_task_settings
from offload.core.tasks.models import TaskAttempt
from offload.core.tasks.retry import NoRetry, backoff_delay

logger = logging.getLogger("offload.tasks")


@dataclass(frozen=True)
class RetryPolicy:
    """What the task's declaration (or the configured defaults) allow."""

    max_attempts: int
    backoff_base: float
    backoff_max: float


def retry_policy_for(db_result: DBTaskResult) -> RetryPolicy:
    """The policy of the task this row runs; the defaults if its code is gone or is a plain Task."""
    defaults = get_task_settings()
    try:
        task = db_result.task
    except Exception:  # an unimportable task path: nothing to learn from it, fall back
        task = None
    if isinstance(task, RetryingTask):
        return RetryPolicy(*task.retry_policy())
    return RetryPolicy(defaults.max_attempts, defaults.backoff_base, defaults.backoff_max)


def attempts_made(db_result: DBTaskResult) -> int:
    """Every claim appends the worker's id, so the list's length is the number of attempts."""
    return len(db_result.worker_ids)


def _same_claim(db_result: DBTaskResult):
    return DBTaskResult.objects.filter(
        id=db_result.id, status=TaskResultStatus.RUNNING, started_at=db_result.started_at
    )


@retry()
def finish_successful(db_result: DBTaskResult, return_value: Any) -> bool:
    """Record success. False when the claim was lost meanwhile (another worker owns the task now)."""
    with exclusive_transaction(DBTaskResult.objects.db):
        updated = _same_claim(db_result).update(
            status=TaskResultStatus.SUCCESSFUL,
            finished_at=timezone.now(),
            return_value=return_value,
            exception_class_path="",
            traceback="",
        )
    if updated:
        db_result.refresh_from_db()
    else:
        logger.warning("Task %s finished after its claim was taken over; result discarded", db_result.id)
    return bool(updated)


def _describe(error: BaseException) -> tuple[str, str, str]:
    error_class = f"{type(error).__module__}.{type(error).__qualname__}"
    return error_class, str(error), "".join(tb_module.format_exception(error))


@retry()
def settle_failed_attempt(
    db_result: DBTaskResult,
    *,
    error: BaseException,
    outcome: AttemptOutcome,
    now: datetime | None = None,
) -> TaskResultStatus | None:
    """End a failed attempt: READY again after a backoff delay, or FAILED when attempts are spent.

    Returns the task's new status, or None when the claim was lost meanwhile (nothing written).
    """
    now = now or timezone.now()
    policy = retry_policy_for(db_result)
    number = attempts_made(db_result)
    error_class, message, traceback = _describe(error)
    give_up = isinstance(error, NoRetry) or number >= policy.max_attempts
    if give_up:
        retry_at = None
        changes: dict[str, Any] = {"status": TaskResultStatus.FAILED, "finished_at": now}
    else:
        # Interrupted attempts (worker told to stop now) come back at once: not the task's fault.
        delay = (
            0.0
            if outcome == AttemptOutcome.INTERRUPTED
            else backoff_delay(number, base=policy.backoff_base, cap=policy.backoff_max)
        )
        retry_at = now + timedelta(seconds=delay)
        changes = {"status": TaskResultStatus.READY, "run_after": retry_at, "finished_at": None}
    # The latest error stays on the task row even while it waits for its next attempt.
    changes.update(exception_class_path=error_class, traceback=traceback, return_value=None)

    with exclusive_transaction(DBTaskResult.objects.db):
        if not _same_claim(db_result).update(**changes):
            logger.warning("Task %s: attempt %d already settled elsewhere", db_result.id, number)
            return None
        TaskAttempt.objects.create(
            task_result_id=db_result.id,
            number=number,
            worker_id=db_result.worker_ids[-1] if db_result.worker_ids else "",
            outcome=outcome,
            error_class=error_class[:255],
            error_message=message,
            traceback=traceback,
            started_at=db_result.started_at,
            ended_at=now,
            retry_at=retry_at,
        )
    db_result.refresh_from_db()
    if give_up:
        logger.error(
            "Task %s (%s) failed for good after %d attempt(s): %s",
            db_result.id,
            db_result.task_path,
            number,
            message or error_class,
        )
    else:
        logger.warning(
            "Task %s (%s) attempt %d/%d failed (%s); retrying at %s",
            db_result.id,
            db_result.task_path,
            number,
            policy.max_attempts,
            outcome,
            retry_at,
        )
    return TaskResultStatus(db_result.status)


def retry_failed_task(task_id: str) -> bool:
    """Give a task that failed for good one more attempt, now (an operator's decision).

    Its attempt count carries on, so if this attempt fails too it is FAILED again at once.
    Returns False when no FAILED task has that id.
    """
    with exclusive_transaction(DBTaskResult.objects.db):
        updated = DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None
        )
    if updated:
        logger.info("Task %s queued again by an operator", task_id)
    return bool(updated)
