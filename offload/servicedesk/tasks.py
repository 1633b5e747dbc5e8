"""Service-desk background tasks.

The mail-intake task is declared next to its service (services/intake.py) because
`receive_email` enqueues it in the same transaction that stores the message; it is re-exported
here so that every task of the app is found in one place.
"""

from offload.servicedesk.services.intake import process_inbound_message
from offload.servicedesk.services.mailboxes import poll_mailboxes, poll_one_mailbox
from offload.servicedesk.services.notifications import send_ticket_notifications
from offload.servicedesk.sla_tasks import deliver_webhook, recompute_ticket_sla, sweep_sla

__all__ = [
    "deliver_webhook",
    "poll_mailboxes",
    "poll_one_mailbox",
    "process_inbound_message",
    "recompute_ticket_sla",
    "send_ticket_notifications",
    "sweep_sla",
]
