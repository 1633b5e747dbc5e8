"""`offload worker`: run background tasks, with heartbeats, recovery of dead workers' tasks and retries."""

from __future__ import annotations

import os
from argparse import ArgumentParser

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import valid_interval

from offload.core.tasks.conf import get_task_settings
from offload.core.tasks.worker import Worker


class Command(DbWorkerCommand):
    help = (
        "Run a background worker (django-tasks-db's db_worker plus heartbeats, recovery of tasks "
        "left RUNNING by dead workers, and retries with backoff). Tasks run at least once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        defaults = get_task_settings()
        parser.add_argument(
            "--heartbeat-interval",
            type=valid_interval,
            default=defaults.heartbeat_interval,
            help="Seconds between heartbeats (default: %(default)s)",
        )
        parser.add_argument(
            "--stale-after",
            type=valid_interval,
            default=defaults.stale_after,
            help="Seconds without a heartbeat after which this worker counts as dead (default: %(default)s)",
        )
        # Every queue by default: one worker serves them all unless an operator splits them.
        parser.set_defaults(queue_name="*")

    def handle(self, *args, **options) -> None:
        verbosity: int = options["verbosity"]
        reload: bool = options["reload"]
        batch: bool = options["batch"]
        queue_name: str = options["queue_name"]
        exclude_queues: str = options["exclude_queues"]
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        try:
            worker = Worker(
                queue_names=queue_names,
                excluded_queue_names=excluded,
                interval=options["interval"],
                batch=batch,
                backend_name=options["backend_name"],
                startup_delay=options["startup_delay"],
                max_tasks=options["max_tasks"],
                worker_id=options["worker_id"],
                heartbeat_interval=options["heartbeat_interval"],
                stale_after=options["stale_after"],
            )
        except ValueError as e:
            raise CommandError(str(e)) from e
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
