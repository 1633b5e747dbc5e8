"""Users, their memberships (role in a provider, an MSP or at a client) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from offload.accounts.choices import CLIENT_ROLES, MSP_ROLES, PROVIDER_ROLES, Role
from offload.core.models import TimestampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who signs in, by email address. What they may see comes from their memberships."""

    username = None  # type: ignore[assignment,misc]
    email = models.EmailField("email address", unique=True, help_text="Stored lower-case.")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]
    objects = UserManager()  # type: ignore[assignment,misc]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Membership(TimestampedModel):
    """A user's role in one organisation: a provider, an MSP, or (through a contact) a client.

    Technicians may be limited to some of their MSP's clients (`limited_to_clients`).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    provider = models.ForeignKey(
        "tenancy.Provider", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    msp = models.ForeignKey("tenancy.MSP", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "tenancy.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="For client roles: the person at the client this user is.",
    )
    limited_to_clients = models.ManyToManyField("tenancy.Client", blank=True, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user", "id"]
        indexes = [models.Index(fields=["user", "is_active"]), models.Index(fields=["msp", "role"])]
        constraints = [
            models.CheckConstraint(
                name="membership_org_matches_role",
                condition=(
                    Q(
                        role__in=sorted(PROVIDER_ROLES),
                        provider__isnull=False,
                        msp__isnull=True,
                        contact__isnull=True,
                    )
                    | Q(
                        role__in=sorted(MSP_ROLES),
                        provider__isnull=True,
                        msp__isnull=False,
                        contact__isnull=True,
                    )
                    | Q(
                        role__in=sorted(CLIENT_ROLES),
                        provider__isnull=True,
                        msp__isnull=False,
                        contact__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_provider_staff(self) -> bool:
        return self.role in PROVIDER_ROLES

    @property
    def is_msp_staff(self) -> bool:
        return self.role in MSP_ROLES

    @property
    def is_client(self) -> bool:
        return self.role in CLIENT_ROLES


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TimestampedModel):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    PREFIX = "ofl_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
