"""The API for monitoring alerts: integration tokens, alerts, quarantined payloads, maintenance windows.

The webhook endpoints themselves are not here (they authenticate by integration token, see
views.py). Every model is scoped, so rows the actor may not see do not exist; reading alerts is
for staff who work tickets, and services check the write permissions.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from offload.alerts.access import access_alert, access_integration, access_window
from offload.alerts.choices import AlertState, CorrelateBy, IntegrationKind, PayloadStatus
from offload.alerts.models import Alert, AlertIntegration, MaintenanceWindow, RawAlertPayload
from offload.alerts.services import integrations, maintenance
from offload.alerts.services.integrations import endpoint_url
from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.servicedesk.services.guards import require
from offload.tenancy.models import MSP, Asset, Client
from offload.tenancy.scoping import current_scope
from offload.tenancy.services.base import InvalidInput

router = Router(tags=["alerts"])


# --- Schemas ------------------------------------------------------------------------------------


class IntegrationOut(Schema):
    id: int
    name: str
    kind: str
    client_id: int | None
    correlate_by: str
    key_prefix: str
    endpoint: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None

    @staticmethod
    def resolve_endpoint(obj: AlertIntegration) -> str:
        return endpoint_url(obj.kind)


class IntegrationCreated(IntegrationOut):
    token: str


class IntegrationIn(Schema):
    kind: IntegrationKind
    name: text(100) = ""  # type: ignore[valid-type]
    client_id: Id | None = None
    msp_id: Id | None = None
    correlate_by: CorrelateBy = CorrelateBy.CONDITION


class AlertOut(Schema):
    id: int
    source: str
    fingerprint: str
    status: str
    severity: str
    summary: str
    description: str
    labels: dict[str, Any]
    annotations: dict[str, Any]
    host: str
    condition_key: str
    group_key: str
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    first_received_at: datetime.datetime
    last_received_at: datetime.datetime
    count: int
    is_flapping: bool
    is_suppressed: bool
    client_id: int | None
    asset_id: int | None
    ticket_id: int | None


class AlertFilters(Schema):
    status: AlertState | None = None
    client: Id | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class PayloadOut(Schema):
    id: int
    kind: str
    integration_id: int
    status: str
    error_code: str
    error: str
    content_type: str
    size: int
    alert_count: int
    received_at: datetime.datetime
    body_preview: str

    @staticmethod
    def resolve_body_preview(obj: RawAlertPayload) -> str:
        return bytes(obj.body[:2000]).decode("utf-8", "replace")


class PayloadFilters(Schema):
    status: PayloadStatus | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class WindowOut(Schema):
    id: int
    name: str
    client_id: int | None
    asset_id: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class WindowIn(Schema):
    name: text(200, min_length=1)  # type: ignore[valid-type]
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    client_id: Id | None = None
    asset_id: Id | None = None
    msp_id: Id | None = None


class PageFilters(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50


# --- helpers ------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "alerts.view_alerts")
    return actor


def _visible[M: (Client, Asset, MSP)](model: type[M], pk: int | None, field: str) -> M | None:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput(f"No such {model._meta.verbose_name}.", field=field)
    return found


def _msp_for(msp_id: int | None, client: Client | None, asset: Asset | None) -> MSP:
    """The MSP a new row belongs to: the client's, the one named, or the actor's only MSP."""
    if asset is not None:
        return asset.msp
    if client is not None:
        return client.msp
    if msp_id is not None:
        found = _visible(MSP, msp_id, "msp_id")
        assert found is not None
        return found
    msp_ids = sorted(current_scope().msp_ids)
    if len(msp_ids) != 1:
        raise InvalidInput("Name the MSP (msp_id): you work for several.", field="msp_id")
    return MSP.objects.get(pk=msp_ids[0])


# --- integrations -------------------------------------------------------------------------------


@router.get("/alert-integrations", response=with_errors({200: CursorPage[IntegrationOut]}))
def list_integrations(request: HttpRequest, filters: Query[PageFilters]) -> dict[str, Any]:
    """Alert integration tokens (their prefix, never the secret), newest first."""
    _staff(request)
    rows = AlertIntegration.objects.all()
    return paginate(request, rows, order="-created_at", limit=filters.limit, cursor=filters.cursor)


@router.post("/alert-integrations", response=with_errors({201: IntegrationCreated}))
def create_integration(request: HttpRequest, payload: IntegrationIn) -> Status:
    """Create a webhook token for a monitoring tool; the `token` is shown in this answer only."""
    actor = _staff(request)
    client = _visible(Client, payload.client_id, "client_id")
    msp = _msp_for(payload.msp_id, client, None)
    integration, raw = integrations.create_integration(
        actor=actor,
        msp=msp,
        kind=payload.kind,
        name=payload.name,
        client=client,
        correlate_by=payload.correlate_by,
    )
    integration.token = raw  # type: ignore[attr-defined]
    return Status(201, integration)


@router.get("/alert-integrations/{integration_id}", response=with_errors({200: IntegrationOut}))
def get_integration(request: HttpRequest, integration_id: Id) -> AlertIntegration:
    _staff(request)
    return access_integration(request.auth, integration_id)  # type: ignore[attr-defined]


@router.post("/alert-integrations/{integration_id}/revoke", response=with_errors({200: IntegrationOut}))
def revoke_integration(request: HttpRequest, integration_id: Id) -> AlertIntegration:
    """Revoke a token: its tool's next POST answers 401; its alerts stay."""
    actor = _staff(request)
    integration = access_integration(actor, integration_id)
    return integrations.revoke_integration(actor=actor, integration=integration)


