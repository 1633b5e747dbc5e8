"""parse_message: raw RFC 5322 bytes → ParsedMessage, never any exception but MailParseError."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy

from offload.core.mail.attachments import AttachmentCollector, header_params, raw_filename, safe_filename
from offload.core.mail.charsets import clean_text, decode_bytes
from offload.core.mail.classify import classify
from offload.core.mail.headers import (
    addresses,
    header_text,
    message_ids,
    normalize_subject,
    parse_date,
    subject_tags,
    unfold,
)
from offload.core.mail.html import html_to_text, sanitize_html
from offload.core.mail.reply import extract_reply
from offload.core.mail.tnef import TnefError, is_tnef, read_tnef
from offload.core.mail.types import (
    DEFAULT_LIMITS,
    CalendarInfo,
    MailParseError,
    ParsedMessage,
    ParseLimits,
)

GENERATED_ID_DOMAIN = "generated.invalid"
_SIGNATURE_TYPES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
_REPORT_TYPES = {"text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"}
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_MAX_HEADERS_KEPT = 100
_MAX_HEADER_CHARS = 2000
_MAX_REFERENCES = 100


@dataclass
class _Walk:
    """Mutable state while walking the MIME tree."""

    limits: ParseLimits
    problems: list[str]
    collector: AttachmentCollector
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    calendar: CalendarInfo | None = None
    is_signed: bool = False
    is_encrypted: bool = False
    has_tnef: bool = False
    parts: int = 0
    defects: set[str] = field(default_factory=set)


def parse_message(raw: bytes, *, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedMessage:
    """Parse one raw message. Odd but readable input gives a ParsedMessage whose `problems` say
    what was wrong; unreadable input raises MailParseError with a reason code."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MailParseError("not_bytes", type(raw).__name__)
    raw = bytes(raw)
    if not raw.strip():
        raise MailParseError("empty", "no bytes besides whitespace")
    if len(raw) > limits.max_message_bytes:
        raise MailParseError("too_large", f"{len(raw)} bytes > {limits.max_message_bytes}")
    if raw.lower().count(b"boundary=") > limits.max_multiparts:
        raise MailParseError("too_many_multiparts", f"more than {limits.max_multiparts} multipart boundaries")
    try:
        return _parse(raw, limits)
    except MailParseError:
        raise
    except RecursionError as exc:
        raise MailParseError("too_deeply_nested", "MIME nesting exhausted the parser") from exc
    except Exception as exc:  # the contract: one well-defined error, whatever broke
        raise MailParseError("unreadable", f"{type(exc).__name__}: {exc}"[:500]) from exc


class _RawHeaderPolicy(EmailPolicy):
    """policy.default, except that reading a header returns its raw string.

    We decode every header ourselves, defensively, from the raw value (charset guessing, broken
    encoded words, 8-bit bytes). The header registry's objects would be thrown away, and building
    them cost about 70 % of the parse time (several times per part, while the parser walks MIME).
    """

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        return value


_POLICY = _RawHeaderPolicy()


def _read(raw: bytes, problems: list[str]) -> Message:
    try:
        return BytesParser(policy=_POLICY).parsebytes(raw)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # the modern header parser has crashed on junk before
        problems.append(f"strict parse failed ({type(exc).__name__}), read leniently")
    try:
        return BytesParser(policy=policy.compat32).parsebytes(raw)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        raise MailParseError("unreadable", f"{type(exc).__name__}: {exc}"[:500]) from exc


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(str(name).strip().lower(), []).append(
            value if isinstance(value, str) else str(value)
        )
    return headers


def _generated_message_id(raw: bytes) -> str:
    return f"{hashlib.sha256(raw).hexdigest()[:40]}@{GENERATED_ID_DOMAIN}"


