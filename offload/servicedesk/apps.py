from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    """Tickets, their thread, attachments, time and queues: the service desk's data core."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "offload.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        # Ticket mail (acknowledgement, staff replies, resolution) follows committed ticket events.
        from offload.servicedesk.events import ticket_event_committed
        from offload.servicedesk.services.notifications import on_ticket_events

        ticket_event_committed.connect(on_ticket_events, dispatch_uid="servicedesk.mail_notifications")
        # SLA clocks are re-evaluated and webhooks delivered after every committed ticket event.
        from offload.servicedesk.sla_tasks import on_ticket_event

        ticket_event_committed.connect(on_ticket_event, dispatch_uid="servicedesk.sla_and_webhooks")
