"""Saved views (queues): a named filter over tickets, personal or shared across an MSP."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from offload.core.models import TimestampedModel
from offload.tenancy.scoping import TenantModel


class SavedView(TenantModel, TimestampedModel):
    """A queue: a name and a filter (see selectors.QUEUE_FILTERS for the keys it may hold).

    `owner` empty means shared with everyone at the MSP. The filter is data, read through an
    allow-list; it never becomes raw ORM lookups, so a saved view cannot reach around the scope.
    """

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["msp", "owner", "position"], name="savedview_msp_owner")]

    def __str__(self) -> str:
        return self.name
