"""Retries, backoff, recovery of dead workers' tasks, the scheduler lease and the periodic jobs."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from crontask.utils import LockError, LockNotOwnedError
from django.core.management import call_command
from django.db import transaction
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.attempts import finish_successful
from offload.core.tasks.choices import AttemptOutcome
from offload.core.tasks.jobs import prune_task_results
from offload.core.tasks.lease import DatabaseLease
from offload.core.tasks.models import Lease, TaskAttempt, WorkerHeartbeat
from offload.core.tasks.periodic import load_periodic_jobs
from offload.core.tasks.recovery import beat, recover_abandoned_tasks
from offload.core.tasks.retry import backoff_delay
from offload.core.tasks.worker import Worker
from offload.core.tests import tasks_for_tests as sample

pytestmark = pytest.mark.django_db


def drain(worker_id: str = "test-worker") -> None:
    """Run every ready task with the real worker logic, in this process, until none is left."""
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        heartbeat_interval=1,
        stale_after=5,
    )
    # The upstream loop's claim-and-run, minus its connection recycling and the heartbeat thread:
    # the test database is one open transaction (the subprocess tests run the whole loop).
    while (db_result := DBTaskResult.objects.ready().first()) is not None:
        db_result.claim(worker_id)
        worker.run_task(db_result)


def row(result) -> DBTaskResult:
    return DBTaskResult.objects.get(id=result.id)


def claim(result, worker_id: str, *, started: timedelta = timedelta(0)) -> DBTaskResult:
    """Claim a task as a worker would, optionally pretending the claim happened `started` ago."""
    db_result = row(result)
    db_result.claim(worker_id)
    if started:
        db_result.started_at = timezone.now() - started
        db_result.save(update_fields=["started_at"])
    return db_result


# --- backoff ---------------------------------------------------------------------------------------
def test_backoff_doubles_each_attempt_up_to_the_cap():
    """Without jitter the waits are base, 2·base, 4·base… and never exceed the cap."""
    delays = [backoff_delay(n, base=30, cap=300, jitter=False) for n in range(1, 7)]
    assert delays == [30, 60, 120, 240, 300, 300]


def test_backoff_jitter_stays_within_half_and_full_delay_and_spreads_retries():
    """With jitter each wait lies in [d/2, d], and simultaneous failures do not retry in lockstep."""
    rng = random.Random(7)
    for attempt in range(1, 8):
        full = backoff_delay(attempt, base=10, cap=500, jitter=False)
        draws = [backoff_delay(attempt, base=10, cap=500, rng=rng) for _ in range(200)]
        assert all(full / 2 <= d <= full for d in draws)
        assert len({round(d, 3) for d in draws}) > 150


# --- retries -----------------------------------------------------------------------------------------
def test_failing_task_is_retried_until_it_succeeds_and_its_failures_stay_visible():
    """A task that fails twice then succeeds ends SUCCESSFUL after 3 attempts, with 2 recorded errors."""
    result = sample.fail_until.enqueue(3)
    drain()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.attempts == 3
    assert result.return_value == 3
    attempts = list(TaskAttempt.objects.filter(task_result_id=result.id))
    assert [(a.number, a.outcome) for a in attempts] == [(1, AttemptOutcome.ERROR), (2, AttemptOutcome.ERROR)]
    assert attempts[0].error_message == "attempt 1 failed on purpose"
    assert attempts[0].error_class == "builtins.RuntimeError"


def test_task_fails_for_good_after_max_attempts_and_keeps_its_last_error():
    """A task that always raises stops after max_attempts and stays listed FAILED with its error."""
    result = sample.always_fail.enqueue()
    drain()
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.attempts == 3
    assert result.errors[0].exception_class_path == "builtins.ValueError"
    assert "this task always fails" in result.errors[0].traceback
    last = TaskAttempt.objects.filter(task_result_id=result.id).last()
    assert last.number == 3
    assert last.retry_at is None
    assert DBTaskResult.objects.failed().filter(id=result.id).exists()


def test_no_retry_error_fails_the_task_at_once():
    """Raising NoRetry spends no further attempts even though the task allows five."""
    result = sample.refuse.enqueue()
    drain()
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.attempts == 1


def test_retry_waits_for_the_backoff_delay_from_the_default_policy(settings):
    """After a failure the task is READY but not runnable before its backoff delay has passed."""
    settings.OFFLOAD_TASKS = {"MAX_ATTEMPTS": 2, "BACKOFF_BASE": 100, "BACKOFF_MAX": 1000}
    result = sample.fail_with_default_policy.enqueue()
    before = timezone.now()
    drain()
    db_result = row(result)
    assert db_result.status == TaskResultStatus.READY
    assert before + timedelta(seconds=50) <= db_result.run_after <= timezone.now() + timedelta(seconds=100)
    assert not DBTaskResult.objects.ready().filter(id=result.id).exists()
    assert db_result.exception_class_path == "builtins.RuntimeError"  # the last error, while waiting

    DBTaskResult.objects.filter(id=result.id).update(run_after=timezone.now())  # the delay has passed
    drain()
    assert row(result).status == TaskResultStatus.FAILED
    assert len(row(result).worker_ids) == 2


def test_a_task_interrupted_by_a_forced_stop_is_requeued_at_once():
    """A forced stop mid-task lets the worker exit, and the task is READY again without backoff."""
    result = sample.stopped_midway.enqueue()
    with pytest.raises(SystemExit):
        drain()
    db_result = row(result)
    assert db_result.status == TaskResultStatus.READY
    assert db_result.run_after <= timezone.now()
    assert TaskAttempt.objects.get(task_result_id=result.id).outcome == AttemptOutcome.INTERRUPTED


def test_enqueue_inside_a_rolled_back_transaction_leaves_no_task():
    """Enqueueing is part of the business transaction: if it rolls back, the task never existed."""

    def business_change() -> None:
        with transaction.atomic():
            sample.succeed.enqueue()
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        business_change()
    assert not DBTaskResult.objects.exists()


# --- recovery of dead workers' tasks -------------------------------------------------------------------
def test_sweeper_puts_the_task_of_a_dead_worker_back_in_the_queue():
    """A RUNNING task whose worker's heartbeat expired becomes READY again, with the loss recorded."""
    result = sample.always_fail.enqueue()
    beat(worker_id="dead", queues="*", stale_after=1)
    claim(result, "dead", started=timedelta(minutes=5))
    WorkerHeartbeat.objects.filter(worker_id="dead").update(expires_at=timezone.now() - timedelta(seconds=1))

    assert recover_abandoned_tasks() == 1
    db_result = row(result)
    assert db_result.status == TaskResultStatus.READY
    assert db_result.exception_class_path == "offload.core.tasks.retry.WorkerLost"
    lost = TaskAttempt.objects.get(task_result_id=result.id)
    assert (lost.number, lost.outcome, lost.worker_id) == (1, AttemptOutcome.WORKER_LOST, "dead")


