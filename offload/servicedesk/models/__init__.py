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
from offload.servicedesk.models.tickets import Ticket, TicketCounter
from offload.servicedesk.models.time import TimeEntry

__all__ = [
    "Article",
    "Attachment",
    "CannedReply",
    "Category",
    "CsatResponse",
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
    "Team",
    "Ticket",
    "TicketCounter",
    "TicketEntry",
    "TimeEntry",
    "UnroutedMessage",
]