def _parse(raw: bytes, limits: ParseLimits) -> ParsedMessage:
    problems: list[str] = []
    msg = _read(raw, problems)
    headers = _raw_headers(msg)
    if not headers:
        raise MailParseError("no_headers", "no header fields before the body")

    def first(name: str) -> str:
        values = headers.get(name)
        return values[0] if values else ""

    ids = message_ids(first("message-id"))
    message_id_generated = not ids
    message_id = ids[0] if ids else _generated_message_id(raw)
    if message_id_generated:
        problems.append("no usable Message-ID, generated one from the bytes")
    if len(headers.get("message-id", [])) > 1:
        problems.append("several Message-ID headers, used the first")
    in_reply_to_ids = message_ids(first("in-reply-to"))
    references = message_ids(" ".join(headers.get("references", [])))[-_MAX_REFERENCES:]

    subject = header_text(first("subject"), problems, where="subject")
    if len(subject) > limits.max_subject_chars:
        problems.append(f"subject longer than {limits.max_subject_chars} characters, truncated")
        subject = subject[: limits.max_subject_chars]

    from_list = addresses(headers.get("from", []), problems, where="From")
    if len(from_list) > 1:
        problems.append("several From addresses, used the first")
    if not from_list:
        problems.append("no usable From address")
    sender_list = addresses(headers.get("sender", []), problems, where="Sender")

    walk = _Walk(limits=limits, problems=problems, collector=AttachmentCollector(limits))
    _walk_part(msg, walk, depth=0)
    for defect in sorted(walk.defects):
        problems.append(f"MIME defect: {defect}")

    text = "\n\n".join(t for t in walk.plain if t.strip())
    html_source = "\n".join(walk.html)
    if not text.strip() and html_source.strip():
        text = html_to_text(html_source)
    text = _cap(clean_text(text).lstrip("\n").rstrip(), limits.max_body_chars, "text body", problems)
    html = sanitize_html(_cap(clean_text(html_source), limits.max_body_chars, "HTML body", problems))
    reply_text, reply_style = extract_reply(
        text, subject=subject, max_chars=limits.max_reply_scan_chars, problems=problems
    )
    classification = classify(msg, subject=subject, from_=from_list[0] if from_list else None, text=text)

    kept_headers: dict[str, str] = {}
    for name, values in list(headers.items())[:_MAX_HEADERS_KEPT]:
        kept_headers[clean_text(name)] = header_text(values[0][:_MAX_HEADER_CHARS], [], where=name)

    return ParsedMessage(
        message_id=message_id,
        message_id_generated=message_id_generated,
        in_reply_to=in_reply_to_ids[0] if in_reply_to_ids else "",
        references=references,
        subject=subject,
        normalized_subject=normalize_subject(subject),
        subject_tags=subject_tags(normalize_subject(subject)),
        from_=from_list[0] if from_list else None,
        sender=sender_list[0] if sender_list else None,
        to=addresses(headers.get("to", []), problems, where="To"),
        cc=addresses(headers.get("cc", []), problems, where="Cc"),
        reply_to=addresses(headers.get("reply-to", []), problems, where="Reply-To"),
        date=parse_date(first("date"), problems),
        text=text,
        reply_text=reply_text,
        reply_style=reply_style,
        html=html,
        attachments=walk.collector.attachments,
        dropped_attachments=walk.collector.dropped,
        calendar=walk.calendar,
        is_signed=walk.is_signed,
        is_encrypted=walk.is_encrypted,
        has_tnef=walk.has_tnef,
        classification=classification,
        headers=kept_headers,
        size=len(raw),
        problems=list(dict.fromkeys(problems)),
    )


def _cap(text: str, limit: int, what: str, problems: list[str]) -> str:
    if len(text) <= limit:
        return text
    problems.append(f"{what} longer than {limit} characters, truncated")
    return text[:limit]


_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type()
    except Exception:  # a malformed Content-Type must not stop the walk
        return "text/plain"
    # The stdlib hands back whatever bytes stood there; a type is an ASCII token pair or nothing.
    return ctype if _MIME_TYPE.fullmatch(ctype) else "application/octet-stream"


