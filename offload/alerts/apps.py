from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Monitoring alerts: integration tokens, webhook intake, deduplication, correlation to tickets."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "offload.alerts"
    label = "alerts"
    verbose_name = "Alerts"
