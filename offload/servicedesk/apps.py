from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    """Tickets, their thread, attachments, time and queues: the service desk's data core."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "offload.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"
