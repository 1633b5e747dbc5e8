"""Customer satisfaction: the requester's rating of a resolution."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from offload.tenancy.scoping import TenantModel

RATING_MIN, RATING_MAX = 1, 5


class CsatResponse(TenantModel):
    """One rating (1 to 5, with an optional comment) of one resolution of a ticket.

    `resolved_at` is the resolution it rates: a ticket reopened and resolved again has a new
    resolution time and may be rated again, while the same resolution is rated once.
    """

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="csat_responses")
    client = models.ForeignKey("tenancy.Client", on_delete=models.CASCADE, related_name="+")
    resolved_at = models.DateTimeField(help_text="The resolution rated.")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    comment = models.TextField(blank=True)
    contact = models.ForeignKey(
        "tenancy.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_client_path: ClassVar[str | None] = "client"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "CSAT response"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "resolved_at"], name="csat_once_per_resolution"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX), name="csat_rating_range"
            ),
        ]
        indexes = [models.Index(fields=["msp", "-created_at"], name="csat_msp_recent")]

    def __str__(self) -> str:
        return f"{self.rating}/5 on ticket {self.ticket_id}"
