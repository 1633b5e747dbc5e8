"""What an MSP configures for its desk: the priority matrix and the category tree."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk.choices import Impact, Priority, Urgency
from offload.servicedesk.models import Category, PriorityMatrix
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP

IMP, URG, P = Impact, Urgency, Priority
# ITIL's usual 3x3: the worst of both drives the priority, and only high x high is critical.
DEFAULT_MATRIX: dict[tuple[str, str], str] = {
    (IMP.HIGH, URG.HIGH): P.P1,
    (IMP.HIGH, URG.MEDIUM): P.P2,
    (IMP.MEDIUM, URG.HIGH): P.P2,
    (IMP.HIGH, URG.LOW): P.P3,
    (IMP.MEDIUM, URG.MEDIUM): P.P3,
    (IMP.LOW, URG.HIGH): P.P3,
    (IMP.MEDIUM, URG.LOW): P.P4,
    (IMP.LOW, URG.MEDIUM): P.P4,
    (IMP.LOW, URG.LOW): P.P4,
}


def ensure_default_priority_matrix(*, msp: MSP) -> int:
    """Create the cells of `msp`'s matrix that are missing, with the default priorities.

    Idempotent and safe to run concurrently (existing cells are left as the MSP set them);
    returns how many cells it created.
    """
    rows = [
        PriorityMatrix(msp=msp, impact=impact, urgency=urgency, priority=priority)
        for (impact, urgency), priority in DEFAULT_MATRIX.items()
    ]
    with transaction.atomic():
        before = PriorityMatrix.objects.filter(msp=msp).count()
        PriorityMatrix.objects.bulk_create(rows, ignore_conflicts=True)
        return PriorityMatrix.objects.filter(msp=msp).count() - before


def priority_for(*, msp: MSP, impact: str, urgency: str) -> str:
    """The priority `msp`'s matrix gives impact x urgency (the default matrix fills a gap)."""
    cell = PriorityMatrix.objects.filter(msp=msp, impact=impact, urgency=urgency).values_list(
        "priority", flat=True
    )
    found = cell.first()
    return found if found is not None else DEFAULT_MATRIX[(impact, urgency)]


def set_priority_cell(*, actor: User, msp: MSP, impact: str, urgency: str, priority: str) -> PriorityMatrix:
    """Change one cell of `msp`'s matrix (affects tickets opened or re-rated from now on)."""
    require(actor, "servicedesk.manage_desk")
    if impact not in Impact.values or urgency not in Urgency.values or priority not in Priority.values:
        raise DomainError("Unknown impact, urgency or priority.", code="invalid_choice")
    with transaction.atomic():
        cell, _ = PriorityMatrix.objects.update_or_create(
            msp=msp, impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    return cell


def create_category(*, actor: User, msp: MSP, name: str, parent: Category | None = None) -> Category:
    """Add a category under `parent` (or at the top); its path is the parent's path plus its name."""
    require(actor, "servicedesk.manage_desk")
    name = " ".join(name.split())
    if not name or Category.PATH_SEPARATOR.strip() in name:
        raise DomainError("A category needs a name without '/'.", code="invalid_name", field="name")
    if parent is not None and parent.msp_id != msp.pk:
        raise DomainError(
            "The parent category belongs to another MSP.", code="invalid_parent", field="parent"
        )
    path = f"{parent.path}{Category.PATH_SEPARATOR}{name}" if parent else name
    try:
        with transaction.atomic():
            return Category.objects.create(msp=msp, parent=parent, name=name, path=path)
    except IntegrityError as exc:
        raise DomainError(f"There is already a category {path!r}.", code="duplicate", field="name") from exc
