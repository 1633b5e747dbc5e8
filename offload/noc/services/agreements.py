"""Agreement terms: which agreement covers a ticket, its terms (or the defaults), and editing them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from offload.accounts.models import User
from offload.core.businesstime import Calendar
from offload.core.errors import DomainError
from offload.noc.choices import Coverage
from offload.noc.models import AgreementTerms
from offload.noc.models.agreements import OLA_KINDS
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Ticket
from offload.servicedesk.services.guards import require
from offload.tenancy.choices import AgreementStatus
from offload.tenancy.models import ServiceAgreement


def covering_agreement(ticket: Ticket) -> ServiceAgreement | None:
    """The MSP's active agreement in force today that covers the ticket's client (oldest first)."""
    today = timezone.localdate()
    candidates = (
        ServiceAgreement.objects.filter(
            msp_id=ticket.msp_id, status=AgreementStatus.ACTIVE, starts_on__lte=today
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(Q(covers_all_clients=True) | Q(clients=ticket.client_id))
        .select_related("provider")
        .order_by("starts_on", "id")
        .distinct()
    )
    return candidates.first()


def terms_for(agreement: ServiceAgreement) -> AgreementTerms:
    """The agreement's terms; an unsaved row with the defaults when none were set yet."""
    terms = AgreementTerms.objects.filter(agreement_id=agreement.pk).first()
    if terms is None:
        terms = AgreementTerms(agreement=agreement, msp_id=agreement.msp_id)
    return terms


TERM_FIELDS = {
    "coverage", "business_hours", "ola_targets", "auto_accept", "rate_per_hour", "minimum_minutes",
    "increment_minutes", "rate_per_ticket", "rate_per_alert", "currency",
}  # fmt: skip


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - TERM_FIELDS
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]!r} is not a term.", code="not_editable")
    clean = dict(changes)
    if "coverage" in clean and clean["coverage"] not in Coverage.values:
        raise DomainError("Unknown coverage.", code="invalid_choice", field="coverage")
    if "business_hours" in clean:
        spec = clean["business_hours"] or {}
        try:
            calendar = Calendar.from_spec(spec)
        except (ValueError, KeyError, TypeError) as exc:
            raise DomainError(
                f"Invalid business hours: {exc}", code="invalid_calendar", field="business_hours"
            ) from exc
        clean["business_hours"] = calendar.to_spec()
    if "ola_targets" in clean:
        targets = clean["ola_targets"] or {}
        if not isinstance(targets, dict):
            raise DomainError("OLA targets are given per priority.", code="invalid_ola", field="ola_targets")
        cleaned: dict[str, dict[str, int]] = {}
        for priority, values in targets.items():
            if priority not in Priority.values or not isinstance(values, dict):
                raise DomainError(f"Unknown priority {priority!r}.", code="invalid_ola", field="ola_targets")
            row: dict[str, int] = {}
            for kind, minutes in values.items():
                if kind not in OLA_KINDS:
                    raise DomainError(
                        f"Unknown OLA target {kind!r}.", code="invalid_ola", field="ola_targets"
                    )
                try:
                    row[kind] = int(minutes)
                except (TypeError, ValueError) as exc:
                    raise DomainError(
                        "OLA minutes are whole numbers.", code="invalid_ola", field="ola_targets"
                    ) from exc
                if row[kind] <= 0:
                    raise DomainError("OLA minutes are positive.", code="invalid_ola", field="ola_targets")
            cleaned[priority] = row
        clean["ola_targets"] = cleaned
    for field in ("rate_per_hour", "rate_per_ticket", "rate_per_alert"):
        if field in clean:
            try:
                value = Decimal(str(clean[field]))
            except InvalidOperation as exc:
                raise DomainError("A rate is a number.", code="invalid_rate", field=field) from exc
            if value < 0 or value >= Decimal("100000000"):
                raise DomainError("A rate is zero or more.", code="invalid_rate", field=field)
            clean[field] = value.quantize(Decimal("0.01"))
    for field in ("minimum_minutes", "increment_minutes"):
        if field in clean:
            try:
                clean[field] = int(clean[field])
            except (TypeError, ValueError) as exc:
                raise DomainError("Minutes are whole numbers.", code="invalid_minutes", field=field) from exc
            if not 0 <= clean[field] <= 24 * 60:
                raise DomainError("Minutes are between 0 and 1440.", code="invalid_minutes", field=field)
    if "currency" in clean:
        currency = str(clean["currency"]).upper()
        if len(currency) != 3 or not currency.isalpha():
            raise DomainError("A currency is a three-letter code.", code="invalid_currency", field="currency")
        clean["currency"] = currency
    if "auto_accept" in clean:
        clean["auto_accept"] = bool(clean["auto_accept"])
    return clean


def update_terms(
    *, actor: User | None, agreement: ServiceAgreement, changes: dict[str, Any]
) -> AgreementTerms:
    """Set the agreement's terms (provider admins only); refused with `not_editable` or `invalid_*`."""
    require(actor, "noc.edit_terms", agreement)
    clean = _clean(changes)
    with transaction.atomic():
        terms = terms_for(agreement)
        for field, value in clean.items():
            setattr(terms, field, value)
        terms._history_user = actor  # type: ignore[attr-defined]  # read by simple-history
        terms.save()
    return terms
