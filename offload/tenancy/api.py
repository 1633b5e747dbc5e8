"""The API for clients and what belongs to them: sites, contacts, assets.

No operation scopes anything itself: the API base authenticates and activates the actor's scope,
and every model here uses the scoped `TenantManager`, so rows the actor may not see do not exist.
Writes go through `offload.tenancy.services`, which check permissions.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, StringConstraints

from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, SearchQuery, text
from offload.core.errors import PermissionDenied
from offload.tenancy.access import access_asset, access_client, access_contact, access_site
from offload.tenancy.choices import AssetKind
from offload.tenancy.models import MSP, Asset, Client, Contact, Site
from offload.tenancy.scoping import current_scope
from offload.tenancy.services import assets, clients, contacts, sites
from offload.tenancy.services.base import InvalidInput

router = Router()

Domain = Annotated[
    str, StringConstraints(max_length=253, pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
]
Country = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2})?$")]


def _known_zone(value: str) -> str:
    if value and value not in zoneinfo.available_timezones():
        raise ValueError("Use an IANA time zone such as Europe/Berlin.")
    return value


TimeZone = Annotated[
    str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_+\-/]*$"), AfterValidator(_known_zone)
]


# --- Schemas ------------------------------------------------------------------------------------


class ClientOut(Schema):
    id: int
    name: str
    short_name: str
    email_domains: list[str]
    phone: str
    website: str
    notes: str
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ClientIn(Schema):
    name: text(200, min_length=1)  # type: ignore[valid-type]
    short_name: text(40) = ""  # type: ignore[valid-type]
    email_domains: list[Domain] = Field(default_factory=list, max_length=20)
    phone: text(40) = ""  # type: ignore[valid-type]
    website: text(200) = ""  # type: ignore[valid-type]
    notes: text(5000, multiline=True) = ""  # type: ignore[valid-type]
    is_active: bool = True


class ClientPatch(Schema):
    """Only the fields sent are changed."""

    name: text(200, min_length=1) | None = None  # type: ignore[valid-type]
    short_name: text(40) | None = None  # type: ignore[valid-type]
    email_domains: list[Domain] | None = Field(default=None, max_length=20)
    phone: text(40) | None = None  # type: ignore[valid-type]
    website: text(200) | None = None  # type: ignore[valid-type]
    notes: text(5000, multiline=True) | None = None  # type: ignore[valid-type]
    is_active: bool | None = None


class SiteOut(Schema):
    id: int
    client_id: int
    name: str
    address: str
    city: str
    postal_code: str
    country: str
    time_zone: str
    phone: str


class SiteIn(Schema):
    client_id: Id
    name: text(200, min_length=1)  # type: ignore[valid-type]
    address: text(300) = ""  # type: ignore[valid-type]
    city: text(120) = ""  # type: ignore[valid-type]
    postal_code: text(20) = ""  # type: ignore[valid-type]
    country: Country = ""
    time_zone: TimeZone = ""
    phone: text(40) = ""  # type: ignore[valid-type]


class SitePatch(Schema):
    name: text(200, min_length=1) | None = None  # type: ignore[valid-type]
    address: text(300) | None = None  # type: ignore[valid-type]
    city: text(120) | None = None  # type: ignore[valid-type]
    postal_code: text(20) | None = None  # type: ignore[valid-type]
    country: Country | None = None
    time_zone: TimeZone | None = None
    phone: text(40) | None = None  # type: ignore[valid-type]


class ContactOut(Schema):
    id: int
    client_id: int
    site_id: int | None
    first_name: str
    last_name: str
    email: str
    phone: str
    mobile: str
    job_title: str
    is_active: bool


class ContactIn(Schema):
    client_id: Id
    site_id: Id | None = None
    first_name: text(100, min_length=1)  # type: ignore[valid-type]
    last_name: text(100) = ""  # type: ignore[valid-type]
    email: text(254) = ""  # type: ignore[valid-type]
    phone: text(40) = ""  # type: ignore[valid-type]
    mobile: text(40) = ""  # type: ignore[valid-type]
    job_title: text(120) = ""  # type: ignore[valid-type]
    is_active: bool = True


class ContactPatch(Schema):
    site_id: Id | None = None
    first_name: text(100, min_length=1) | None = None  # type: ignore[valid-type]
    last_name: text(100) | None = None  # type: ignore[valid-type]
    email: text(254) | None = None  # type: ignore[valid-type]
    phone: text(40) | None = None  # type: ignore[valid-type]
    mobile: text(40) | None = None  # type: ignore[valid-type]
    job_title: text(120) | None = None  # type: ignore[valid-type]
    is_active: bool | None = None


class AssetOut(Schema):
    id: int
    client_id: int
    site_id: int | None
    contact_id: int | None
    name: str
    kind: AssetKind
    hostname: str
    serial_number: str
    manufacturer: str
    model_name: str
    operating_system: str
    ip_address: str | None
    is_active: bool


class AssetIn(Schema):
    client_id: Id
    site_id: Id | None = None
    contact_id: Id | None = None
    name: text(200, min_length=1)  # type: ignore[valid-type]
    kind: AssetKind = AssetKind.WORKSTATION
    hostname: text(253) = ""  # type: ignore[valid-type]
    serial_number: text(100) = ""  # type: ignore[valid-type]
    manufacturer: text(100) = ""  # type: ignore[valid-type]
    model_name: text(100) = ""  # type: ignore[valid-type]
    operating_system: text(100) = ""  # type: ignore[valid-type]
    ip_address: text(45) | None = None  # type: ignore[valid-type]
    is_active: bool = True


class AssetPatch(Schema):
    site_id: Id | None = None
    contact_id: Id | None = None
    name: text(200, min_length=1) | None = None  # type: ignore[valid-type]
    kind: AssetKind | None = None
    hostname: text(253) | None = None  # type: ignore[valid-type]
    serial_number: text(100) | None = None  # type: ignore[valid-type]
    manufacturer: text(100) | None = None  # type: ignore[valid-type]
    model_name: text(100) | None = None  # type: ignore[valid-type]
    operating_system: text(100) | None = None  # type: ignore[valid-type]
    ip_address: text(45) | None = None  # type: ignore[valid-type]
    is_active: bool | None = None


class ClientPage(CursorPage[ClientOut]):
    pass


class SitePage(CursorPage[SiteOut]):
    pass


class ContactPage(CursorPage[ContactOut]):
    pass


class AssetPage(CursorPage[AssetOut]):
    pass


class ListParams(Schema):
    q: SearchQuery | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class ClientFilters(ListParams):
    is_active: bool | None = None
    order: Literal["name", "-name", "created_at", "-created_at"] = "name"


class SiteFilters(ListParams):
    client: Id | None = None
    order: Literal["name", "-name", "created_at", "-created_at"] = "name"


class ContactFilters(ListParams):
    client: Id | None = None
    site: Id | None = None
    is_active: bool | None = None
    order: Literal["last_name", "-last_name", "created_at", "-created_at"] = "last_name"


class AssetFilters(ListParams):
    client: Id | None = None
    site: Id | None = None
    kind: AssetKind | None = None
    is_active: bool | None = None
    order: Literal["name", "-name", "created_at", "-created_at"] = "name"


# --- Helpers ------------------------------------------------------------------------------------


def _search(qs: QuerySet, q: str | None, fields: tuple[str, ...]) -> QuerySet:
    q = (q or "").strip()
    if not q:
        return qs
    predicate = Q()
    for name in fields:
        predicate |= Q(**{f"{name}__icontains": q})
    return qs.filter(predicate)


def _body_client(client_id: int) -> Client:
    """The client a new row is created under: one the actor cannot see is an invalid input, not a leak."""
    found = Client.objects.filter(pk=client_id).first()
    if found is None:
        raise InvalidInput("No such client.", field="client_id")
    return found


def _body_site(site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    found = Site.objects.filter(pk=site_id).first()
    if found is None:
        raise InvalidInput("No such site.", field="site_id")
    return found


def _body_contact(contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    found = Contact.objects.filter(pk=contact_id).first()
    if found is None:
        raise InvalidInput("No such contact.", field="contact_id")
    return found


def _acting_msp() -> MSP:
    """The MSP a new client belongs to: the acting staff member's own."""
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Only an MSP's staff add clients.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