def _walk_part(part: Message, walk: _Walk, *, depth: int) -> None:
    walk.parts += 1
    if walk.parts > walk.limits.max_parts:
        if walk.parts == walk.limits.max_parts + 1:
            walk.problems.append(f"more than {walk.limits.max_parts} MIME parts, the rest ignored")
        return
    if depth > walk.limits.max_depth:
        walk.problems.append(f"MIME nesting deeper than {walk.limits.max_depth}, inner parts ignored")
        return
    walk.defects.update(type(defect).__name__ for defect in getattr(part, "defects", []))
    ctype = _content_type(part)
    if ctype in {"message/rfc822", "message/global"}:
        _attach_message(part, walk)
        return
    if part.is_multipart():
        payload = part.get_payload()
        if ctype.startswith("message/"):
            return  # delivery-status, disposition-notification: machine reports, read by classify
        if ctype == "multipart/signed":
            walk.is_signed = True
        elif ctype == "multipart/encrypted":
            walk.is_encrypted = True
            walk.problems.append("encrypted message: content not readable")
        if ctype == "multipart/alternative":
            _walk_alternative(payload, walk, depth=depth)
            return
        for child in payload if isinstance(payload, list) else []:
            if isinstance(child, Message):
                _walk_part(child, walk, depth=depth + 1)
        return
    _leaf(part, ctype, walk, depth=depth)


def _walk_alternative(children: object, walk: _Walk, *, depth: int) -> None:
    """Of the alternatives keep one plain text and one HTML rendering (the last of each: the
    richest by RFC 2046), plus whatever nested parts carry (related images, calendars)."""
    plain: Message | None = None
    html: Message | None = None
    for child in children if isinstance(children, list) else []:
        if not isinstance(child, Message):
            continue
        ctype = _content_type(child)
        if ctype == "text/plain" and not child.is_multipart():
            plain = child
        elif ctype == "text/html" and not child.is_multipart():
            html = child
        else:
            _walk_part(child, walk, depth=depth + 1)
    for chosen in (plain, html):
        if chosen is not None:
            _walk_part(chosen, walk, depth=depth + 1)


def _payload_bytes(part: Message, walk: _Walk) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken transfer encodings
        walk.problems.append("undecodable transfer encoding, part kept raw")
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return (
            payload.encode("ascii", "surrogateescape")
            if payload.isascii()
            else payload.encode("utf-8", "surrogateescape")
        )
    return b""


def _leaf(part: Message, ctype: str, walk: _Walk, *, depth: int) -> None:
    raw_headers = {name.lower(): value for name, value in reversed(list(part.raw_items()))}
    disposition = unfold(str(raw_headers.get("content-disposition", ""))).split(";", 1)[0].strip().lower()
    content_id = "".join(
        message_ids(str(raw_headers.get("content-id", "")))
        or [unfold(str(raw_headers.get("content-id", ""))).strip().strip("<>")]
    )
    filename = raw_filename(part, walk.problems)
    data = _payload_bytes(part, walk)
    charset = header_params(str(raw_headers.get("content-type", ""))).get("charset")
    charset = charset if isinstance(charset, str) else None
    is_body = disposition != "attachment" and not filename

    if ctype.startswith("multipart/"):
        _recover_multipart(ctype, data, charset, walk, depth=depth)
        return
    if ctype == "text/plain" and is_body:
        walk.plain.append(_newlines(decode_bytes(data, charset, walk.problems, where="text body")))
        return
    if ctype == "text/html" and is_body:
        meta = None if charset else _META_CHARSET.search(data[:4096])
        declared = charset or (meta.group(1).decode("ascii") if meta else None)
        walk.html.append(decode_bytes(data, declared, walk.problems, where="HTML body"))
        return
    if ctype in _REPORT_TYPES:
        return  # the headers of a bounced message: read by classify, not a file for people
    if ctype in _SIGNATURE_TYPES:
        walk.is_signed = True
        return
    if ctype in {"application/pkcs7-mime", "application/x-pkcs7-mime"}:
        params = header_params(str(raw_headers.get("content-type", "")))
        smime_type = str(params.get("smime-type", "")).lower()
        if smime_type == "signed-data":
            walk.is_signed = True
        else:
            walk.is_encrypted = True
            walk.problems.append("encrypted message: content not readable")
    if ctype == "text/calendar":
        calendar_text = decode_bytes(data, charset, walk.problems, where="calendar")
        walk.calendar = walk.calendar or _calendar(calendar_text)
    looks_tnef = ctype in _TNEF_TYPES or filename.lower() == "winmail.dat"
    if (looks_tnef or (ctype == "application/octet-stream" and is_tnef(data))) and _tnef(data, walk):
        return
    is_inline = (bool(content_id) and disposition != "attachment") or (
        disposition == "inline" and ctype.startswith("image/")
    )
    stem = "invite" if ctype == "text/calendar" else ("image" if ctype.startswith("image/") else "attachment")
    walk.collector.add(
        filename=safe_filename(filename, ctype, fallback_stem=stem),
        content_type=ctype,
        data=data,
        is_inline=is_inline,
        content_id=clean_text(content_id)[:250],
    )


