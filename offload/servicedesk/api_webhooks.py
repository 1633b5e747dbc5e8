"""The API of outbound webhooks: an MSP's endpoints, their delivery log, redelivery.

Owners and service managers only (an endpoint's secret signs what the MSP's systems trust).
The secret is shown once, in the answer that creates the endpoint or rotates the secret.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from offload.accounts.models import User
from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.core.errors import NotFound, PermissionDenied
from offload.servicedesk.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from offload.servicedesk.services import webhooks
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP
from offload.tenancy.scoping import current_scope

router = Router()

EventName = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[a-z_]+(\.[a-z_*]+)*$")]
Url = Annotated[
    str, StringConstraints(min_length=8, max_length=500, pattern=r"^https?://[^\s\u0000-\u001f]+$")
]


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="Shown only when the endpoint is created or its secret rotated.")


class EndpointIn(Schema):
    name: text(120, min_length=1)  # type: ignore[valid-type]
    url: Url
    events: list[EventName] = Field(default_factory=list, max_length=50)
    is_active: bool = True


class EndpointPatch(Schema):
    name: text(120, min_length=1) | None = None  # type: ignore[valid-type]
    url: Url | None = None
    events: list[EventName] | None = Field(default=None, max_length=50)
    is_active: bool | None = None
    rotate_secret: bool = False


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event: str
    ticket_id: int | None
    status: DeliveryStatus
    attempts: int
    status_code: int | None
    response_excerpt: str
    error: str
    next_retry_at: datetime.datetime | None
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
    payload: dict[str, Any]
    log: list[dict[str, Any]]


class EndpointPage(CursorPage[EndpointOut]):
    pass


class DeliveryPage(CursorPage[DeliveryOut]):
    pass


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50


class DeliveryFilters(PageParams):
    status: DeliveryStatus | None = None


def _manager(request: HttpRequest) -> User:
    actor: User = request.auth  # type: ignore[attr-defined]
    require(actor, "servicedesk.manage_webhooks")
    return actor


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    found = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if found is None:
        raise NotFound("No webhook endpoint matches the given query.")
    return found


def _acting_msp() -> MSP:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Only an MSP's managers add webhooks.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


@router.get("/webhook-endpoints", response=with_errors({200: EndpointPage}), tags=["webhooks"])
def list_endpoints(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    _manager(request)
    return paginate(
        request, WebhookEndpoint.objects.all(), order="name", limit=params.limit, cursor=params.cursor
    )


@router.post("/webhook-endpoints", response=with_errors({201: EndpointWithSecretOut}), tags=["webhooks"])
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Status:
    """Add an endpoint; ticket events are POSTed to it signed with the secret in this answer."""
    actor = _manager(request)
    endpoint = webhooks.create_endpoint(actor=actor, msp=_acting_msp(), **payload.model_dump())
    return Status(201, endpoint)


@router.get("/webhook-endpoints/{endpoint_id}", response=with_errors({200: EndpointOut}), tags=["webhooks"])
def get_endpoint(request: HttpRequest, endpoint_id: Id) -> WebhookEndpoint:
    _manager(request)
    return _endpoint(endpoint_id)


@router.patch(
    "/webhook-endpoints/{endpoint_id}", response=with_errors({200: EndpointWithSecretOut}), tags=["webhooks"]
)
def update_endpoint(request: HttpRequest, endpoint_id: Id, payload: EndpointPatch) -> WebhookEndpoint:
    """Change an endpoint; `rotate_secret` makes a new secret (answered once)."""
    actor = _manager(request)
    endpoint = _endpoint(endpoint_id)
    return webhooks.update_endpoint(
        actor=actor, endpoint=endpoint, changes=payload.model_dump(exclude_unset=True)
    )


@router.delete("/webhook-endpoints/{endpoint_id}", response=with_errors({204: None}), tags=["webhooks"])
def delete_endpoint(request: HttpRequest, endpoint_id: Id) -> Status:
    actor = _manager(request)
    webhooks.delete_endpoint(actor=actor, endpoint=_endpoint(endpoint_id))
    return Status(204, None)


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    response=with_errors({200: DeliveryPage}),
    tags=["webhooks"],
)
def list_deliveries(request: HttpRequest, endpoint_id: Id, filters: Query[DeliveryFilters]) -> dict[str, Any]:
    """The delivery log of an endpoint, newest first (every attempt is in `log`)."""
    _manager(request)
    endpoint = _endpoint(endpoint_id)
    queryset = WebhookDelivery.objects.filter(endpoint=endpoint)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    return paginate(request, queryset, order="-created_at", limit=filters.limit, cursor=filters.cursor)


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver", response=with_errors({202: DeliveryOut}), tags=["webhooks"]
)
def redeliver(request: HttpRequest, delivery_id: Id) -> Status:
    """Send a delivery again (queued now; earlier attempts stay in its log)."""
    actor = _manager(request)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("No webhook delivery matches the given query.")
    return Status(202, webhooks.redeliver(actor=actor, delivery=delivery))
