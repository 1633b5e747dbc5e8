"""Abstract base models shared by every app."""

from django.db import models

# The background-work toolkit keeps its models in its own package; importing them registers them here.
from offload.core.tasks.models import Lease, TaskAttempt, WorkerHeartbeat

__all__ = ["Lease", "TaskAttempt", "TimestampedModel", "WorkerHeartbeat"]


class TimestampedModel(models.Model):
    """A row that knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
