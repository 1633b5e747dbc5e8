"""The provider's NOC agents as dispatch sees them: level, skills, shift and how much they may hold.

These rows belong to a provider, not to an MSP: they are read and written only by that provider's
staff, always filtered by `provider` (the MSP scope guard does not apply to them).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from offload.core.businesstime import Calendar
from offload.core.models import TimestampedModel


class AgentLevel(models.TextChoices):
    """Who works a delegation, in escalation order (L1 → L2 → NOC lead; past the lead, the MSP)."""

    L1 = "l1", "L1"
    L2 = "l2", "L2"
    LEAD = "lead", "NOC lead"


# Weekdays 08:00-18:00 UTC: what a new agent gets until the lead sets their shift.
DEFAULT_SHIFT: dict[str, Any] = Calendar.workdays("UTC", ("08:00", "18:00")).to_spec()


class Skill(TimestampedModel):
    """Something a provider's agents know (e.g. "Microsoft 365"), matched to ticket categories.

    `category_paths` are category path prefixes ("Email", "Network / Firewall"); a ticket whose
    category path starts with one of them (case-insensitively) needs this skill.
    """

    provider = models.ForeignKey("tenancy.Provider", on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=100)
    category_paths = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="skill_name_unique_per_provider")
        ]

    def __str__(self) -> str:
        return self.name


class AgentProfile(TimestampedModel):
    """A NOC agent's dispatch profile: level, skills, shift calendar and capacity (max open items)."""

    provider = models.ForeignKey("tenancy.Provider", on_delete=models.CASCADE, related_name="agent_profiles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profiles"
    )
    level = models.CharField(max_length=10, choices=AgentLevel.choices, default=AgentLevel.L1)
    skills = models.ManyToManyField(Skill, blank=True, related_name="agents")
    shift = models.JSONField(
        default=dict, blank=True, help_text="A business calendar spec (offload.core.businesstime.Calendar)."
    )
    capacity = models.PositiveSmallIntegerField(default=8, help_text="Most open items held at once.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="agent_profile_unique_per_provider"),
        ]
        indexes = [models.Index(fields=["provider", "is_active", "level"], name="agent_profile_dispatch")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_level_display()})"

    @property
    def calendar(self) -> Calendar:
        """The shift as a calendar (the default weekday shift when none is set)."""
        return Calendar.from_spec(self.shift or DEFAULT_SHIFT)