# An HTML part without a MIME charset may still name one in <meta> (HTML saved from Word does).
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset=[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_BOUNDARY_LINE = re.compile(rb"^--([^\s\"]{1,200})[ \t]*\r?$", re.MULTILINE)


def _recover_multipart(ctype: str, data: bytes, charset: str | None, walk: _Walk, *, depth: int) -> None:
    """A multipart whose boundary is missing or wrong: take the first "--token" line of the body
    as the boundary and parse again; if there is none, read the body as text."""
    match = _BOUNDARY_LINE.search(data)
    if match and depth < walk.limits.max_depth:
        boundary = match.group(1).decode("ascii", "replace")
        walk.problems.append(f"{ctype} without a usable boundary, guessed {boundary!r}")
        header = f'Content-Type: {ctype}; boundary="{boundary}"\n\n'.encode()
        reparsed = BytesParser(policy=_POLICY).parsebytes(header + data)
        if reparsed.is_multipart():
            _walk_part(reparsed, walk, depth=depth + 1)
            return
    walk.problems.append(f"{ctype} without a usable boundary, read as text")
    walk.plain.append(_newlines(decode_bytes(data, charset, walk.problems, where="body")))


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _attach_message(part: Message, walk: _Walk) -> None:
    """A forwarded or bounced message travels as an .eml attachment, named after its subject."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    try:
        if isinstance(inner, Message):
            data = inner.as_bytes(policy=policy.compat32)
        else:
            data = _payload_bytes(part, walk)
    except Exception:  # re-serialising a malformed inner message can fail
        walk.problems.append("forwarded message could not be re-serialised, dropped")
        walk.collector.drop(
            filename="message.eml", content_type="message/rfc822", size=0, reason="unreadable"
        )
        return
    subject = ""
    if isinstance(inner, Message):
        raw_subject = next((v for k, v in inner.raw_items() if k.lower() == "subject"), "")
        subject = header_text(str(raw_subject), [], where="subject")
    name = raw_filename(part, walk.problems) or (f"{subject[:100]}.eml" if subject else "message.eml")
    walk.collector.add(
        filename=safe_filename(name, "message/rfc822", fallback_stem="message"),
        content_type="message/rfc822",
        data=data,
        is_inline=False,
        content_id="",
    )


def _tnef(data: bytes, walk: _Walk) -> bool:
    """Unpack winmail.dat into its files; False (keep the blob) if it cannot be read."""
    walk.has_tnef = True
    try:
        content = read_tnef(data, max_attachments=walk.limits.max_attachments)
    except (TnefError, ValueError, IndexError) as exc:
        walk.problems.append(f"winmail.dat not readable ({exc}), kept as is")
        return False
    files = [item for item in content.attachments if item.data]
    if not files:
        walk.problems.append("winmail.dat holds no files, kept as is")
        return False
    for item in files:
        ctype = item.mime_type.lower() if "/" in item.mime_type else "application/octet-stream"
        walk.collector.add(
            filename=safe_filename(item.filename, ctype),
            content_type=ctype,
            data=item.data,
            is_inline=False,
            content_id="",
            origin="tnef",
        )
    return True


_ICS_LINE = re.compile(
    r"^(METHOD|UID|SUMMARY|DTSTART|ORGANIZER)(?:;[^:\n]*)?:(.*)$", re.MULTILINE | re.IGNORECASE
)


def _calendar(text: str) -> CalendarInfo:
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    found: dict[str, str] = {}
    for match in _ICS_LINE.finditer(unfolded):
        found.setdefault(match.group(1).upper(), clean_text(match.group(2).strip())[:500])
    organizer = found.get("ORGANIZER", "")
    return CalendarInfo(
        method=found.get("METHOD", "").upper(),
        uid=found.get("UID", ""),
        summary=found.get("SUMMARY", "").replace("\\,", ",").replace("\\;", ";"),
        start=found.get("DTSTART", ""),
        organizer=organizer[7:].lower() if organizer.lower().startswith("mailto:") else organizer,
    )
