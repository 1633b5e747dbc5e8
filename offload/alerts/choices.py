"""Closed vocabularies of the alerts app."""

from django.db import models


class IntegrationKind(models.TextChoices):
    """Which monitoring tool posts to an integration's endpoint (the URL's last segment)."""

    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana"
    ZABBIX = "zabbix", "Zabbix"
    UPTIME_KUMA = "uptime_kuma", "Uptime Kuma"
    PAGERDUTY = "pagerduty", "Generic (PagerDuty Events v2)"


class CorrelateBy(models.TextChoices):
    """What one ticket stands for: an asset's condition, or the sender's own group."""

    CONDITION = "condition", "Asset and condition"
    GROUP = "group", "Sender's group (Alertmanager groupKey)"


class PayloadStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    QUARANTINED = "quarantined", "Quarantined"
    IGNORED = "ignored", "Ignored (test notification)"


class AlertState(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"
