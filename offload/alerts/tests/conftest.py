"""Fixtures of the alerts tests: a real Alertmanager and a loopback webhook receiver."""

from offload.alerts.tests.alertmanager import alertmanager_factory, webhook_recorder

__all__ = ["alertmanager_factory", "webhook_recorder"]
