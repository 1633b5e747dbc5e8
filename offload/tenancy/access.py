"""Single tenant objects are read only through these helpers.

Each looks the object up through the model's scoped manager, so another tenant's object (or a
client a limited technician may not see) answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from offload.tenancy.models import Asset, Client, Contact, Site


def _get_or_404[M: Model](queryset: QuerySet[M], pk: object) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc


def access_client(request: HttpRequest | None, pk: object) -> Client:
    """The client `pk` if the acting scope sees it, else Http404."""
    return _get_or_404(Client.objects.all(), pk)


def access_site(request: HttpRequest | None, pk: object) -> Site:
    """The site `pk` if the acting scope sees it, else Http404."""
    return _get_or_404(Site.objects.select_related("client"), pk)


def access_contact(request: HttpRequest | None, pk: object) -> Contact:
    """The contact `pk` if the acting scope sees it, else Http404."""
    return _get_or_404(Contact.objects.select_related("client", "site"), pk)


def access_asset(request: HttpRequest | None, pk: object) -> Asset:
    """The asset `pk` if the acting scope sees it, else Http404."""
    return _get_or_404(Asset.objects.select_related("client", "site", "contact"), pk)
