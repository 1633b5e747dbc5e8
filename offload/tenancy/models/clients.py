"""An MSP's customers, their locations, their people and their devices."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from offload.core.models import TimestampedModel
from offload.tenancy.choices import AssetKind
from offload.tenancy.scoping import TenantHistoricalRecords, TenantModel


class Client(TenantModel, TimestampedModel):
    """A company whose IT the MSP looks after."""

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    email_domains = models.JSONField(
        default=list, blank=True, help_text="Mail domains of the client's people, e.g. ['contoso.com']."
    )
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    tenant_client_path: ClassVar[str | None] = "id"
    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["msp", "name", "id"])]
        constraints = [models.UniqueConstraint("msp", Lower("name"), name="client_name_unique_per_msp")]

    def __str__(self) -> str:
        return self.name


class Site(TenantModel, TimestampedModel):
    """A location of a client: an office, a data centre, a shop."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. DE.")
    time_zone = models.CharField(max_length=64, blank=True, help_text="IANA zone, e.g. Europe/Berlin.")
    phone = models.CharField(max_length=40, blank=True)

    tenant_client_path: ClassVar[str | None] = "client"
    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["msp", "client", "name"])]

    def __str__(self) -> str:
        return self.name


class Contact(TenantModel, TimestampedModel):
    """A person at a client. With a user account they can sign in to the MSP's portal."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)

    tenant_client_path: ClassVar[str | None] = "client"
    tenant_own_path: ClassVar[str | None] = "id"
    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["msp", "client", "last_name"]),
            models.Index(Lower("email"), "msp", name="contact_email_per_msp"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Asset(TenantModel, TimestampedModel):
    """A device or service the MSP manages for a client, usually at a site."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assets")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets")
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
        help_text="The person who mainly uses it.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=AssetKind.choices, default=AssetKind.WORKSTATION)
    hostname = models.CharField(max_length=253, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    manufacturer = models.CharField(max_length=100, blank=True)
    model_name = models.CharField(max_length=100, blank=True)
    operating_system = models.CharField(max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    tenant_client_path: ClassVar[str | None] = "client"
    tenant_own_path: ClassVar[str | None] = "contact"
    history = TenantHistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["msp", "client", "name"]),
            models.Index(Lower("hostname"), "msp", name="asset_hostname_per_msp"),
        ]

    def __str__(self) -> str:
        return self.name
