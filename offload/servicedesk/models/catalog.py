"""What an MSP configures once and tickets refer to: teams, categories, priorities, canned replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from offload.core.models import TimestampedModel
from offload.servicedesk.choices import Impact, Priority, Urgency
from offload.tenancy.scoping import TenantHistoricalRecords, TenantModel


class Team(TenantModel, TimestampedModel):
    """A group of an MSP's staff that owns tickets (e.g. "Service desk", "Projects")."""

    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="servicedesk_teams")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["msp", "name"], name="team_name_unique_per_msp")]

    def __str__(self) -> str:
        return self.name


class Category(TenantModel, TimestampedModel):
    """A node of an MSP's ticket category tree; `path` is the full name ("Hardware / Laptops").

    `path` is kept by the category services so that a subtree is one indexed prefix query and a
    picker needs no recursion.
    """

    PATH_SEPARATOR = " / "

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=100)
    path = models.CharField(max_length=500)
    is_active = models.BooleanField(default=True)

    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["msp", "path"], name="category_path_unique_per_msp")]

    def __str__(self) -> str:
        return self.path


class PriorityMatrix(TenantModel):
    """One cell of an MSP's impact x urgency → priority matrix."""

    impact = models.CharField(max_length=10, choices=Impact.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)

    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["impact", "urgency"]
        verbose_name_plural = "priority matrix cells"
        constraints = [
            models.UniqueConstraint(fields=["msp", "impact", "urgency"], name="priority_cell_unique_per_msp")
        ]

    def __str__(self) -> str:
        return f"{self.impact} x {self.urgency} → {self.priority}"


class CannedReply(TenantModel, TimestampedModel):
    """A reply an MSP's agents insert often; placeholders like {{contact.first_name}} are filled in
    from a fixed allow-list (never a template engine, so a reply cannot reach arbitrary data)."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: shared with the whole MSP.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"
        indexes = [models.Index(fields=["msp", "owner", "title"])]

    def __str__(self) -> str:
        return self.title
