"""Turn bytes into text without ever raising, and say what was guessed.

Order: the declared charset (through an alias table that maps labels to the codec mail clients
really meant) → UTF-8 → cp1252 → cp1252 with replacement characters.
"""

from __future__ import annotations

import codecs
import re

# Labels seen in the wild, mapped to the codec that decodes what the sender really wrote.
# Latin-1 and ASCII labels are read as cp1252 because Windows clients put “smart quotes” and € in
# mails labelled iso-8859-1 (the WHATWG encoding standard does the same).
_ALIASES: dict[str, str] = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "euc-jp": "euc_jis_2004",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "unicode-1-1-utf-7": "utf-7",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "koi8r": "koi8-r",
    "cp-1251": "cp1251",
    "win-1251": "cp1251",
}
# Labels that promise nothing: go straight to detection without calling it a problem.
_NO_CHARSET = {"", "unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default", "8bit", "binary"}
_SINGLE_BYTE_LATIN = {
    codecs.lookup(name).name
    for name in ("cp1252", "cp1250", "cp1254", "iso-8859-2", "iso-8859-15", "mac_roman")
}
_LABEL_JUNK = re.compile(r"[\"'\s]")


def normalize_charset(label: str | None) -> str:
    """The codec name we use for a declared label, or "" when the label is empty or unknown."""
    if not label:
        return ""
    cleaned = _LABEL_JUNK.sub("", label).lower()
    if cleaned in _NO_CHARSET:
        return ""
    name = _ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return ""


def _is_clean_utf8_with_non_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_bytes(data: bytes, declared: str | None, problems: list[str], *, where: str = "body") -> str:
    """Decode `data`; append a sentence to `problems` whenever we had to guess. Never raises."""
    if data.isascii():
        # ASCII decodes identically in every charset we accept except UTF-7 and the ISO-2022
        # family (which are 7-bit encodings), so only those need the declared codec.
        codec = normalize_charset(declared)
        if codec not in {"utf-7", "iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_kr"}:
            return data.decode("ascii")
    codec = normalize_charset(declared)
    label = (declared or "").strip().strip("\"'")
    if label and not codec and label.lower() not in _NO_CHARSET:
        problems.append(f"unknown charset {label!r} in {where}")
    if codec:
        if codec in _SINGLE_BYTE_LATIN and _is_clean_utf8_with_non_ascii(data):
            # A single-byte label on bytes that are valid multi-byte UTF-8 is a mislabel: the chance
            # that real Latin text forms valid UTF-8 sequences is negligible.
            problems.append(f"charset {label!r} in {where} is really utf-8")
            return data.decode("utf-8")
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            problems.append(f"{where} is not valid {label or codec}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if label and codec:
            problems.append(f"{where} decoded as utf-8")
        return text
    try:
        text = data.decode("cp1252")
        problems.append(f"{where} decoded as cp1252")
        return text
    except UnicodeDecodeError:
        problems.append(f"{where} decoded as cp1252 with replacement characters")
        return data.decode("cp1252", errors="replace")


_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop NULs and other C0 controls, replace lone surrogates: every string we return must be
    storable in PostgreSQL text columns and encodable as UTF-8."""
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def raw_header_to_text(value: str, problems: list[str], *, where: str) -> str:
    """A header value as the parser stored it (8-bit bytes as surrogate escapes) made into text:
    raw 8-bit headers are almost always UTF-8, otherwise cp1252."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        # Already real text (e.g. a header set from Python code); nothing was lost.
        return clean_text(value)
    return decode_bytes(data, None, problems, where=where)
