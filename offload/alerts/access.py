"""Single alert objects are read only through these helpers: another tenant's row is NotFound."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from offload.alerts.models import Alert, AlertIntegration, MaintenanceWindow, RawAlertPayload
from offload.core.errors import NotFound


def _get[M: Model](queryset: QuerySet[M], **lookup: object) -> M:
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc


def access_alert(actor: object, alert_id: object) -> Alert:
    """The alert `alert_id` if the acting scope sees it, else NotFound."""
    return _get(Alert.objects.select_related("client", "asset", "ticket", "integration"), pk=alert_id)


def access_integration(actor: object, integration_id: object) -> AlertIntegration:
    """The integration `integration_id` if the acting scope sees it, else NotFound."""
    return _get(AlertIntegration.objects.select_related("client"), pk=integration_id)


def access_window(actor: object, window_id: object) -> MaintenanceWindow:
    """The maintenance window `window_id` if the acting scope sees it, else NotFound."""
    return _get(MaintenanceWindow.objects.select_related("client", "asset"), pk=window_id)


def access_payload(actor: object, payload_id: object) -> RawAlertPayload:
    """The raw payload `payload_id` if the acting scope sees it, else NotFound."""
    return _get(RawAlertPayload.objects.select_related("integration"), pk=payload_id)
