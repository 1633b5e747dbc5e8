"""Standing instructions: what anyone working an MSP's tickets must know first (VIPs, no reboots…).

An instruction applies at one level — the whole MSP, a client, a site, a contact or an asset — and
shows on every ticket it applies to. Its text and flags are versioned: each change is a new
`InstructionVersion`, and an agent acknowledges one version on one ticket.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from offload.tenancy.scoping import TenantModel


class InstructionLevel(models.TextChoices):
    MSP = "msp", "Whole MSP"
    CLIENT = "client", "Client"
    SITE = "site", "Site"
    CONTACT = "contact", "Contact"
    ASSET = "asset", "Asset"


def _level_shape() -> Q:
    """Which target keys each level sets: a site/contact/asset row also names its client."""
    null = {"client": True, "site": True, "contact": True, "asset": True}
    shapes = {
        InstructionLevel.MSP: {},
        InstructionLevel.CLIENT: {"client"},
        InstructionLevel.SITE: {"client", "site"},
        InstructionLevel.CONTACT: {"client", "contact"},
        InstructionLevel.ASSET: {"client", "asset"},
    }
    predicate = Q()
    for level, keys in shapes.items():
        predicate |= Q(level=level, **{f"{k}__isnull": k not in keys for k in null})
    return predicate


class StandingInstruction(TenantModel):
    """A standing instruction of an MSP at one level; its fields mirror the latest version."""

    level = models.CharField(max_length=10, choices=InstructionLevel.choices)
    client = models.ForeignKey(
        "tenancy.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="standing_instructions",
    )
    site = models.ForeignKey(
        "tenancy.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="standing_instructions"
    )
    contact = models.ForeignKey(
        "tenancy.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="standing_instructions",
    )
    asset = models.ForeignKey(
        "tenancy.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="standing_instructions"
    )
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    is_vip = models.BooleanField(default=False)
    no_reboot_start = models.TimeField(null=True, blank=True, help_text="Local time reboots stop.")
    no_reboot_end = models.TimeField(null=True, blank=True, help_text="Local time reboots may resume.")
    no_reboot_zone = models.CharField(max_length=64, blank=True, help_text="IANA zone of the window.")
    call_before_onsite_name = models.CharField(max_length=200, blank=True)
    call_before_onsite_phone = models.CharField(max_length=40, blank=True)
    approval_from = models.CharField(max_length=200, blank=True, help_text="Who must approve changes.")
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["level", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=_level_shape(), name="instruction_level_matches_target"),
            models.CheckConstraint(
                condition=Q(no_reboot_start__isnull=True, no_reboot_end__isnull=True)
                | Q(no_reboot_start__isnull=False, no_reboot_end__isnull=False),
                name="instruction_no_reboot_window_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["msp", "client", "is_active"], name="instruction_by_client"),
            models.Index(fields=["msp", "level", "is_active"], name="instruction_by_level"),
            models.Index(fields=["site"], name="instruction_by_site"),
            models.Index(fields=["contact"], name="instruction_by_contact"),
            models.Index(fields=["asset"], name="instruction_by_asset"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_no_reboot_window(self) -> bool:
        return self.no_reboot_start is not None and self.no_reboot_end is not None

    @property
    def calls_first(self) -> bool:
        return bool(self.call_before_onsite_name or self.call_before_onsite_phone)


class InstructionVersion(TenantModel):
    """One version of an instruction's title, text and flags: who wrote it and when."""

    instruction = models.ForeignKey(StandingInstruction, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    flags = models.JSONField(default=dict, blank=True, help_text="The structured flags of this version.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    tenant_client_path: ClassVar[str | None] = "instruction__client"

    class Meta:
        ordering = ["instruction", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instruction", "number"], name="instruction_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class InstructionAcknowledgement(TenantModel):
    """An agent read one version of an instruction while working one ticket."""

    version = models.ForeignKey(InstructionVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="instruction_acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    tenant_client_path: ClassVar[str | None] = "ticket__client"

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "ticket", "user"], name="instruction_ack_once"),
        ]
        indexes = [models.Index(fields=["ticket", "version"], name="instruction_ack_by_ticket")]

    def __str__(self) -> str:
        return f"{self.user} read {self.version} on {self.ticket_id}"