# --- alerts and payloads ------------------------------------------------------------------------


@router.get("/alerts", response=with_errors({200: CursorPage[AlertOut]}))
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> dict[str, Any]:
    """Alerts the actor sees, most recently received first."""
    _staff(request)
    rows = Alert.objects.all()
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.client:
        rows = rows.filter(client_id=filters.client)
    return paginate(request, rows, order="-last_received_at", limit=filters.limit, cursor=filters.cursor)


@router.get("/alerts/{alert_id}", response=with_errors({200: AlertOut}))
def get_alert(request: HttpRequest, alert_id: Id) -> Alert:
    _staff(request)
    return access_alert(request.auth, alert_id)  # type: ignore[attr-defined]


@router.get("/alert-payloads", response=with_errors({200: CursorPage[PayloadOut]}))
def list_payloads(request: HttpRequest, filters: Query[PayloadFilters]) -> dict[str, Any]:
    """Raw webhook requests, newest first; `status=quarantined` lists those that could not be read."""
    _staff(request)
    rows = RawAlertPayload.objects.all()
    if filters.status:
        rows = rows.filter(status=filters.status)
    return paginate(request, rows, order="-received_at", limit=filters.limit, cursor=filters.cursor)


# --- maintenance windows ------------------------------------------------------------------------


@router.get("/maintenance-windows", response=with_errors({200: CursorPage[WindowOut]}))
def list_windows(request: HttpRequest, filters: Query[PageFilters]) -> dict[str, Any]:
    """Maintenance windows, latest start first."""
    _staff(request)
    rows = MaintenanceWindow.objects.all()
    return paginate(request, rows, order="-starts_at", limit=filters.limit, cursor=filters.cursor)


@router.post("/maintenance-windows", response=with_errors({201: WindowOut}))
def create_window(request: HttpRequest, payload: WindowIn) -> Status:
    """Plan a window for the MSP, a client or an asset: its alerts are stored but open no ticket."""
    actor = _staff(request)
    client = _visible(Client, payload.client_id, "client_id")
    asset = _visible(Asset, payload.asset_id, "asset_id")
    window = maintenance.create_window(
        actor=actor,
        msp=_msp_for(payload.msp_id, client, asset),
        name=payload.name,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        client=client,
        asset=asset,
    )
    return Status(201, window)


@router.get("/maintenance-windows/{window_id}", response=with_errors({200: WindowOut}))
def get_window(request: HttpRequest, window_id: Id) -> MaintenanceWindow:
    _staff(request)
    return access_window(request.auth, window_id)  # type: ignore[attr-defined]


@router.post("/maintenance-windows/{window_id}/end", response=with_errors({200: WindowOut}))
def end_window(request: HttpRequest, window_id: Id) -> MaintenanceWindow:
    """End a window now."""
    actor = _staff(request)
    return maintenance.end_window(actor=actor, window=access_window(actor, window_id))


@router.delete("/maintenance-windows/{window_id}", response=with_errors({204: None}))
def delete_window(request: HttpRequest, window_id: Id) -> Status:
    actor = _staff(request)
    maintenance.delete_window(actor=actor, window=access_window(actor, window_id))
    return Status(204, None)
