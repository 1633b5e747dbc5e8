"""Debian's real Alertmanager posting to our live webhook: a firing opens a ticket, recovery resolves it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from offload.alerts.models import Alert
from offload.alerts.tests.alertmanager import make_alert, post_alerts, resolve_alerts
from offload.alerts.tests.helpers import alert_tickets, alerts_of, make_token
from offload.core.tasks.testing import drain
from offload.servicedesk.choices import TicketKind, TicketStatus
from offload.tenancy.scoping import system_scope

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_real_alertmanager_fires_and_resolves_a_ticket(world, live_server, alertmanager_factory):
    """Alertmanager delivers a firing alert (bearer token) → one alert ticket; its resolve → the
    ticket resolves itself; a repeat notification only bumps the counter."""
    _, token = make_token(world.msp_a, "alertmanager", client=world.clients["a1"])
    manager = alertmanager_factory(
        webhook_url=f"{live_server.url}/hooks/alerts/alertmanager/", bearer_token=token, repeat_interval="2s"
    )
    alert = make_alert(
        {"alertname": "DiskFull", "instance": "web1.example.net:9100", "severity": "critical"},
        {"summary": "Disk full on web1"},
    )
    post_alerts(manager, [alert])

    def alerts() -> list[Alert]:
        return alerts_of(world.msp_a)

    _wait(lambda: len(alerts()) == 1, "the firing notification")
    # The worker's part, run here until it has opened the ticket (the notification may still be
    # committing when the alert first shows).
    _wait(lambda: drain() or len(alert_tickets(world.msp_a)) == 1, "the alert ticket")
    [ticket] = alert_tickets(world.msp_a)
    assert ticket.kind == TicketKind.ALERT
    assert "Disk full on web1" in ticket.subject

    resolve_alerts(manager, [alert])
    _wait(lambda: alerts()[0].status == "resolved", "the resolved notification")
    _wait(lambda: drain() or alert_tickets(world.msp_a)[0].status == TicketStatus.RESOLVED, "auto-resolve")
    [ticket] = alert_tickets(world.msp_a)
    assert ticket.status == TicketStatus.RESOLVED
    with system_scope("test", msp_id=world.msp_a.pk):
        assert Alert.objects.get().count >= 2
