"""Inbound mail, parsed: raw RFC 5322 bytes in, a decoded, sanitized, classified ParsedMessage out.

Knows mail, not what the mail is about: storage, threading and routing live with their callers.

How callers are meant to read a ParsedMessage:
- `message_id` is always set (generated from the bytes when missing: `message_id_generated`), so it
  can be the deduplication key; `in_reply_to` and `references` come first for threading, then
  `subject_tags` (bracketed tokens of the normalized subject, e.g. "ACME-1042").
- `reply_text` is what the sender wrote now ("top": quotes cut, "inline": answers with the quotes
  they answer, "forward": kept whole); `text` is the full body; `html` is safe to embed, images
  only as cid: references into `attachments[*].content_ids`.
- `classification.is_auto_reply` (strong RFC 3834-style signals) and `is_bounce` mean: never open
  or reopen anything, never answer. `auto_reply == "weak"` (subject or X-Auto-Response-Suppress
  only) means: keep it, but do not send an automatic acknowledgement. `is_sent_by_us` means: drop.
- `problems` are survivable oddities worth showing in a quarantine/debug view; MailParseError
  (with `reason`) means quarantine the raw bytes.
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
