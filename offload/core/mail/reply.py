"""Find what the sender actually wrote in this message: the new text above (or between) the
quotes, without the quoted history and without the signature."""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage

# The line our outbound mail puts above its text: whatever a reply has at and below it is quoted
# history, whichever client quoted it and however (Outlook does not mark quotes with ">").
REPLY_MARKER = "##- Please type your reply above this line -##"
_MARKER_LINE = re.compile(r"^[ >]*##-[^\n]*-##[ \t]*$", re.MULTILINE)

_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs"]

# Lines that begin a forwarded message in the body. A forward is kept whole: the forwarded mail is
# usually the very thing the sender wants us to act on.
_FORWARD_MARKER = re.compile(
    r"^[ >]*(?:-{2,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht)"
    r"\s*-{2,}|Begin forwarded message:|Anfang der weitergeleiteten Nachricht:|"
    r"Début du message réexpédié\s*:)",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|wg|tr|vb|vl|rv|enc|doorst|pd|ilt|i|továbbítás|πρθ|пересл|转发|轉寄|転送)"
    r"\s*(?:\[\d+\])?\s*[:\uff1a]",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"^(?:On\s.+\swrote:|Am\s.+\sschrieb.*:|Le\s.+\sa\s+écrit\s*:|El\s.+\sescribió:|Il\s.+\sha scritto:|"
    r"Op\s.+\sschreef.*:|Den\s.+\sskrev.*:)\s*$",
    re.IGNORECASE,
)
# Closing lines that may start a signature. Anything longer than a sign-off is content.
_SIGN_OFF_MAX = 40
_TOP_POST_MIN_CHARS = 12
_SIGNATURE_MAX_LINES = 12


_REPLY_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:re|aw|sv|vs|antw|odp|rif|r|ynt|res|rép|rep|回复|答复|回覆|返信)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]",
    re.IGNORECASE,
)


def is_forward(subject: str, text: str) -> bool:
    """A forward by its subject prefix, or by a forward marker in the body of a mail whose
    subject is not a reply (a reply may quote an old forward further down)."""
    if _FORWARD_SUBJECT.match(subject):
        return True
    return not _REPLY_SUBJECT.match(subject) and bool(_FORWARD_MARKER.search(text[:20_000]))


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _inline_reply(lines: list[str]) -> str | None:
    """If the sender answered between quoted lines (or below them), the reply with the quotes
    kept for context; None for top-posting or no quotes."""
    first_quote = next((i for i, line in enumerate(lines) if _is_quoted(line)), None)
    if first_quote is None:
        return None
    own_before = " ".join(
        line.strip() for line in lines[:first_quote] if line.strip() and not _ATTRIBUTION.match(line.strip())
    )
    blocks = 0
    in_block = False
    last_own = last_quote = first_quote
    for i in range(first_quote + 1, len(lines)):
        line = lines[i].strip()
        if not line:
            continue
        if _is_quoted(lines[i]):
            in_block = False
            last_quote = i
            continue
        if line in {"--", "-- "} or _ATTRIBUTION.match(line):
            break
        if not in_block:
            blocks += 1
            in_block = True
        last_own = i
    if last_own == first_quote:
        return None
    if len(own_before) >= _TOP_POST_MIN_CHARS and blocks == 1 and last_own > last_quote:
        # Real text above the quote and one block under it: a top-post with a footer or
        # disclaimer that a server appended below the quote.
        return None
    kept = [line for line in lines[: last_own + 1] if not _ATTRIBUTION.match(line.strip())]
    return "\n".join(kept).strip()


def _signature_is_plausible(signature: str) -> bool:
    lines = signature.strip().splitlines()
    if not lines:
        return False
    first = lines[0].strip().lstrip("> ").strip()
    if first.startswith(("--", "__", "Sent from", "Get Outlook", "Von meinem", "Envoyé de", "Gesendet von")):
        return True
    return len(first) <= _SIGN_OFF_MAX and len(lines) <= _SIGNATURE_MAX_LINES


def extract_reply(text: str, *, subject: str, max_chars: int, problems: list[str]) -> tuple[str, str]:
    """(reply_text, style) where style is "top" (quotes below were cut), "inline" (answers between
    quotes, quotes kept), "forward" (kept whole), or "" (nothing quoted)."""
    if not text.strip():
        return "", ""
    if len(text) > max_chars:
        problems.append(f"body longer than {max_chars} characters: reply not separated from quotes")
        return text.strip(), ""
    marker = _MARKER_LINE.search(text)
    if marker is not None and not is_forward(subject, text[: marker.start()]):
        above = text[: marker.start()]
        reply, _ = extract_reply(above, subject=subject, max_chars=max_chars, problems=problems)
        return reply, "top"
    if is_forward(subject, text):
        return text.strip(), "forward"
    normalized = text.replace("\r\n", "\n")
    lines = normalized.split("\n")
    inline = _inline_reply(lines)
    if inline is not None:
        return _strip_trailing_signature(inline), "inline"
    message = EmailMessage(text=normalized, languages=list(_LANGUAGES), keep_hyphen_lists=True).read()
    if not message.replies:
        return text.strip(), ""
    first = message.replies[0]
    body = first.full_body
    if first.signatures and _signature_is_plausible(first.signatures):
        body = body.replace(first.signatures, "")
    for disclaimer in first.disclaimers:
        body = body.replace(disclaimer, "")
    kept = [line for line in body.split("\n") if not _is_quoted(line)]
    # Attributions the library does not know ("Op … schreef:", "El … escribió:") end the text.
    while kept and (not kept[-1].strip() or _ATTRIBUTION.match(kept[-1].strip())):
        kept.pop()
    body = "\n".join(kept).strip()
    style = "top" if len(message.replies) > 1 or any(_is_quoted(line) for line in lines) else ""
    if not body:
        # Everything looked quoted (a reply with nothing added, or a client that quotes oddly):
        # better to show the whole text than nothing.
        return text.strip(), style
    return body, style


_DASH_SIGNATURE = re.compile(r"\n-- ?\n.*\Z", re.DOTALL)


def _strip_trailing_signature(text: str) -> str:
    return _DASH_SIGNATURE.sub("", text).strip()
