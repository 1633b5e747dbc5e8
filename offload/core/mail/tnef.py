"""Files inside winmail.dat (Microsoft TNEF), read with a small pure-Python walker.

Only what a help desk needs: each attachment's name and bytes. Anything we do not understand ends
the walk; the caller then keeps winmail.dat itself as an attachment.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

TNEF_SIGNATURE = 0x223E9F78
LVL_ATTACHMENT = 0x02
# Attribute ids (low 16 bits of the TNEF attribute tag).
ATT_ATTACH_REND_DATA = 0x9002  # starts a new attachment
ATT_ATTACH_TITLE = 0x8010  # 8.3-style file name, 8-bit, NUL-terminated
ATT_ATTACH_DATA = 0x800F  # the file's bytes
ATT_ATTACHMENT = 0x9005  # MAPI properties of the attachment (long file name, MIME type)

PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_DISPLAY_NAME = 0x3001
_PT_STRING8, _PT_UNICODE, _PT_BINARY = 0x001E, 0x001F, 0x0102
_FIXED_SIZES = {0x0002: 2, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4, 0x000B: 2,
                0x0014: 8, 0x0040: 8, 0x0048: 16}  # fmt: skip
_MULTI_FLAG = 0x1000


class TnefError(ValueError):
    """The blob is not TNEF, or is truncated or malformed."""


@dataclass(slots=True)
class TnefAttachment:
    title: str = ""
    long_name: str = ""
    mime_type: str = ""
    data: bytes = b""

    @property
    def filename(self) -> str:
        return self.long_name or self.title


@dataclass(slots=True)
class TnefContent:
    attachments: list[TnefAttachment] = field(default_factory=list)


def is_tnef(data: bytes) -> bool:
    return len(data) >= 6 and struct.unpack_from("<I", data, 0)[0] == TNEF_SIGNATURE


def _decode_8bit(raw: bytes) -> str:
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read_mapi_props(data: bytes, target: TnefAttachment) -> None:
    """Pick the long file name and MIME tag out of an attAttachment MAPI property block."""
    if len(data) < 4:
        return
    (count,) = struct.unpack_from("<I", data, 0)
    pos = 4
    for _ in range(min(count, 1000)):
        if pos + 4 > len(data):
            return
        prop_type, prop_id = struct.unpack_from("<HH", data, pos)
        pos += 4
        if prop_id >= 0x8000:
            return  # named properties: a GUID and a name follow; we need none of them
        is_multi = bool(prop_type & _MULTI_FLAG)
        base_type = prop_type & ~_MULTI_FLAG
        if base_type in (_PT_STRING8, _PT_UNICODE, _PT_BINARY) or is_multi:
            if pos + 4 > len(data):
                return
            (values,) = struct.unpack_from("<I", data, pos)
            pos += 4
            value = b""
            for _ in range(min(values, 1000)):
                if base_type in (_PT_STRING8, _PT_UNICODE, _PT_BINARY):
                    if pos + 4 > len(data):
                        return
                    (length,) = struct.unpack_from("<I", data, pos)
                    pos += 4
                    value = data[pos : pos + length]
                    pos += length + (-length % 4)
                else:
                    size = _FIXED_SIZES.get(base_type)
                    if size is None:
                        return
                    pos += size + (-size % 4)
            if base_type == _PT_UNICODE:
                text = value.decode("utf-16-le", errors="replace").split("\x00", 1)[0]
            else:
                text = _decode_8bit(value)
            if prop_id == PR_ATTACH_LONG_FILENAME:
                target.long_name = text
            elif prop_id == PR_ATTACH_MIME_TAG:
                target.mime_type = text
        else:
            size = _FIXED_SIZES.get(base_type)
            if size is None:
                return
            pos += size + (-size % 4)


def read_tnef(data: bytes, *, max_attachments: int = 100) -> TnefContent:
    """Attachments inside a TNEF blob. Raises TnefError on anything that is not well-formed TNEF."""
    if not is_tnef(data):
        raise TnefError("not a TNEF stream")
    pos = 6  # signature (4) + key (2)
    content = TnefContent()
    current: TnefAttachment | None = None
    while pos < len(data):
        if pos + 9 > len(data):
            raise TnefError("truncated attribute header")
        level = data[pos]
        tag, length = struct.unpack_from("<II", data, pos + 1)
        pos += 9
        if length > len(data) - pos - 2:
            raise TnefError("attribute longer than the stream")
        value = data[pos : pos + length]
        pos += length + 2  # value + 16-bit checksum (not verified: clients get it wrong too)
        if level != LVL_ATTACHMENT:
            continue
        attr_id = tag & 0xFFFF
        if attr_id == ATT_ATTACH_REND_DATA:
            if len(content.attachments) >= max_attachments:
                break
            current = TnefAttachment()
            content.attachments.append(current)
        elif current is None:
            continue
        elif attr_id == ATT_ATTACH_TITLE:
            current.title = _decode_8bit(value)
        elif attr_id == ATT_ATTACH_DATA:
            current.data = bytes(value)
        elif attr_id == ATT_ATTACHMENT:
            _read_mapi_props(value, current)
    return content
