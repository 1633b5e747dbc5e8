"""`offload tasks`: what the background workers are doing, which tasks failed for good and why."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from offload.core.tasks.attempts import retry_failed_task
from offload.core.tasks.selectors import failed_tasks, live_workers, status_counts


class Command(BaseCommand):
    help = "Show task counts, live workers and failed tasks (with their last error); retry a failed task."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--limit", type=int, default=20, help="Failed tasks to list (default: 20)")
        parser.add_argument("--retry", metavar="TASK_ID", help="Give a FAILED task one more attempt now.")

    def handle(self, *args, limit: int, retry: str | None, **options) -> None:
        if retry:
            try:
                retried = retry_failed_task(retry)
            except ValidationError as e:
                raise CommandError(f"{retry!r} is not a task id") from e
            if not retried:
                raise CommandError(f"No failed task with id {retry}")
            self.stdout.write(f"Task {retry} is queued again.")
            return
        counts = status_counts()
        self.stdout.write("Tasks: " + ", ".join(f"{status.lower()} {n}" for status, n in counts.items()))
        workers = live_workers()
        self.stdout.write(f"Live workers: {len(workers)}")
        for worker in workers:
            self.stdout.write(f"  {worker.worker_id}  {worker.hostname}:{worker.pid}  queues {worker.queues}")
        failed = failed_tasks(limit=limit)
        self.stdout.write(f"Failed for good (newest {limit}): {len(failed)}")
        for task in failed:
            when = f"{task.finished_at:%Y-%m-%d %H:%M}" if task.finished_at else "?"
            self.stdout.write(f"  {task.id}  {when}  {task.task_path}  after {task.attempts} attempt(s)")
            self.stdout.write(f"      {task.error_class}: {task.last_error}")
