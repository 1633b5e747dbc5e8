"""The `offload worker` loop: django-tasks-db's Worker plus heartbeats, recovery and retries."""

from __future__ import annotations

import logging
import threading

from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connection
from django.tasks.base import TaskContext, TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as UpstreamWorker
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.attempts import finish_successful, settle_failed_attempt
from offload.core.tasks.choices import AttemptOutcome
from offload.core.tasks.recovery import beat, recover_abandoned_tasks, sign_off
from offload.core.tasks.retry import Interrupted, NoRetry

logger = logging.getLogger("offload.tasks")


class Worker(UpstreamWorker):
    """Runs tasks one at a time; a side thread keeps its heartbeat fresh and sweeps for dead peers."""

    def __init__(self, *, heartbeat_interval: float, stale_after: float, **kwargs) -> None:
        super().__init__(**kwargs)
        if stale_after <= heartbeat_interval:
            raise ValueError("stale_after must be longer than heartbeat_interval")
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after
        self._stop = threading.Event()
        self._heart: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------
    def run(self) -> None:
        self._beat()
        # Tasks abandoned while no worker was up are rescued before this one takes new work.
        self._sweep()
        self._heart = threading.Thread(target=self._heartbeat_loop, name="offload-heartbeat", daemon=True)
        self._heart.start()
        try:
            super().run()
        finally:
            self._stop.set()
            self._heart.join(timeout=self.heartbeat_interval + 5)
            try:
                sign_off(worker_id=self.worker_id)
            except Exception:
                logger.exception("Could not remove the heartbeat of worker %s", self.worker_id)

    def _beat(self) -> None:
        beat(worker_id=self.worker_id, queues=",".join(self.queue_names), stale_after=self.stale_after)

    def _sweep(self) -> None:
        recovered = recover_abandoned_tasks(grace=self.stale_after)
        if recovered:
            logger.warning("Put %d task(s) of dead workers back in the queue", recovered)

    def _heartbeat_loop(self) -> None:
        """Heartbeat every interval; sweep about as often as a peer can go stale."""
        beats_per_sweep = max(1, round(self.stale_after / self.heartbeat_interval / 2))
        count = 0
        try:
            while not self._stop.wait(self.heartbeat_interval):
                try:
                    close_old_connections()
                    self._beat()
                    count += 1
                    if count % beats_per_sweep == 0:
                        self._sweep()
                except Exception:
                    # A busy or briefly unreachable database must not kill the heartbeat thread.
                    logger.exception("Heartbeat of worker %s failed; trying again", self.worker_id)
        finally:
            connection.close()

    # --- one task -----------------------------------------------------------------------------------
    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run a claimed task and settle the attempt: success, retry with backoff, or failure."""
        self.running_task = True
        try:
            try:
                task = db_task_result.task
            except (ImportError, SuspiciousOperation) as e:
                # The code is gone: retrying cannot help.
                settle_failed_attempt(db_task_result, error=NoRetry(str(e)), outcome=AttemptOutcome.ERROR)
                return
            task_result = db_task_result.task_result
            backend_type = type(task.get_backend())
            task_started.send(sender=backend_type, task_result=task_result)
            try:
                if task.takes_context:
                    value = task.call(
                        TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                    )
                else:
                    value = task.call(*task_result.args, **task_result.kwargs)
                # Inside the try: a return value that cannot be stored (not JSON) fails the attempt.
                finished = finish_successful(db_task_result, value)
            except Exception as e:
                status = settle_failed_attempt(db_task_result, error=e, outcome=AttemptOutcome.ERROR)
                finished = status == TaskResultStatus.FAILED
            except BaseException as e:  # SystemExit/KeyboardInterrupt: told to stop at once
                settle_failed_attempt(
                    db_task_result, error=Interrupted(repr(e)), outcome=AttemptOutcome.INTERRUPTED
                )
                raise
            if finished:
                task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1
