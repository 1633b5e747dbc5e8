"""Inbound mail, parsed: raw RFC 5322 bytes in, a decoded, sanitized, classified ParsedMessage out.

Knows mail, not what the mail is about: storage, threading and routing live with their callers.
"""

from offload.core.mail.classify import LOOP_HEADER, has_loop_marker, is_sent_by_us
from offload.core.mail.parser import GENERATED_ID_DOMAIN, parse_message
from offload.core.mail.types import (
    DEFAULT_LIMITS,
    Address,
    Attachment,
    BounceRecipient,
    CalendarInfo,
    Classification,
    DroppedAttachment,
    MailParseError,
    ParsedMessage,
    ParseLimits,
)

__all__ = [
    "DEFAULT_LIMITS",
    "GENERATED_ID_DOMAIN",
    "LOOP_HEADER",
    "Address",
    "Attachment",
    "BounceRecipient",
    "CalendarInfo",
    "Classification",
    "DroppedAttachment",
    "MailParseError",
    "ParseLimits",
    "ParsedMessage",
    "has_loop_marker",
    "is_sent_by_us",
    "parse_message",
]