def test_sweeper_leaves_tasks_of_live_workers_and_fresh_claims_alone():
    """A long task of a worker that still heartbeats, and a just-claimed task, are not touched."""
    long_running = sample.succeed.enqueue()
    beat(worker_id="alive", queues="*", stale_after=60)
    claim(long_running, "alive", started=timedelta(hours=2))
    just_claimed = sample.succeed.enqueue()
    claim(just_claimed, "not-yet-beating")

    assert recover_abandoned_tasks(grace=60) == 0
    assert row(long_running).status == TaskResultStatus.RUNNING
    assert row(just_claimed).status == TaskResultStatus.RUNNING


def test_sweeper_fails_a_task_whose_attempts_are_spent():
    """A task lost on its last allowed attempt is FAILED, not retried forever."""
    result = sample.always_fail.enqueue()  # max_attempts=3
    DBTaskResult.objects.filter(id=result.id).update(worker_ids=["w1", "w2"])
    claim(result, "w3", started=timedelta(hours=1))  # third attempt, no heartbeat at all

    assert recover_abandoned_tasks(grace=60) == 1
    assert row(result).status == TaskResultStatus.FAILED
    assert row(result).finished_at is not None


def test_a_worker_whose_task_was_taken_over_cannot_overwrite_the_new_attempt():
    """If the sweeper requeued a task, the presumed-dead worker's late success is discarded."""
    result = sample.succeed.enqueue()
    stale_claim = claim(result, "slow", started=timedelta(hours=1))
    assert recover_abandoned_tasks(grace=60) == 1

    assert finish_successful(stale_claim, "late") is False
    assert row(result).status == TaskResultStatus.READY