def _refs(changes: dict[str, Any]) -> dict[str, Any]:
    """Turn `site_id` / `contact_id` inputs into visible rows (or 422)."""
    if "site_id" in changes:
        changes["site"] = _body_site(changes.pop("site_id"))
    if "contact_id" in changes:
        changes["contact"] = _body_contact(changes.pop("contact_id"))
    return changes


# --- Clients ------------------------------------------------------------------------------------


@router.get("/clients", response=with_errors({200: ClientPage}), tags=["clients"])
def list_clients(request: HttpRequest, filters: Query[ClientFilters]) -> dict[str, Any]:
    """Clients the actor sees, by name (search: name, short name)."""
    qs = _search(Client.objects.all(), filters.q, ("name", "short_name"))
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return paginate(request, qs, order=filters.order, limit=filters.limit, cursor=filters.cursor)


@router.post("/clients", response=with_errors({201: ClientOut}), tags=["clients"])
def create_client(request: HttpRequest, payload: ClientIn) -> Status:
    """Add a client to the actor's MSP (owners and service managers)."""
    actor = request.auth  # type: ignore[attr-defined]
    return Status(201, clients.create_client(actor=actor, msp=_acting_msp(), **payload.model_dump()))


@router.get("/clients/{client_id}", response=with_errors({200: ClientOut}), tags=["clients"])
def get_client(request: HttpRequest, client_id: Id) -> Client:
    return access_client(request, client_id)


