"""Helpers of the alert pipeline tests: tokens, posting to the webhook, running the alert tasks."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client as HttpClient

from offload.alerts.models import Alert, AlertIntegration
from offload.alerts.services.integrations import create_integration
from offload.servicedesk.models import Ticket
from offload.tenancy.models import MSP, Client
from offload.tenancy.scoping import system_scope


def make_token(
    msp: MSP, kind: str, *, client: Client | None = None, **options: Any
) -> tuple[AlertIntegration, str]:
    """A new integration of `msp` for `kind` and its raw token."""
    with system_scope("test: create an alert token"):
        return create_integration(actor=None, msp=msp, kind=kind, client=client, **options)


def post(
    token: str | None,
    kind: str,
    body: Any,
    *,
    content_type: str = "application/json",
    http: HttpClient | None = None,
    query_token: bool = False,
) -> Any:
    """POST `body` (dict → JSON, str/bytes as is) to the webhook of `kind` with `token`."""
    http = http or HttpClient()
    data = json.dumps(body) if isinstance(body, (dict, list)) else body
    url = f"/hooks/alerts/{kind}/" + (f"?token={token}" if query_token and token else "")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token and not query_token else {}
    return http.post(url, data=data, content_type=content_type, **headers)


def alerts_of(msp: MSP) -> list[Alert]:
    with system_scope("test: read alerts", msp_id=msp.pk):
        return list(Alert.objects.order_by("id").select_related("ticket", "asset", "client"))


def alert_tickets(msp: MSP) -> list[Ticket]:
    with system_scope("test: read alert tickets", msp_id=msp.pk):
        return list(Ticket.objects.filter(source="alert").order_by("id"))