# --- scheduler lease and periodic jobs ----------------------------------------------------------------------
def test_only_one_scheduler_holds_the_lease_until_it_expires():
    """A second scheduler cannot take the lease while it is held, and takes it once it lapses."""
    first = DatabaseLease("scheduler", ttl=10, holder="first")
    second = DatabaseLease("scheduler", ttl=10, holder="second")
    with first:
        assert second.try_acquire() is False
        with pytest.raises(LockError), second:
            pass
        assert first.extend(10, True)
        Lease.objects.filter(name="scheduler").update(expires_at=timezone.now() - timedelta(seconds=1))
        assert second.try_acquire() is True
        with pytest.raises(LockNotOwnedError):
            first.extend(10, True)
    second.release()
    assert DatabaseLease("scheduler", ttl=10, holder="third").try_acquire() is True


def test_periodic_registry_lists_the_toolkits_own_jobs(capsys):
    """The scheduler finds the stale-task sweeper and the result pruner, each with its schedule."""
    jobs = {job.name: job.schedule for job in load_periodic_jobs()}
    assert jobs["offload.core.tasks.jobs.sweep_abandoned_tasks"] == "*/5 * * * *"
    assert jobs["offload.core.tasks.jobs.prune_task_results"] == "17 3 * * *"
    call_command("scheduler", "--list")
    assert "offload.core.tasks.jobs.prune_task_results" in capsys.readouterr().out


def test_pruning_deletes_old_results_but_keeps_failures_longer(settings):
    """Week-old successes go, week-old failures stay listed, month-old failures go."""
    settings.OFFLOAD_TASKS = {"KEEP_SUCCESSFUL_DAYS": 7, "KEEP_FAILED_DAYS": 30}
    now = timezone.now()

    def finished(status, days):
        result = sample.succeed.enqueue()
        DBTaskResult.objects.filter(id=result.id).update(
            status=status, finished_at=now - timedelta(days=days)
        )
        return result.id

    old_success = finished(TaskResultStatus.SUCCESSFUL, 8)
    new_success = finished(TaskResultStatus.SUCCESSFUL, 1)
    week_old_failure = finished(TaskResultStatus.FAILED, 8)
    old_failure = finished(TaskResultStatus.FAILED, 31)
    waiting = sample.succeed.enqueue().id

    outcome = prune_task_results.call()
    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert outcome["task_results"] == 2
    assert remaining == {new_success, week_old_failure, waiting}
    assert old_success not in remaining
    assert old_failure not in remaining


def test_operator_sees_failed_tasks_with_their_error_and_can_retry_one(capsys):
    """`offload tasks` lists a task that failed for good with its last error; --retry runs it once more."""
    result = sample.always_fail.enqueue()
    drain()
    call_command("tasks")
    out = capsys.readouterr().out
    assert "failed 1" in out
    assert f"{result.id}" in out
    assert "after 3 attempt(s)" in out
    assert "builtins.ValueError: this task always fails" in out

    call_command("tasks", "--retry", result.id)
    assert row(result).status == TaskResultStatus.READY
    drain()
    assert row(result).status == TaskResultStatus.FAILED
    assert len(row(result).worker_ids) == 4
