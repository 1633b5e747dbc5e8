"""File names and attachment bookkeeping: decoding every way clients write names, sanitising
them, deduplicating inline images and enforcing size and count limits."""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import re
import urllib.parse
from email.message import Message

from offload.core.mail.charsets import clean_text, decode_bytes
from offload.core.mail.headers import decode_words, unfold
from offload.core.mail.types import Attachment, DroppedAttachment, ParseLimits

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_MAX_NAME = 200


def _param_text(value: object, problems: list[str]) -> str:
    """A parameter as Message.get_param returns it: a string (maybe with surrogate-escaped 8-bit
    bytes or RFC 2047 words) or an RFC 2231 (charset, language, value) triple."""
    if isinstance(value, tuple):
        charset, _language, raw = (*value, "", "", "")[:3]
        # decode_params already turned %XX into latin-1 characters; undo that to get the bytes.
        data = (raw or "").encode("latin-1", "surrogateescape") if isinstance(raw, str) else b""
        return decode_bytes(data, charset or None, problems, where="attachment name")
    if not isinstance(value, str):
        return ""
    text = unfold(value)
    # RFC 5987-style value that lost its star: UTF-8''na%C3%AFve.pdf
    match = re.fullmatch(r"([A-Za-z0-9_-]+)'[A-Za-z-]*'(.+)", text)
    if match and "%" in match.group(2):
        data = urllib.parse.unquote_to_bytes(match.group(2))
        return decode_bytes(data, match.group(1), problems, where="attachment name")
    return decode_words(text, problems, where="attachment name")


_PARAM = re.compile(r';\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')


def header_params(raw_value: str) -> dict[str, object]:
    """Parameters of a raw Content-Type/Content-Disposition value, RFC 2231 continuations joined.
    Works on the raw value so that 8-bit bytes (surrogate-escaped) reach our own charset guessing
    instead of the stdlib's replacement characters."""
    pairs: list[tuple[str, str]] = [
        (match.group(1).lower(), match.group(2).strip()) for match in _PARAM.finditer(unfold(raw_value))
    ]
    if not pairs:
        return {}
    result: dict[str, object] = {}
    try:
        decoded = email.utils.decode_params([("", ""), *pairs])[1:]
    except Exception:  # decode_params trips on malformed continuations
        decoded = [(name.split("*", 1)[0], value) for name, value in pairs]
    for name, value in decoded:
        if isinstance(value, tuple):
            charset, language, text = (*value, "", "", "")[:3]
            result.setdefault(name, (charset, language, email.utils.unquote(text or "")))
        else:
            result.setdefault(name, email.utils.unquote(value))
    return result


def raw_filename(part: Message, problems: list[str]) -> str:
    """The file name from Content-Disposition (filename) or Content-Type (name), decoded."""
    raw: dict[str, str] = {}
    for key, raw_value in part.raw_items():
        raw.setdefault(key.lower(), raw_value if isinstance(raw_value, str) else str(raw_value))
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        param_value = header_params(raw.get(header, "")).get(param)
        if param_value:
            name = _param_text(param_value, problems)
            if name.strip():
                return name
    return ""


def safe_filename(name: str, content_type: str, *, fallback_stem: str = "attachment") -> str:
    """A name safe to show and to store: no directories, no control or shell-hostile characters,
    not empty, at most 200 characters with the extension kept."""
    name = clean_text(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().strip(".").strip()
    if not name:
        extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
        name = f"{fallback_stem}{extension}"
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = (stem if dot else name)[: _MAX_NAME - len(ext) - 1] + (f".{ext}" if ext else "")
    return name


class AttachmentCollector:
    """Accumulates attachments in message order, merging equal inline images and dropping files
    past the limits (recorded with a reason, never an exception)."""

    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self.attachments: list[Attachment] = []
        self.dropped: list[DroppedAttachment] = []
        self.total_bytes = 0
        self._inline_by_hash: dict[str, Attachment] = {}

    def add(self, *, filename: str, content_type: str, data: bytes, is_inline: bool, content_id: str,
            origin: str = "mime") -> None:  # fmt: skip
        size = len(data)
        if size > self.limits.max_attachment_bytes:
            self.dropped.append(DroppedAttachment(filename, content_type, size, "too_large"))
            return
        digest = hashlib.sha256(data).hexdigest()
        if is_inline:
            existing = self._inline_by_hash.get(digest)
            if existing is not None:
                existing.occurrences += 1
                if content_id and content_id not in existing.content_ids:
                    existing.content_ids.append(content_id)
                return
        if len(self.attachments) >= self.limits.max_attachments:
            self.dropped.append(DroppedAttachment(filename, content_type, size, "too_many"))
            return
        if self.total_bytes + size > self.limits.max_total_attachment_bytes:
            self.dropped.append(DroppedAttachment(filename, content_type, size, "total_too_large"))
            return
        self.total_bytes += size
        attachment = Attachment(
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=digest,
            content=data,
            is_inline=is_inline,
            content_id=content_id,
            content_ids=[content_id] if content_id else [],
            origin=origin,
        )
        self.attachments.append(attachment)
        if is_inline:
            self._inline_by_hash[digest] = attachment

    def drop(self, *, filename: str, content_type: str, size: int, reason: str) -> None:
        self.dropped.append(DroppedAttachment(filename, content_type, size, reason))
