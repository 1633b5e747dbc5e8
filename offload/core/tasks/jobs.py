"""The toolkit's own periodic jobs: rescue abandoned tasks, and prune old results."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from offload.core.tasks.conf import get_task_settings
from offload.core.tasks.decorators import task
from offload.core.tasks.models import WorkerHeartbeat
from offload.core.tasks.periodic import periodic
from offload.core.tasks.recovery import recover_abandoned_tasks

logger = logging.getLogger("offload.tasks")


@periodic("*/5 * * * *")
@task(max_attempts=1)
def sweep_abandoned_tasks() -> int:
    """Every 5 minutes: put tasks of dead workers back in the queue (live workers also sweep, every ~30 s)."""
    return recover_abandoned_tasks()


@periodic("17 3 * * *")
@task(max_attempts=3)
def prune_task_results() -> dict[str, int]:
    """Nightly: delete finished task results past their keeping period, and long-dead heartbeats.

    Successful results go after KEEP_SUCCESSFUL_DAYS; failed ones stay listed (with their error
    and attempt history) for KEEP_FAILED_DAYS, so someone can look at them first.
    """
    conf = get_task_settings()
    now = timezone.now()
    old = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=conf.keep_successful_days))
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - timedelta(days=conf.keep_failed_days))
    )
    _, per_model = old.delete()  # their attempt history goes with them (cascade)
    results = per_model.get(DBTaskResult._meta.label, 0)
    heartbeats, _ = WorkerHeartbeat.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    logger.info("Pruned %d task result(s) and %d heartbeat(s)", results, heartbeats)
    return {"task_results": results, "heartbeats": heartbeats}
