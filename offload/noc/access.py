"""Single NOC objects are read only through these helpers: a foreign id answers NotFound."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from offload.core.errors import NotFound
from offload.noc.models import AgreementTerms, Delegation
from offload.tenancy.models import ServiceAgreement


def access_delegation(actor: object, delegation_id: int | str, *, for_update: bool = False) -> Delegation:
    """The delegation `delegation_id` if the acting scope sees it (never for clients), else NotFound."""
    queryset = Delegation.objects.select_related("ticket", "ticket__client", "agreement", "provider")
    if for_update:
        queryset = Delegation.objects.select_for_update(of=("self",)).select_related(
            "ticket", "ticket__client", "agreement", "provider"
        )
    try:
        return queryset.get(pk=delegation_id)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No delegation matches the given query.") from exc


def access_agreement(actor: object, agreement_id: int | str) -> ServiceAgreement:
    """A service agreement the scope sees (provider staff: their own provider's), else NotFound."""
    try:
        return ServiceAgreement.objects.select_related("msp", "provider").get(pk=agreement_id)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No service agreement matches the given query.") from exc


def access_terms(actor: object, terms_id: int | str) -> AgreementTerms:
    try:
        return AgreementTerms.objects.select_related("agreement", "agreement__msp").get(pk=terms_id)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No agreement terms match the given query.") from exc