@router.patch("/clients/{client_id}", response=with_errors({200: ClientOut}), tags=["clients"])
def update_client(request: HttpRequest, client_id: Id, payload: ClientPatch) -> Client:
    client = access_client(request, client_id)
    return clients.update_client(
        actor=request.auth,  # type: ignore[attr-defined]
        client=client,
        changes=payload.model_dump(exclude_unset=True),
    )


# --- Sites --------------------------------------------------------------------------------------


@router.get("/sites", response=with_errors({200: SitePage}), tags=["sites"])
def list_sites(request: HttpRequest, filters: Query[SiteFilters]) -> dict[str, Any]:
    """Sites of the clients the actor sees (search: name, city, postal code)."""
    qs = _search(Site.objects.all(), filters.q, ("name", "city", "postal_code"))
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    return paginate(request, qs, order=filters.order, limit=filters.limit, cursor=filters.cursor)


@router.post("/sites", response=with_errors({201: SiteOut}), tags=["sites"])
def create_site(request: HttpRequest, payload: SiteIn) -> Status:
    data = payload.model_dump()
    client = _body_client(data.pop("client_id"))
    actor = request.auth  # type: ignore[attr-defined]
    return Status(201, sites.create_site(actor=actor, client=client, **data))


@router.get("/sites/{site_id}", response=with_errors({200: SiteOut}), tags=["sites"])
def get_site(request: HttpRequest, site_id: Id) -> Site:
    return access_site(request, site_id)


@router.patch("/sites/{site_id}", response=with_errors({200: SiteOut}), tags=["sites"])
def update_site(request: HttpRequest, site_id: Id, payload: SitePatch) -> Site:
    site = access_site(request, site_id)
    return sites.update_site(
        actor=request.auth,  # type: ignore[attr-defined]
        site=site,
        changes=payload.model_dump(exclude_unset=True),
    )


# --- Contacts -----------------------------------------------------------------------------------


@router.get("/contacts", response=with_errors({200: ContactPage}), tags=["contacts"])
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> dict[str, Any]:
    """People at the clients the actor sees (search: names, email, phone)."""
    qs = _search(Contact.objects.all(), filters.q, ("first_name", "last_name", "email", "phone"))
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.site is not None:
        qs = qs.filter(site_id=filters.site)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return paginate(request, qs, order=filters.order, limit=filters.limit, cursor=filters.cursor)


@router.post("/contacts", response=with_errors({201: ContactOut}), tags=["contacts"])
def create_contact(request: HttpRequest, payload: ContactIn) -> Status:
    data = payload.model_dump()
    client = _body_client(data.pop("client_id"))
    data = _refs(data)
    actor = request.auth  # type: ignore[attr-defined]
    return Status(201, contacts.create_contact(actor=actor, client=client, **data))


@router.get("/contacts/{contact_id}", response=with_errors({200: ContactOut}), tags=["contacts"])
def get_contact(request: HttpRequest, contact_id: Id) -> Contact:
    return access_contact(request, contact_id)


@router.patch("/contacts/{contact_id}", response=with_errors({200: ContactOut}), tags=["contacts"])
def update_contact(request: HttpRequest, contact_id: Id, payload: ContactPatch) -> Contact:
    contact = access_contact(request, contact_id)
    changes = _refs(payload.model_dump(exclude_unset=True))
    return contacts.update_contact(actor=request.auth, contact=contact, changes=changes)  # type: ignore[attr-defined]


# --- Assets -------------------------------------------------------------------------------------


@router.get("/assets", response=with_errors({200: AssetPage}), tags=["assets"])
def list_assets(request: HttpRequest, filters: Query[AssetFilters]) -> dict[str, Any]:
    """Devices of the clients the actor sees (search: name, host name, serial number)."""
    qs = _search(Asset.objects.all(), filters.q, ("name", "hostname", "serial_number"))
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.site is not None:
        qs = qs.filter(site_id=filters.site)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return paginate(request, qs, order=filters.order, limit=filters.limit, cursor=filters.cursor)


@router.post("/assets", response=with_errors({201: AssetOut}), tags=["assets"])
def create_asset(request: HttpRequest, payload: AssetIn) -> Status:
    data = payload.model_dump()
    client = _body_client(data.pop("client_id"))
    data = _refs(data)
    actor = request.auth  # type: ignore[attr-defined]
    return Status(201, assets.create_asset(actor=actor, client=client, **data))


@router.get("/assets/{asset_id}", response=with_errors({200: AssetOut}), tags=["assets"])
def get_asset(request: HttpRequest, asset_id: Id) -> Asset:
    return access_asset(request, asset_id)


@router.patch("/assets/{asset_id}", response=with_errors({200: AssetOut}), tags=["assets"])
def update_asset(request: HttpRequest, asset_id: Id, payload: AssetPatch) -> Asset:
    asset = access_asset(request, asset_id)
    changes = _refs(payload.model_dump(exclude_unset=True))
    return assets.update_asset(actor=request.auth, asset=asset, changes=changes)  # type: ignore[attr-defined]
