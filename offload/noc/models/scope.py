"""The scope matrix: which of an MSP's tickets the NOC may work, needs approval for, or never takes.

An MSP has one default `ScopeMatrix` (client empty) and may add one override matrix per client.
Every save writes a new `ScopeMatrixVersion` (author, time, note, default decision) with its
`ScopeRule` rows; a matrix points at its current version, and older versions stay for "who
changed what" (a diff between two versions). Rules key on a category (its whole subtree) and
optionally an asset kind; the most specific rule wins, a client's override before the MSP's
matrix, and the MSP matrix's default decides what no rule matches.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.tenancy.choices import AssetKind
from offload.tenancy.scoping import TenantModel


class ScopeDecision(models.TextChoices):
    IN_SCOPE = "in_scope", "NOC in scope"
    NEEDS_APPROVAL = "needs_approval", "Needs MSP approval"
    ESCALATE = "escalate", "Always the MSP"


class ScopeMatrix(TenantModel):
    """An MSP's scope matrix (client empty) or one client's override of it."""

    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="scope_matrices"
    )
    current_version = models.ForeignKey(
        "noc.ScopeMatrixVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_client_path: ClassVar[str | None] = "client"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["msp"],
                condition=models.Q(client__isnull=True),
                name="scope_matrix_one_default_per_msp",
            ),
            models.UniqueConstraint(
                fields=["msp", "client"],
                condition=models.Q(client__isnull=False),
                name="scope_matrix_one_override_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"Scope matrix of {self.client or 'the MSP'}"

    @property
    def is_override(self) -> bool:
        return self.client_id is not None


class ScopeMatrixVersion(TenantModel):
    """One saved state of a scope matrix: who saved it, when, why, and its default decision."""

    matrix = models.ForeignKey(ScopeMatrix, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    # Only the MSP's matrix has a default; an override without a matching rule falls through to it.
    default_decision = models.CharField(max_length=20, choices=ScopeDecision.choices, blank=True)

    tenant_client_path: ClassVar[str | None] = "matrix__client"

    class Meta:
        ordering = ["matrix", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["matrix", "number"], name="scope_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class ScopeRule(TenantModel):
    """(category subtree, optional asset kind) → decision, within one matrix version."""

    version = models.ForeignKey(ScopeMatrixVersion, on_delete=models.CASCADE, related_name="rules")
    category = models.ForeignKey(
        "servicedesk.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    asset_kind = models.CharField(max_length=30, choices=AssetKind.choices, blank=True)
    decision = models.CharField(max_length=20, choices=ScopeDecision.choices)

    tenant_client_path: ClassVar[str | None] = "version__matrix__client"

    class Meta:
        ordering = ["version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "category", "asset_kind"], name="scope_rule_unique_key_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or 'any category'} / {self.asset_kind or 'any asset'} → {self.decision}"
