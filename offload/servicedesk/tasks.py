"""Service-desk background tasks.

The mail-intake task is declared next to its service (services/intake.py) because
`receive_email` enqueues it in the same transaction that stores the message; it is re-exported
here so that every task of the app is found in one place.
"""

from offload.servicedesk.services.intake import process_inbound_message

__all__ = ["process_inbound_message"]
