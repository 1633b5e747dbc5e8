"""Choices of the background-work toolkit."""

from django.db import models


class AttemptOutcome(models.TextChoices):
    """How an attempt at running a task ended, when it did not end well."""

    # The task raised; another attempt is scheduled (retry_at) or the task failed for good.
    ERROR = "error", "Raised an error"
    # The worker running it died or stopped heartbeating; found by the sweeper.
    WORKER_LOST = "worker_lost", "Worker lost"
    # The worker was told to stop at once (second Ctrl-C, SIGTERM during shutdown).
    INTERRUPTED = "interrupted", "Interrupted"
