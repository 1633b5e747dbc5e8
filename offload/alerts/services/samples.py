"""Sample alerts for the demo world: a known token per MSP, a maintenance window, a small storm.

The token is derived from the MSP's slug so that `offload demo-data` can print it on every run
(a demo convenience: real tokens are random and shown once). The sample alerts go through the
real pipeline (webhook service, then the ticket side) once per MSP; a second load changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from offload.accounts.models import hash_token
from offload.alerts.choices import IntegrationKind
from offload.alerts.models import Alert, AlertIntegration, MaintenanceWindow
from offload.alerts.services.intake import receive_alert_payload
from offload.alerts.services.process import process_alert_ids
from offload.tenancy.models import MSP, Asset

DEMO_INTEGRATION = "Demo Alertmanager"
WINDOW_NAME = "Monthly patch night"


def demo_token(msp: MSP) -> str:
    """The demo Alertmanager token of `msp` (stable across loads)."""
    digest = hashlib.sha256(f"offload demo alert token {msp.slug}".encode()).hexdigest()[:32]
    return f"{AlertIntegration.PREFIX}demo_{digest}"


def load_sample_alerts(*, msp: MSP) -> tuple[AlertIntegration, str]:
    """Ensure the demo token and window of `msp`, and (first time only) a few alerts and a ticket.

    Call inside a system scope. Returns the integration and its token.
    """
    raw = demo_token(msp)
    integration = AlertIntegration.objects.filter(msp=msp, name=DEMO_INTEGRATION).first()
    if integration is None:
        integration = AlertIntegration.objects.create(
            msp=msp,
            kind=IntegrationKind.ALERTMANAGER,
            name=DEMO_INTEGRATION,
            key_prefix=raw[: len(AlertIntegration.PREFIX) + 6],
            key_hash=hash_token(raw),
        )
    if not MaintenanceWindow.objects.filter(msp=msp, name=WINDOW_NAME).exists():
        MaintenanceWindow.objects.create(
            msp=msp,
            name=WINDOW_NAME,
            starts_at=datetime.datetime(2026, 12, 5, 22, 0, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2026, 12, 6, 2, 0, tzinfo=datetime.UTC),
        )
    if not Alert.objects.filter(integration=integration).exists():
        servers = list(Asset.objects.filter(msp=msp, kind="server").exclude(hostname="").order_by("id")[:2])
        if servers:
            body = _storm(servers)
            result = receive_alert_payload(
                integration=integration, body=body, content_type="application/json"
            )
            process_alert_ids(msp_id=msp.pk, alert_ids=[u.id for u in result.alerts])
    return integration, raw


def _storm(servers: list[Asset]) -> bytes:
    """An Alertmanager notification: disk and CPU alerts on the first server, CPU on the second."""
    alerts = []
    for number, (asset, alertname, summary) in enumerate(
        [
            (servers[0], "DiskAlmostFull", "Disk / is 93% full"),
            (servers[0], "HighCPU", "CPU above 90% for 10 minutes"),
            (servers[-1], "HighCPU", "CPU above 90% for 10 minutes"),
        ]
    ):
        alerts.append(
            {
                "status": "firing",
                "labels": {
                    "alertname": alertname,
                    "instance": f"{asset.hostname.lower()}:9100",
                    "severity": "critical" if number == 0 else "warning",
                },
                "annotations": {"summary": f"{summary} on {asset.hostname}"},
                "startsAt": "2026-11-25T08:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.demo.localhost:9090/graph",
            }
        )
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname=~".*"}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "offload",
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.demo.localhost:9093",
            "alerts": alerts,
        }
    ).encode()
