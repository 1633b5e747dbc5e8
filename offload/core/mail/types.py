"""The parser's vocabulary: limits in, a parsed message out. Plain dataclasses, no storage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class MailParseError(Exception):
    """The bytes cannot be read as a message at all; `reason` is a stable code, `detail` is for people."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Caps that keep one hostile or enormous message from costing more than its share."""

    max_message_bytes: int = 50 * 1024 * 1024
    max_attachment_bytes: int = 25 * 1024 * 1024
    max_total_attachment_bytes: int = 40 * 1024 * 1024
    max_attachments: int = 50
    max_parts: int = 500
    # The stdlib parser slows down quadratically with nested multiparts; real mail has a handful.
    max_multiparts: int = 100
    max_depth: int = 20
    max_body_chars: int = 1_000_000
    max_subject_chars: int = 998
    # Reply and signature stripping uses regexes; past this many characters we keep the text whole.
    max_reply_scan_chars: int = 100_000


DEFAULT_LIMITS = ParseLimits()


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: the address (lower-cased for matching) and the display name as decoded."""

    address: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] if "@" in self.address else ""


@dataclass(slots=True)
class Attachment:
    """A file carried by the message. Inline images with equal bytes are one Attachment with many CIDs."""

    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes = field(repr=False)
    is_inline: bool = False
    content_id: str = ""
    content_ids: list[str] = field(default_factory=list)
    occurrences: int = 1
    # Where it came from: "mime" for an ordinary part, "tnef" when extracted from winmail.dat.
    origin: str = "mime"


@dataclass(frozen=True, slots=True)
class DroppedAttachment:
    """A file we refused to keep, and why (too_large, too_many, total_too_large, too_deep)."""

    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    """A text/calendar part: enough to show "this is an invitation" and to match updates by UID."""

    method: str = ""
    uid: str = ""
    summary: str = ""
    start: str = ""
    organizer: str = ""


@dataclass(frozen=True, slots=True)
class BounceRecipient:
    """One recipient line of a delivery status notification."""

    address: str
    action: str = ""
    status: str = ""
    diagnostic: str = ""


@dataclass(slots=True)
class Classification:
    """What kind of mail this is, with the signals that led there (for the quarantine/debug view).

    auto_reply is "strong" (RFC 3834 headers and friends: never open or reopen anything from it),
    "weak" (only the subject or an Outlook suppress header looks automatic) or "".
    """

    auto_reply: str = ""
    auto_reply_signals: list[str] = field(default_factory=list)
    is_bounce: bool = False
    bounce_is_permanent: bool = False
    bounce_original_message_id: str = ""
    bounce_recipients: list[BounceRecipient] = field(default_factory=list)
    is_mailing_list: bool = False
    list_id: str = ""
    loop_markers: list[str] = field(default_factory=list)

    @property
    def is_auto_reply(self) -> bool:
        return self.auto_reply == "strong"

    @property
    def is_automated(self) -> bool:
        """True when no human wrote this: a strong auto-reply or a bounce."""
        return self.is_auto_reply or self.is_bounce


@dataclass(slots=True)
class ParsedMessage:
    """Everything the pipeline needs from one raw message, decoded and sanitized; `problems` lists
    what was odd but survivable."""

    message_id: str
    message_id_generated: bool
    in_reply_to: str
    references: list[str]
    subject: str
    normalized_subject: str
    subject_tags: list[str]
    from_: Address | None
    sender: Address | None
    to: list[Address]
    cc: list[Address]
    reply_to: list[Address]
    date: dt.datetime | None
    text: str
    reply_text: str
    reply_style: str
    html: str
    attachments: list[Attachment]
    dropped_attachments: list[DroppedAttachment]
    calendar: CalendarInfo | None
    is_signed: bool
    is_encrypted: bool
    has_tnef: bool
    classification: Classification
    headers: dict[str, str]
    size: int
    problems: list[str] = field(default_factory=list)

    @property
    def inline_images(self) -> list[Attachment]:
        return [a for a in self.attachments if a.is_inline]
