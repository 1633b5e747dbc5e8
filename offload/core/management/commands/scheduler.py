"""`offload scheduler`: enqueue the registered periodic jobs on time; one active scheduler at a time."""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser

from crontask import conf as crontask_conf
from crontask import scheduler
from crontask.management.commands.crontask import Command as CrontaskCommand
from crontask.utils import LockError

from offload.core.tasks.lease import DatabaseLease
from offload.core.tasks.periodic import load_periodic_jobs

LEASE_NAME = "offload.scheduler"


class Command(CrontaskCommand):
    help = (
        "Run the periodic-job scheduler (django-crontask with a database lease instead of a Redis "
        "lock). A second scheduler waits on standby and takes over when the first one stops."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--list", action="store_true", help="Print the registered jobs and exit.")
        parser.add_argument(
            "--no-standby",
            action="store_true",
            help="Exit at once when another scheduler holds the lease, instead of waiting for it.",
        )

    def handle(self, *args, list: bool, no_standby: bool, **options) -> None:
        jobs = load_periodic_jobs()
        for job in jobs:
            self.stdout.write(f"{job.schedule:<16} {job.name}")
        if list:
            return
        settings = crontask_conf.get_settings()
        lease = DatabaseLease(LEASE_NAME, ttl=settings.LOCK_TIMEOUT)
        if not self.wait_for_lease(lease, retry_every=settings.LOCK_REFRESH_INTERVAL, standby=not no_standby):
            return
        try:
            with lease:
                self.launch_scheduler(lease, scheduler)
        except LockError as e:
            self.stderr.write(f"Scheduler stopped: {e}")
            raise SystemExit(1) from e

    def wait_for_lease(self, lease: DatabaseLease, *, retry_every: float, standby: bool) -> bool:
        """Take the lease, waiting on standby while another scheduler holds it. False = stopped."""
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            announced = False
            while not stopping:
                if lease.try_acquire():
                    return True
                if not standby:
                    self.stderr.write("Another scheduler is already running.")
                    return False
                if not announced:
                    self.stdout.write("Another scheduler is active; waiting on standby…")
                    announced = True
                time.sleep(retry_every)
            return False
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
