"""Service desk models, one module per aggregate."""

from offload.servicedesk.models.catalog import CannedReply, Category, PriorityMatrix, Team
from offload.servicedesk.models.entries import Attachment, TicketEntry
from offload.servicedesk.models.inbound import (
    InboundMessage,
    InboundStatus,
    MailThreadId,
    MessageDirection,
    UnroutedMessage,
)
from offload.servicedesk.models.knowledge import Article
from offload.servicedesk.models.mail import (
    Mailbox,
    MailboxAuth,
    MailboxSecurity,
    MailEvent,
    MailTemplate,
    OutboundEmail,
    OutboundStatus,
)
from offload.servicedesk.models.queues import SavedView
from offload.servicedesk.models.satisfaction import CsatResponse
from offload.servicedesk.models.sla import (
    BusinessCalendar,
    CalendarAssignment,
    ClientSlaPolicy,
    SlaPolicy,
    TicketClock,
    TicketPause,
    TicketSla,
)
from offload.servicedesk.models.tickets import Ticket, TicketCounter
from offload.servicedesk.models.time import TimeEntry
from offload.servicedesk.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Article",
    "Attachment",
    "BusinessCalendar",
    "CalendarAssignment",
    "CannedReply",
    "Category",
    "ClientSlaPolicy",
    "CsatResponse",
    "DeliveryStatus",
    "InboundMessage",
    "InboundStatus",
    "MailEvent",
    "MailTemplate",
    "MailThreadId",
    "Mailbox",
    "MailboxAuth",
    "MailboxSecurity",
    "MessageDirection",
    "OutboundEmail",
    "OutboundStatus",
    "PriorityMatrix",
    "SavedView",
    "SlaPolicy",
    "Team",
    "Ticket",
    "TicketClock",
    "TicketCounter",
    "TicketEntry",
    "TicketPause",
    "TicketSla",
    "TimeEntry",
    "UnroutedMessage",
    "WebhookDelivery",
    "WebhookEndpoint",
]
