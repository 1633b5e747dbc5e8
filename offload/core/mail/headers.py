"""Header values made readable: RFC 2047 words (also broken ones), addresses, Message-IDs, dates,
and subjects with their reply/forward prefixes in many languages."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import re

from offload.core.mail.charsets import clean_text, decode_bytes
from offload.core.mail.types import Address

_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WS_ONLY = re.compile(r"\A[ \t\r\n]*\Z")


def unfold(value: str) -> str:
    return _FOLD.sub("", value).replace("\r", "").replace("\n", " ")


def _decode_q(text: str) -> bytes:
    text = text.replace("_", " ")
    out = bytearray()
    i = 0
    raw = text.encode("ascii", "surrogateescape")
    while i < len(raw):
        ch = raw[i]
        if ch == 0x3D and i + 2 < len(raw) + 0 and re.fullmatch(rb"[0-9A-Fa-f]{2}", raw[i + 1 : i + 3]):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(ch)
            i += 1
    return bytes(out)


def _decode_b(text: str) -> bytes:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return b""


def decode_words(value: str, problems: list[str], *, where: str) -> str:
    """Decode RFC 2047 encoded words anywhere in `value`, tolerating what real clients send:
    adjacent words splitting one multi-byte character, words inside quotes, bad padding,
    unknown charsets, and raw 8-bit text next to them (`value` may carry surrogate escapes)."""
    value = unfold(value)
    if "=?" not in value:
        return _raw_text(value, problems, where)
    pieces: list[str] = []
    pending_charset: str | None = None
    pending: bytearray = bytearray()
    last_end = 0

    def flush() -> None:
        nonlocal pending_charset, pending
        if pending_charset is not None:
            pieces.append(decode_bytes(bytes(pending), pending_charset, problems, where=where))
        pending_charset, pending = None, bytearray()

    for match in _ENCODED_WORD.finditer(value):
        between = value[last_end : match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*de?Q?...?=
        if not (pending_charset is not None and _WS_ONLY.match(between)):
            flush()
            pieces.append(_raw_text(between, problems, where))
        elif pending_charset.lower() != charset.lower():
            flush()
        data = _decode_b(match.group(3)) if match.group(2) in "bB" else _decode_q(match.group(3))
        pending_charset = charset
        pending += data
        last_end = match.end()
    flush()
    pieces.append(_raw_text(value[last_end:], problems, where))
    return "".join(pieces)


def _raw_text(value: str, problems: list[str], where: str) -> str:
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_bytes(data, None, problems, where=where)


def header_text(value: str | None, problems: list[str], *, where: str) -> str:
    """An unstructured header (Subject, Thread-Topic…) as clean single-line text."""
    if not value:
        return ""
    text = decode_words(value, problems, where=where)
    return clean_text(" ".join(text.split()))


# --- Message-IDs -----------------------------------------------------------------------------

_ANGLE_ID = re.compile(r"<([^<>\s]{1,500})>")


def message_ids(value: str | None) -> list[str]:
    """Message-IDs in a References/In-Reply-To value, in order, without angle brackets. Clients that
    forget the brackets (or add comments) are tolerated: bare tokens with an @ count too."""
    if not value:
        return []
    value = unfold(value)
    found = [m.group(1) for m in _ANGLE_ID.finditer(value)]
    if not found:
        found = [tok.strip("<>,;\"'()") for tok in value.split() if "@" in tok]
    seen: set[str] = set()
    result = []
    for mid in found:
        mid = clean_text(mid)
        if mid and mid not in seen and mid.isascii():
            seen.add(mid)
            result.append(mid)
    return result


# --- Addresses -------------------------------------------------------------------------------


def addresses(values: list[str], problems: list[str], *, where: str) -> list[Address]:
    """Mailboxes from one or more address headers. Display names may hold encoded words (even
    inside quotes, against the RFC) or raw 8-bit text; groups and empty entries are skipped."""
    result: list[Address] = []
    seen: set[str] = set()
    for raw in values:
        if not raw:
            continue
        value = unfold(raw)
        for name, addr in email.utils.getaddresses([value]):
            addr = clean_text(_raw_text(addr, problems, where)).strip().strip("<>").strip()
            if not addr or " " in addr:
                continue
            name = header_text(name, problems, where=where) if name else ""
            key = addr.lower()
            if key in seen:
                continue
            seen.add(key)
            result.append(Address(address=key, name=name.strip().strip('"').strip()))
    return result


# --- Dates -----------------------------------------------------------------------------------

_MIN_DATE = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def parse_date(value: str | None, problems: list[str]) -> dt.datetime | None:
    """The Date header as an aware datetime (UTC when the zone is missing), or None."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(unfold(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append("unparseable Date header")
        return None
    if parsed is None:
        problems.append("unparseable Date header")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        if parsed < _MIN_DATE or parsed.year > 9000:
            problems.append("implausible Date header")
            return None
    except OverflowError:
        return None
    return parsed


# --- Subjects --------------------------------------------------------------------------------

# Reply and forward prefixes as mail clients write them, in many languages: Re, AW (Antwort),
# WG (Weitergeleitet), Fwd/Fw, SV/VS (Nordic), TR (transféré), RV/RE (Spanish), R/I/Rif (Italian),
# Antw/Doorst (Dutch), Odp/PD (Polish), VL (Finnish), YNT/ILT (Turkish), Vá/Továbbítás (Hungarian),
# Greek and Russian forms, 回复/回覆/答复/转发/轉寄 (Chinese), 返信/転送 (Japanese).
_PREFIX_WORDS = (
    r"re|aw|wg|fwd?|sv|vs|vb|tr|trans|rv|rif|r|i|antw|antwoord|doorst|odp|pd|vl|vs|ynt|ilt|"
    r"res|enc|rép|rep|továbbítás|vá|απ|σχετ|πρθ|на|отв|ответ|пересл|fw|"
    r"回复|回覆|答复|转发|轉寄|返信|転送"
)
_PREFIX = re.compile(
    rf"^\s*(?:{_PREFIX_WORDS})\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:\uff1a]\s*",
    re.IGNORECASE,
)
# Gateways and Exchange rules prepend these before the reply prefix: "[EXTERNAL] RE: …".
_NOISE_TAG = re.compile(r"^\s*(?:\[(?:external|extern|ext|spam|suspicious)\]|\*\*?external\*?\*)\s*", re.I)
_TAG = re.compile(r"\[([^\[\]]{1,64})\]")


def normalize_subject(subject: str) -> str:
    """The subject without leading reply/forward prefixes (repeated, counted, in many languages)
    and gateway noise tags; bracketed tags such as "[ACME-1042]" stay."""
    previous = None
    text = subject
    while previous != text:
        previous = text
        text = _NOISE_TAG.sub("", text)
        text = _PREFIX.sub("", text)
    return " ".join(text.split())


def subject_tags(subject: str) -> list[str]:
    """Bracketed tokens in the subject, in order ("[ACME-1042] Re: x" → ["ACME-1042"])."""
    return [m.group(1).strip() for m in _TAG.finditer(subject)]
