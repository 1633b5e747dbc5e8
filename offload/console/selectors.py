"""Reads for the console's home pages: a fixed number of queries however many rows there are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from offload.accounts.choices import PROVIDER_ROLES
from offload.accounts.models import Membership
from offload.tenancy import filtersets
from offload.tenancy.choices import AgreementService
from offload.tenancy.models import Asset, Brand, Client, Contact, ServiceAgreement, Site

HOME_CLIENTS = 10


@dataclass(frozen=True)
class ServedMSP:
    """An MSP a provider serves, through one agreement, and how many of its clients it covers."""

    agreement: ServiceAgreement
    covered_clients: int

    @property
    def service_labels(self) -> list[str]:
        labels = dict(AgreementService.choices)
        return [str(labels.get(s, s)) for s in self.agreement.services]


def msps_served() -> list[ServedMSP]:
    """The acting provider's agreements in scope, with covered-client counts (two queries)."""
    agreements = list(
        ServiceAgreement.objects.select_related("msp")
        .annotate(listed=Count("clients"))
        .order_by("msp__name", "id")
    )
    per_msp = dict(Client.objects.order_by().values_list("msp_id").annotate(n=Count("id")))
    return [
        ServedMSP(agreement=a, covered_clients=per_msp.get(a.msp_id, 0) if a.covers_all_clients else a.listed)
        for a in agreements
    ]


def provider_agents(provider_id: int) -> list[Membership]:
    """The provider's staff: admins, NOC leads and agents."""
    return list(
        Membership.objects.filter(provider_id=provider_id, role__in=list(PROVIDER_ROLES), is_active=True)
        .select_related("user")
        .order_by("role", "user__first_name", "user__email")
    )


def msp_totals() -> dict[str, int]:
    """How many clients, sites, contacts and assets the acting staff member sees (four counts)."""
    return {
        "clients": Client.objects.filter(is_active=True).count(),
        "sites": Site.objects.count(),
        "contacts": Contact.objects.filter(is_active=True).count(),
        "assets": Asset.objects.filter(is_active=True).count(),
    }


def home_clients() -> filtersets.Page:
    """The first clients for the MSP home, with their counts (one query)."""
    return filtersets.paginate(
        filtersets.clients_with_counts(), keys=filtersets.CLIENT_KEYS, cursor="", size=HOME_CLIENTS
    )


def portal_slug_for(msp_id: int) -> str | None:
    """Where a client user's portal lives (path-based address)."""
    return Brand.objects.filter(msp_id=msp_id).values_list("portal_slug", flat=True).first()


def brand_of(msp_id: int) -> Brand | None:
    return Brand.objects.filter(msp_id=msp_id).prefetch_related("hosts").first()
