"""Providers, MSPs (the tenants), their brands, and the agreements between them."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from offload.core.models import TimestampedModel
from offload.tenancy.choices import AgreementService, AgreementStatus
from offload.tenancy.scoping import TenantHistoricalRecords, TenantManager, TenantModel

hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1f6feb.")
host_name = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    "Use a lower-case host name such as support.example.com.",
)


class Provider(TimestampedModel):
    """An organisation that operates a NOC / help desk and serves MSPs under agreements.

    An MSP that runs its own help desk team is its own provider. End users never see a provider.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MSP(TimestampedModel):
    """A managed service provider: the tenant. Everything it owns is invisible to every other MSP."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    ticket_prefix = models.CharField(
        max_length=12,
        help_text="Prefix of the MSP's ticket references, e.g. ACME in ACME-1042.",
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{1,11}$", "Two to twelve capitals or digits.")],
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(default=True)

    tenant_msp_path: ClassVar[str] = "id"
    objects = TenantManager()
    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "MSP"
        verbose_name_plural = "MSPs"

    def __str__(self) -> str:
        return self.name


class Brand(TenantModel):
    """How an MSP presents itself to its clients: the only identity end users ever see."""

    msp = models.OneToOneField(MSP, on_delete=models.CASCADE, related_name="brand")
    name = models.CharField(max_length=200, help_text="Shown to end users, e.g. 'Acme IT Support'.")
    logo = models.ImageField(upload_to="brands/logos/", blank=True)
    favicon = models.ImageField(upload_to="brands/favicons/", blank=True)
    primary_color = models.CharField(max_length=7, default="#1f6feb", validators=[hex_color])
    accent_color = models.CharField(max_length=7, default="#0b3d91", validators=[hex_color])
    sender_name = models.CharField(max_length=200)
    sender_email = models.EmailField()
    support_email = models.EmailField()
    support_phone = models.CharField(max_length=40, blank=True)
    portal_slug = models.SlugField(
        max_length=60, unique=True, help_text="Path-based portal address: /portal/<slug>/ (local use)."
    )

    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PortalHost(TenantModel):
    """A host name on which an MSP's white-labelled portal answers (support.acme-it.com)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="hosts")
    hostname = models.CharField(max_length=253, validators=[host_name])

    class Meta:
        ordering = ["hostname"]
        constraints = [models.UniqueConstraint(Lower("hostname"), name="portalhost_hostname_unique")]

    def __str__(self) -> str:
        return self.hostname


class ServiceAgreement(TenantModel):
    """What a provider does for an MSP, while it is active, for the clients it covers.

    Provider staff see an MSP's data only through an active agreement, and only the covered clients.
    """

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="agreements")
    msp = models.ForeignKey(MSP, on_delete=models.CASCADE, related_name="agreements")
    name = models.CharField(max_length=200)
    services = models.JSONField(default=list, help_text=f"Any of: {', '.join(AgreementService.values)}")
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    covers_all_clients = models.BooleanField(default=True)
    clients = models.ManyToManyField("tenancy.Client", blank=True, related_name="agreements")

    tenant_provider_path: ClassVar[str | None] = "provider"
    history = TenantHistoricalRecords(m2m_fields=[clients])

    class Meta:
        ordering = ["msp", "provider", "-starts_on"]
        indexes = [models.Index(fields=["msp", "provider", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name
