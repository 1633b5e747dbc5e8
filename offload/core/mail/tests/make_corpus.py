# ruff: noqa: E501, RUF001 - raw header lines and non-Latin sample text are the data here
"""Builds the edge-case mail corpus: one .eml per case plus corpus/expected.json.

Run `.venv/bin/python -m offload.core.mail.tests.make_corpus` to regenerate; the test suite checks
that the committed files are exactly what this script writes. Cases marked `committed=False`
(too big for the repository) are built in memory by the tests.

Each expectation maps a field path of ParsedMessage to a value. Suffixes: `~` the text contains
each given string, `!~` it contains none, `#` length, `^` starts with; a plain key is equality.
`raises` names the MailParseError reason instead.
"""

from __future__ import annotations

import base64
import json
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Case:
    name: str
    note: str
    build: Callable[[], bytes]
    expect: dict
    committed: bool = True


CASES: list[Case] = []


def case(name: str, note: str, expect: dict, *, committed: bool = True):
    def register(build: Callable[[], bytes]) -> Callable[[], bytes]:
        CASES.append(Case(name, note, build, expect, committed))
        return build

    return register


def simple(name: str, note: str, raw: bytes, expect: dict) -> None:
    CASES.append(Case(name, note, lambda: raw, expect))


def eml(headers: str, body: bytes | str = b"", *, crlf: bool = False) -> bytes:
    """Headers as text (one per line) and a body; bytes go through untouched."""
    head = headers.strip("\n").encode("utf-8", "surrogateescape")
    data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    raw = head + b"\n\n" + data
    return raw.replace(b"\n", b"\r\n") if crlf else raw


BASE = (
    "From: Bob Client <bob@client.example>\n"
    "To: Help Desk <help@acme.example>\n"
    "Date: Mon, 03 Mar 2025 10:15:00 +0100\n"
)


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode().strip()


def png_bytes(color: int = 0) -> bytes:
    """A valid 1x1 PNG of a given grey level."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(bytes([0, color])))
        + chunk(b"IEND", b"")
    )


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal TNEF stream as Outlook writes it: per file a rendering record, an 8.3 title,
    the data and a MAPI block with the long file name (PR_ATTACH_LONG_FILENAME, Unicode)."""

    def attr(level: int, tag: int, data: bytes) -> bytes:
        return struct.pack("<BII", level, tag, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attr(1, 0x00089006, struct.pack("<I", 0x00010000))
    for name, data in files:
        short = (name.split(".")[0][:6].upper() + "~1." + name.rsplit(".", 1)[-1][:3].upper()).encode()
        out += attr(2, 0x00069002, struct.pack("<HIIHI", 1, 0xFFFFFFFF, 0, 0, 0))
        out += attr(2, 0x00018010, short + b"\x00")
        out += attr(2, 0x0006800F, data)
        long_name = name.encode("utf-16-le") + b"\x00\x00"
        props = struct.pack("<IHHI", 1, 0x001F, 0x3707, 1) + struct.pack("<I", len(long_name)) + long_name
        props += b"\x00" * (-len(long_name) % 4)
        out += attr(2, 0x00069005, props)
    return out


def multipart(ctype: str, parts: list[str], boundary: str = "b1", extra: str = "") -> str:
    body = "".join(f"--{boundary}\n{part.strip(chr(10))}\n" for part in parts)
    return f'Content-Type: {ctype}; boundary="{boundary}"{extra}', f"{body}--{boundary}--\n"


def enc_word(text: str, charset: str, kind: str = "B") -> str:
    data = text.encode(charset)
    if kind == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    quoted = "".join(chr(c) if c < 128 and chr(c).isalnum() else f"={c:02X}" for c in data)
    return f"=?{charset}?Q?{quoted}?="


# --- Charsets -------------------------------------------------------------------------------------

RU = "Принтер не печатает, помогите пожалуйста"
simple(
    "charset_koi8r",
    "KOI8-R body (8bit) and KOI8-R B-encoded subject",
    eml(
        BASE + f"Subject: {enc_word('Принтер сломан', 'koi8-r')}\nMessage-ID: <koi8@client.example>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=KOI8-R\nContent-Transfer-Encoding: 8bit",
        RU.encode("koi8-r") + b"\n",
    ),
    {"subject": "Принтер сломан", "text~": [RU], "problems#": 0},
)
JA = "プリンターが動きません。よろしくお願いします。"
simple(
    "charset_iso2022jp",
    "ISO-2022-JP (7bit) body and subject, as Japanese mail clients still send",
    eml(
        BASE + f"Subject: {enc_word('プリンター故障', 'iso-2022-jp')}\nMessage-ID: <jis@client.example>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit",
        JA.encode("iso-2022-jp") + b"\n",
    ),
    {"subject": "プリンター故障", "text~": [JA], "problems#": 0},
)
simple(
    "charset_windows1251",
    "windows-1251 body, Q-encoded windows-1251 subject",
    eml(
        BASE + f"Subject: {enc_word('Сервер недоступен', 'windows-1251', 'Q')}\n"
        "Message-ID: <cp1251@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: 8bit",
        "Сервер недоступен с утра.\n".encode("cp1251"),
    ),
    {"subject": "Сервер недоступен", "text~": ["Сервер недоступен с утра."]},
)
simple(
    "charset_shift_jis",
    "Shift_JIS body with a label spelled in lower case",
    eml(
        BASE + "Subject: printer\nMessage-ID: <sjis@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=shift_jis\nContent-Transfer-Encoding: 8bit",
        "メールが届きません①".encode("cp932") + b"\n",
    ),
    {"text~": ["メールが届きません①"], "problems#": 0},
)
simple(
    "charset_missing_utf8",
    "no charset parameter, UTF-8 bytes: detected as UTF-8 silently",
    eml(
        BASE + "Subject: Gruesse\nMessage-ID: <nocs8@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit",
        "Viele Grüße aus Köln\n",
    ),
    {"text~": ["Viele Grüße aus Köln"]},
)
simple(
    "charset_missing_cp1252",
    "no charset, Windows-1252 bytes: read as cp1252 and said so",
    eml(
        BASE + "Subject: cafe\nMessage-ID: <nocs1252@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit",
        "Caf\xe9 costs 5\x80 \x93quoted\x94\n".encode("latin-1"),
    ),
    {"text~": ["Café costs 5€ “quoted”"], "problems~": ["decoded as cp1252"]},
)
simple(
    "charset_wrong_latin1_is_utf8",
    "labelled iso-8859-1 but the bytes are UTF-8 (a common mislabel)",
    eml(
        BASE + "Subject: mislabel\nMessage-ID: <mislabel@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit",
        "Straße – naïve café\n",
    ),
    {"text~": ["Straße – naïve café"], "problems~": ["really utf-8"]},
)
simple(
    "charset_latin1_means_cp1252",
    "labelled iso-8859-1 with Windows smart quotes and euro sign in 0x80-0x9F",
    eml(
        BASE + "Subject: quotes\nMessage-ID: <smart@client.example>\nMIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="ISO-8859-1"\nContent-Transfer-Encoding: quoted-printable',
        "It=92s =93fine=94 for 10=80 =E0 la carte\n",
    ),
    {"text~": ["It’s “fine” for 10€ à la carte"], "problems#": 0},
)
simple(
    "charset_unknown_label",
    "charset label nobody knows; content is UTF-8",
    eml(
        BASE + "Subject: unknown charset\nMessage-ID: <unk@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=x-klingon-8\nContent-Transfer-Encoding: 8bit",
        "Ünïcödé survives\n",
    ),
    {"text~": ["Ünïcödé survives"], "problems~": ["unknown charset 'x-klingon-8'"]},
)
simple(
    "charset_utf8_label_cp1252_bytes",
    "declared UTF-8 but Windows-1252 bytes: falls back to cp1252",
    eml(
        BASE + "Subject: bad utf8\nMessage-ID: <badutf8@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
        "R\xe9sum\xe9 attached\n".encode("latin-1"),
    ),
    {"text~": ["Résumé attached"], "problems~": ["not valid utf-8", "decoded as cp1252"]},
)
simple(
    "charset_undecodable_bytes",
    "bytes that fit no charset (0x81 is undefined in cp1252): replacement characters, no crash",
    eml(
        BASE + "Subject: junk bytes\nMessage-ID: <junkbytes@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
        b"before \x81\x8d\xff after\n",
    ),
    {"text~": ["before", "after", "\ufffd"], "problems~": ["replacement characters"]},
)
simple(
    "charset_alias_utf8_gb2312_ks",
    "labels 'utf8' on the body and gb2312 / ks_c_5601-1987 in encoded words",
    eml(
        BASE
        + f"Subject: {enc_word('打印机', 'gb2312')} {enc_word('프린터', 'cp949').replace('cp949', 'ks_c_5601-1987')}\n"
        "Message-ID: <alias@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf8\nContent-Transfer-Encoding: base64",
        b64("打印机坏了 — 프린터 고장\n".encode()),
    ),
    {"subject": "打印机프린터", "text~": ["打印机坏了 — 프린터 고장"], "problems#": 0},
)
simple(
    "header_8bit_utf8",
    "raw UTF-8 bytes in Subject and From display name (no RFC 2047)",
    eml(
        "From: Jürgen Müller <juergen@client.example>\nTo: help@acme.example\n"
        "Subject: Drucker im Büro spinnt\nMessage-ID: <h8@client.example>\n"
        "Content-Type: text/plain; charset=utf-8",
        "Bitte helfen.\n",
    ),
    {
        "subject": "Drucker im Büro spinnt",
        "from_.name": "Jürgen Müller",
        "from_.address": "juergen@client.example",
    },
)
simple(
    "header_8bit_latin1",
    "raw Latin-1 bytes in the Subject header",
    eml(
        BASE.replace("Bob Client", "Bob")
        + "Subject: Probl\udce8me d'acc\udce8s\nMessage-ID: <h8l@client.example>",
        "x\n",
    ),
    {"subject": "Problème d'accès", "problems~": ["subject decoded as cp1252"]},
)
simple(
    "header_rfc2047_split_multibyte",
    "a UTF-8 character split across two adjacent encoded words (illegal, common)",
    eml(
        BASE
        + "Subject: =?UTF-8?B?w6Q=?= =?UTF-8?Q?=C3?=\n =?UTF-8?Q?=B6_done?=\nMessage-ID: <split@client.example>",
        "x\n",
    ),
    {"subject": "äö done", "problems#": 0},
)
simple(
    "header_rfc2047_broken",
    "encoded words with missing padding, unknown charset, lower-case q, and inside a quoted name",
    eml(
        'From: "=?utf-8?Q?M=C3=BCller=2C_Hans?=" <hans@client.example>\nTo: help@acme.example\n'
        "Subject: =?utf-8?b?w6R4?= / =?x-nope?Q?caf=C3=A9?= / =?iso-8859-1?q?na=EFve?=\n"
        "Message-ID: <broken2047@client.example>",
        "x\n",
    ),
    {
        "subject": "äx / café / naïve",
        "from_.name": "Müller, Hans",
        "problems~": ["unknown charset 'x-nope'"],
    },
)

# --- Broken and unusual MIME ----------------------------------------------------------------------

simple(
    "mime_missing_boundary",
    "multipart/mixed without a boundary parameter: the body is read as text",
    eml(
        BASE + "Subject: no boundary\nMessage-ID: <nob@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed",
        "--zzz\nContent-Type: text/plain\n\nThe VPN is down.\n--zzz--\n",
    ),
    {"text": "The VPN is down.", "problems~": ["without a usable boundary, guessed 'zzz'"]},
)
simple(
    "mime_boundary_never_found",
    "boundary declared but never used in the body",
    eml(
        BASE + "Subject: wrong boundary\nMessage-ID: <wrongb@client.example>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="declared"',
        "--other\nContent-Type: text/plain\n\nMailbox full.\n--other--\n",
    ),
    {"text": "Mailbox full.", "problems~": ["StartBoundaryNotFoundDefect", "guessed 'other'"]},
)
_trunc_head, _trunc_body = multipart(
    "multipart/mixed",
    [
        "Content-Type: text/plain; charset=utf-8\n\nSee the attached log.",
        "Content-Type: application/octet-stream; name=log.bin\nContent-Disposition: attachment; filename=log.bin\n"
        "Content-Transfer-Encoding: base64\n\n" + b64(bytes(range(256)) * 4),
    ],
)
simple(
    "mime_truncated",
    "multipart cut off in the middle of a base64 attachment (connection dropped)",
    eml(
        BASE + "Subject: truncated\nMessage-ID: <trunc@client.example>\nMIME-Version: 1.0\n" + _trunc_head,
        _trunc_body[: len(_trunc_body) // 2],
    ),
    {
        "text~": ["See the attached log."],
        "attachments#": 1,
        "attachments[0].filename": "log.bin",
        "problems~": ["CloseBoundaryNotFoundDefect"],
    },
)


def _nested(levels: int) -> tuple[str, str]:
    inner_head = "Content-Type: text/plain; charset=utf-8"
    inner_body = "Deep inside.\n"
    for level in range(levels, 0, -1):
        boundary = f"lvl{level}"
        body = f"--{boundary}\n{inner_head}\n\n{inner_body}--{boundary}--\n"
        inner_head, inner_body = f'Content-Type: multipart/mixed; boundary="{boundary}"', body
    return inner_head, inner_body


_rel_head, _rel_body = multipart(
    "multipart/related",
    [
        'Content-Type: text/html; charset=utf-8\n\n<p>Screenshot:</p><img src="cid:shot1@client">',
        "Content-Type: image/png\nContent-ID: <shot1@client>\nContent-Transfer-Encoding: base64\n\n"
        + b64(png_bytes(7)),
    ],
    boundary="rel",
)
_alt_head, _alt_body = multipart(
    "multipart/alternative",
    ["Content-Type: text/plain; charset=utf-8\n\nScreenshot: [image]", f"{_rel_head}\n\n{_rel_body}"],
    boundary="alt",
)
_mix_head, _mix_body = multipart(
    "multipart/mixed",
    [
        f"{_alt_head}\n\n{_alt_body}",
        "Content-Type: text/csv; name=data.csv\nContent-Disposition: attachment; filename=data.csv\n\na,b\n1,2",
    ],
    boundary="mix",
)
simple(
    "mime_nested_alternative_related",
    "mixed > alternative > related(html + cid image) + csv attachment, as Outlook and Gmail send",
    eml(
        BASE + "Subject: nested\nMessage-ID: <nested@client.example>\nMIME-Version: 1.0\n" + _mix_head,
        _mix_body,
    ),
    {
        "text": "Screenshot: [image]",
        "html~": ['<img src="cid:shot1@client">'],
        "attachments#": 2,
        "attachments[0].is_inline": True,
        "attachments[0].content_ids": ["shot1@client"],
        "attachments[1].filename": "data.csv",
        "attachments[1].is_inline": False,
    },
)
_deep_head, _deep_body = _nested(30)
simple(
    "mime_nesting_too_deep",
    "30 nested multiparts: the walk stops at the depth limit instead of recursing forever",
    eml(
        BASE + "Subject: deep\nMessage-ID: <deep@client.example>\nMIME-Version: 1.0\n" + _deep_head,
        _deep_body,
    ),
    {"text": "", "problems~": ["nesting deeper than 20"]},
)
_ok_head, _ok_body = _nested(5)
simple(
    "mime_nested_five",
    "five nested multipart/mixed levels around one text part",
    eml(BASE + "Subject: five\nMessage-ID: <five@client.example>\nMIME-Version: 1.0\n" + _ok_head, _ok_body),
    {"text": "Deep inside.", "problems#": 0},
)
simple(
    "mime_bad_base64",
    "base64 body with garbage characters and missing padding",
    eml(
        BASE + "Subject: bad base64\nMessage-ID: <b64@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
        "SGVsbG8g!!d29y\nbGQgZnJvbSBiYXNlNjQ",
    ),
    {"text~": ["Hello world from base"]},
)
simple(
    "mime_headers_only",
    "headers and nothing else, not even the blank line",
    b"From: bob@client.example\nTo: help@acme.example\nSubject: headers only\nMessage-ID: <ho@client.example>\n",
    {"subject": "headers only", "text": "", "reply_text": "", "attachments#": 0},
)
simple(
    "mime_no_separator",
    "the body starts right after the headers without a blank line",
    b"From: bob@client.example\nSubject: no separator\nMessage-ID: <nosep@client.example>\n"
    b"This line is the body.\nSo is this.\n",
    {"subject": "no separator", "text~": ["This line is the body.", "So is this."]},
)
simple(
    "mime_content_type_garbage",
    "unparseable Content-Type falls back to text/plain",
    eml(
        BASE + "Subject: garbage ctype\nMessage-ID: <ctype@client.example>\nMIME-Version: 1.0\n"
        'Content-Type: ;;;=="\nContent-Transfer-Encoding: 9bit',
        "Still readable.\n",
    ),
    {"text~": ["Still readable."]},
)
simple(
    "mime_quoted_printable",
    "quoted-printable with soft line breaks, =3D and UTF-8",
    eml(
        BASE + "Subject: qp\nMessage-ID: <qp@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
        "a=3Db and a very long line that was wrapped by the sender's client becau=\nse of the limit. Gr=C3=BC=C3=9Fe\n",
    ),
    {"text~": ["a=b and a very long line", "because of the limit. Grüße"]},
)
simple(
    "mime_crlf",
    "CRLF line endings throughout",
    eml(
        BASE + "Subject: crlf\nMessage-ID: <crlf@client.example>\nContent-Type: text/plain",
        "Line one\nLine two\n",
        crlf=True,
    ),
    {"subject": "crlf", "text~": ["Line one", "Line two"], "text!~": ["\r"]},
)
simple(
    "empty_bytes",
    "a zero-byte file (an MTA handing over nothing)",
    b"",
    {"raises": "empty"},
)
simple(
    "binary_garbage",
    "a PNG where a message was expected: no header fields at all",
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    {"raises": "no_headers"},
)


@case(
    "mime_2mb_single_line",
    "a 2 MB body on one line: parsed, body capped, reply scan skipped",
    {"subject": "long line", "text#": 1_000_000, "problems~": ["truncated", "reply not separated"]},
    committed=False,
)
def _long_line() -> bytes:
    return eml(BASE + "Subject: long line\nMessage-ID: <long@client.example>", b"A" * (2 * 1024 * 1024))


# --- Attachments ----------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def with_attachments(
    name: str, note: str, parts: list[str], expect: dict, *, text: str = "See attached."
) -> None:
    head, body = multipart(
        "multipart/mixed", [f"Content-Type: text/plain; charset=utf-8\n\n{text}", *parts], boundary="att"
    )
    simple(
        name,
        note,
        eml(BASE + f"Subject: {name}\nMessage-ID: <{name}@client.example>\nMIME-Version: 1.0\n" + head, body),
        expect,
    )


def pdf_part(disposition: str, ctype_params: str = "") -> str:
    return (
        f"Content-Type: application/pdf{ctype_params}\nContent-Disposition: {disposition}\n"
        f"Content-Transfer-Encoding: base64\n\n{b64(PDF)}"
    )


with_attachments(
    "attach_rfc2231_continuation",
    "RFC 2231 file name split into encoded continuations",
    [
        pdf_part(
            "attachment;\n filename*0*=utf-8''%E2%82%AC%20Rechnung%20;\n filename*1*=M%C3%A4rz%202025.pdf"
        )
    ],
    {"attachments[0].filename": "€ Rechnung März 2025.pdf", "attachments[0].size": len(PDF)},
)
with_attachments(
    "attach_rfc2047_filename",
    "RFC 2047 encoded word inside a quoted filename (Outlook, Thunderbird)",
    [pdf_part('attachment; filename="=?UTF-8?B?w5xiZXJzaWNodCBRMS5wZGY=?="')],
    {"attachments[0].filename": "Übersicht Q1.pdf"},
)
with_attachments(
    "attach_rfc5987_filename",
    "RFC 5987 / 2231 single-value filename* with a language tag",
    [pdf_part("attachment; filename*=UTF-8'de'na%C3%AFve%20%E2%82%AC.pdf")],
    {"attachments[0].filename": "naïve €.pdf"},
)
with_attachments(
    "attach_8bit_filenames",
    "raw 8-bit file names: one UTF-8, one Latin-1 (in name= only)",
    [
        pdf_part('attachment; filename="Präsentation.pdf"'),
        'Content-Type: application/pdf; name="R\udce9sum\udce9.pdf"\nContent-Transfer-Encoding: base64\n\n'
        + b64(PDF + b"2"),
    ],
    {
        "attachments[0].filename": "Präsentation.pdf",
        "attachments[1].filename": "Résumé.pdf",
        "problems~": ["attachment name decoded as cp1252"],
    },
)
with_attachments(
    "attach_path_traversal",
    "file names that try to climb directories or carry control characters",
    [
        pdf_part('attachment; filename="../../etc/passwd"'),
        pdf_part('attachment; filename="C:\\\\Windows\\\\evil\x07.exe"').replace(b64(PDF), b64(PDF + b"x")),
        pdf_part('attachment; filename="..."').replace(b64(PDF), b64(PDF + b"y")),
    ],
    {
        "attachments[*].filename": ["passwd", "evil.exe", "attachment.pdf"],
    },
)
with_attachments(
    "attach_no_filename",
    "an attachment without any name gets one from its type",
    [pdf_part("attachment")],
    {"attachments[0].filename": "attachment.pdf", "attachments[0].content_type": "application/pdf"},
)
with_attachments(
    "attach_too_many",
    "60 attachments: 50 kept, 10 recorded as dropped (too_many)",
    [
        pdf_part(f'attachment; filename="doc{i:02d}.pdf"').replace(b64(PDF), b64(PDF + bytes([i])))
        for i in range(60)
    ],
    {
        "attachments#": 50,
        "dropped_attachments#": 10,
        "dropped_attachments[0].reason": "too_many",
        "dropped_attachments[0].filename": "doc50.pdf",
    },
)
_only_head, _only_body = multipart(
    "multipart/mixed", [pdf_part('attachment; filename="scan.pdf"')], boundary="o"
)
simple(
    "attachments_only",
    "a scanner's mail: no text at all, one PDF",
    eml(
        BASE + "Subject: Scan from MFP\nMessage-ID: <scan@client.example>\nMIME-Version: 1.0\n" + _only_head,
        _only_body,
    ),
    {"text": "", "reply_text": "", "attachments[0].filename": "scan.pdf", "attachments#": 1},
)
simple(
    "attachment_top_level",
    "the whole message is one PDF (no multipart)",
    eml(
        BASE
        + "Subject: bare pdf\nMessage-ID: <bare@client.example>\nMIME-Version: 1.0\n"
        + pdf_part('attachment; filename="invoice.pdf"').replace("\n\n", "\n\n", 1).split("\n\n")[0],
        b64(PDF),
    ),
    {"text": "", "attachments[0].filename": "invoice.pdf", "attachments[0].sha256^": "", "attachments#": 1},
)


@case(
    "attach_huge",
    "a 26 MB attachment (built at test time): dropped as too_large, the text survives",
    {
        "text~": ["Here is the backup."],
        "attachments#": 0,
        "dropped_attachments[0].reason": "too_large",
        "dropped_attachments[0].filename": "backup.zip",
    },
    committed=False,
)
def _huge() -> bytes:
    blob = bytes(range(256)) * (26 * 1024 * 4)
    head, body = multipart(
        "multipart/mixed",
        [
            "Content-Type: text/plain\n\nHere is the backup.",
            "Content-Type: application/zip\nContent-Disposition: attachment; filename=backup.zip\n"
            "Content-Transfer-Encoding: base64\n\n" + b64(blob),
        ],
    )
    return eml(BASE + "Subject: huge\nMessage-ID: <huge@client.example>\nMIME-Version: 1.0\n" + head, body)


_IMG = b64(png_bytes(200))
_html40 = "".join(f'<img src="cid:logo{i}@sig">' for i in range(40))
_inl_head, _inl_body = multipart(
    "multipart/related",
    [f"Content-Type: text/html; charset=utf-8\n\n<p>Forty logos</p>{_html40}"]
    + [
        f"Content-Type: image/png; name=logo.png\nContent-ID: <logo{i}@sig>\nContent-Disposition: inline; "
        f"filename=logo.png\nContent-Transfer-Encoding: base64\n\n{_IMG}"
        for i in range(40)
    ],
    boundary="rel40",
)
simple(
    "inline_images_40_same",
    "40 inline copies of one signature logo (Znuny #764): one attachment, forty Content-IDs",
    eml(
        BASE + "Subject: logos\nMessage-ID: <logos@client.example>\nMIME-Version: 1.0\n" + _inl_head,
        _inl_body,
    ),
    {
        "attachments#": 1,
        "attachments[0].occurrences": 40,
        "attachments[0].content_ids#": 40,
        "attachments[0].is_inline": True,
        "html~": ['<img src="cid:logo39@sig">'],
        "text~": ["Forty logos"],
    },
)
_mixed_imgs = [(0, "a"), (1, "b"), (0, "c"), (2, "d")]
_mi_head, _mi_body = multipart(
    "multipart/related",
    ["Content-Type: text/html\n\n" + "".join(f'<img src="cid:{c}">' for _, c in _mixed_imgs)]
    + [
        f"Content-Type: image/png\nContent-ID: <{cid}>\nContent-Transfer-Encoding: base64\n\n{b64(png_bytes(color))}"
        for color, cid in _mixed_imgs
    ],
    boundary="mi",
)
simple(
    "inline_images_distinct",
    "three different inline images, one of them twice",
    eml(BASE + "Subject: imgs\nMessage-ID: <imgs@client.example>\nMIME-Version: 1.0\n" + _mi_head, _mi_body),
    {"attachments#": 3, "attachments[0].content_ids": ["a", "c"], "attachments[*].occurrences": [2, 1, 1]},
)
_tnef_head, _tnef_body = multipart(
    "multipart/mixed",
    [
        "Content-Type: text/plain\n\nPlease find the quote attached.",
        "Content-Type: application/ms-tnef; name=winmail.dat\nContent-Disposition: attachment; filename=winmail.dat\n"
        "Content-Transfer-Encoding: base64\n\n"
        + b64(tnef([("Angebot Übersicht 2025.pdf", PDF), ("notes.txt", b"plain notes\n")])),
    ],
    boundary="tn",
)
simple(
    "winmail_dat",
    "Outlook rich-text mail with winmail.dat (TNEF) holding two files",
    eml(
        BASE + "Subject: quote\nMessage-ID: <tnef@client.example>\nMIME-Version: 1.0\n" + _tnef_head,
        _tnef_body,
    ),
    {
        "has_tnef": True,
        "attachments[*].filename": ["Angebot Übersicht 2025.pdf", "notes.txt"],
        "attachments[*].origin": ["tnef", "tnef"],
        "attachments[1].size": 12,
    },
)
_tnefb_head, _tnefb_body = multipart(
    "multipart/mixed",
    [
        "Content-Type: text/plain\n\nSee winmail.",
        "Content-Type: application/ms-tnef; name=winmail.dat\nContent-Transfer-Encoding: base64\n\n"
        + b64(tnef([("x.pdf", PDF)])[:40]),
    ],
    boundary="tnb",
)
simple(
    "winmail_dat_broken",
    "a truncated winmail.dat is kept as it is and flagged",
    eml(
        BASE + "Subject: bad tnef\nMessage-ID: <tnefb@client.example>\nMIME-Version: 1.0\n" + _tnefb_head,
        _tnefb_body,
    ),
    {"has_tnef": True, "attachments[0].filename": "winmail.dat", "problems~": ["winmail.dat not readable"]},
)
_fwd_inner = (
    "From: Vendor <sales@vendor.example>\nTo: bob@client.example\nSubject: Your licence renewal\n"
    "Message-ID: <inner@vendor.example>\nContent-Type: text/plain\n\nRenew by Friday.\n"
)
_fa_head, _fa_body = multipart(
    "multipart/mixed",
    ["Content-Type: text/plain\n\nCan you handle this?", f"Content-Type: message/rfc822\n\n{_fwd_inner}"],
    boundary="fa",
)
simple(
    "forward_as_attachment",
    "a message forwarded as an attachment (message/rfc822) becomes an .eml named after its subject",
    eml(
        BASE
        + "Subject: Fwd: Your licence renewal\nMessage-ID: <fa@client.example>\nMIME-Version: 1.0\n"
        + _fa_head,
        _fa_body,
    ),
    {
        "text~": ["Can you handle this?"],
        "text!~": ["Renew by Friday"],
        "attachments[0].filename": "Your licence renewal.eml",
        "attachments[0].content_type": "message/rfc822",
        "normalized_subject": "Your licence renewal",
    },
)
_am_head, _am_body = multipart(
    "multipart/mixed",
    [
        "Content-Type: text/plain; charset=utf-8\n\nHere is the first screenshot:",
        f"Content-Type: image/png; name=one.png\nContent-Disposition: inline; filename=one.png\n"
        f"Content-Transfer-Encoding: base64\n\n{b64(png_bytes(1))}",
        "Content-Type: text/plain; charset=utf-8\n\nAnd this is after the image.",
    ],
    boundary="am",
)
simple(
    "apple_mail_text_image_text",
    "Apple Mail puts inline images between text parts: all text parts are kept in order",
    eml(BASE + "Subject: screens\nMessage-ID: <am@client.example>\nMIME-Version: 1.0\n" + _am_head, _am_body),
    {
        "text~": ["Here is the first screenshot:", "And this is after the image."],
        "attachments[0].is_inline": True,
    },
)

# --- Auto-replies ---------------------------------------------------------------------------------

simple(
    "auto_exchange_oof",
    "Exchange out-of-office: Auto-Submitted, X-Auto-Response-Suppress, 'Automatic reply:' subject",
    eml(
        "From: Carla Client <carla@client.example>\nTo: help@acme.example\n"
        "Subject: Automatic reply: [ACME-1042] Printer jams\nDate: Mon, 03 Mar 2025 10:16:00 +0000\n"
        "Message-ID: <oof1@EXCH01.client.example>\nIn-Reply-To: <t1042.r3@mail.acme.example>\n"
        "Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: carla@client.example\n"
        "Content-Type: text/plain; charset=utf-8",
        "I am out of the office until 10 March with limited access to email.\n",
    ),
    {
        "classification.auto_reply": "strong",
        "classification.is_auto_reply": True,
        "classification.auto_reply_signals~": ["Auto-Submitted: auto-replied"],
        "subject_tags": ["ACME-1042"],
        "in_reply_to": "t1042.r3@mail.acme.example",
    },
)
simple(
    "auto_gmail_vacation",
    "Gmail vacation responder: Auto-Submitted: auto-replied, subject kept as a normal reply",
    eml(
        "From: Dan <dan@gmail.example>\nTo: help@acme.example\nSubject: Re: [ACME-7] VPN\n"
        "Message-ID: <CAvacation@mail.gmail.example>\nAuto-Submitted: auto-replied\n"
        "Content-Type: text/plain; charset=UTF-8",
        "I'm on vacation and will reply when I'm back.\n",
    ),
    {"classification.auto_reply": "strong", "normalized_subject": "[ACME-7] VPN"},
)
simple(
    "auto_zendesk_like",
    "a help desk's acknowledgement: Auto-Submitted: auto-generated, X-Autoreply, Precedence: bulk",
    eml(
        "From: Vendor Support <support@vendor.example>\nTo: help@acme.example\n"
        "Subject: [Request received] Re: Licence question\nMessage-ID: <ack-55@vendor.example>\n"
        "Auto-Submitted: auto-generated\nX-Autoreply: yes\nPrecedence: bulk\nX-Auto-Response-Suppress: All\n"
        "Content-Type: text/plain",
        "Your request (55) has been received and is being reviewed by our support staff.\n",
    ),
    {
        "classification.auto_reply": "strong",
        "classification.auto_reply_signals~": ["X-Autoreply: yes", "Precedence: bulk"],
        "subject_tags": ["Request received"],
    },
)
simple(
    "auto_x_autorespond",
    "a Unix vacation program: X-Autorespond only",
    eml(
        "From: erin@client.example\nTo: help@acme.example\nSubject: away\nMessage-ID: <vac@client.example>\n"
        "X-Autorespond: vacation",
        "Away.\n",
    ),
    {"classification.auto_reply": "strong"},
)
simple(
    "auto_subject_only_german",
    "only the subject says 'Abwesenheitsnotiz': a weak signal, not enough to ignore the mail",
    eml(
        "From: Frank <frank@client.example>\nTo: help@acme.example\nSubject: Abwesenheitsnotiz: Drucker\n"
        "Message-ID: <abw@client.example>\nContent-Type: text/plain; charset=utf-8",
        "Ich bin bis 10.03. nicht im Büro.\n",
    ),
    {"classification.auto_reply": "weak", "classification.is_auto_reply": False},
)
simple(
    "auto_submitted_no",
    "Auto-Submitted: no means a person sent it",
    eml(
        BASE + "Subject: Out of paper\nMessage-ID: <asno@client.example>\nAuto-Submitted: no",
        "Out of paper.\n",
    ),
    {"classification.auto_reply": "", "classification.is_automated": False},
)
simple(
    "newsletter_list",
    "a newsletter: Precedence: bulk, List-Id and List-Unsubscribe",
    eml(
        "From: News <news@vendor.example>\nTo: help@acme.example\nSubject: March product update\n"
        "Message-ID: <nl-2025-03@vendor.example>\nPrecedence: bulk\nList-Id: Vendor News <news.vendor.example>\n"
        "List-Unsubscribe: <mailto:unsub@vendor.example>\nContent-Type: text/plain",
        "New features!\n",
    ),
    {
        "classification.is_mailing_list": True,
        "classification.list_id": "news.vendor.example",
        "classification.auto_reply": "strong",
    },
)
simple(
    "mailing_list_discussion",
    "a person writing through a discussion list: List-Id but no auto-reply signal",
    eml(
        BASE + "Subject: [users] Re: backup question\nMessage-ID: <ml@client.example>\n"
        "List-Id: <users.lists.example.org>\nPrecedence: list",
        "Has anyone seen this?\n",
    ),
    {
        "classification.is_mailing_list": True,
        "classification.list_id": "users.lists.example.org",
        "classification.auto_reply": "",
        "subject_tags": ["users"],
    },
)
simple(
    "loop_marker",
    "our own loop header comes back (a forwarding rule mailed our notification back to us)",
    eml(
        "From: Help Desk <help@acme.example>\nTo: help@acme.example\nSubject: [ACME-9] Updated\n"
        "Message-ID: <t9.r1.abc@mail.offload.example>\nX-Offload-Loop: inst-7f3a\nAuto-Submitted: auto-generated",
        "Ticket updated.\n",
    ),
    {"classification.loop_markers": ["inst-7f3a"], "message_id": "t9.r1.abc@mail.offload.example"},
)

# --- Bounces --------------------------------------------------------------------------------------

_orig_headers = (
    "From: Help Desk <help@acme.example>\nTo: gone@client.example\nSubject: [ACME-1042] Printer jams\n"
    "Message-ID: <t1042.r4@mail.acme.example>\nDate: Mon, 03 Mar 2025 09:00:00 +0000\n"
)
_pf_head, _pf_body = multipart(
    "multipart/report",
    [
        "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        "This is the mail system at host mx.client.example.\n\nI'm sorry to have to inform you that your message "
        "could not\nbe delivered to one or more recipients.\n\n<gone@client.example>: host mx said: 550 5.1.1 "
        "User unknown",
        "Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.client.example\nArrival-Date: Mon,  3 Mar 2025 09:00:01 +0000 (UTC)\n\n"
        "Final-Recipient: rfc822; gone@client.example\nOriginal-Recipient: rfc822;gone@client.example\n"
        "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <gone@client.example>: User unknown",
        "Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
        + _orig_headers,
    ],
    boundary="pfx",
    extra="; report-type=delivery-status",
)
simple(
    "bounce_postfix",
    "Postfix DSN: multipart/report with delivery-status and text/rfc822-headers",
    eml(
        "From: MAILER-DAEMON@mx.client.example (Mail Delivery System)\nTo: help@acme.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <pf1@mx.client.example>\n"
        "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n" + _pf_head,
        _pf_body,
    ),
    {
        "classification.is_bounce": True,
        "classification.bounce_is_permanent": True,
        "classification.bounce_original_message_id": "t1042.r4@mail.acme.example",
        "classification.bounce_recipients[0].address": "gone@client.example",
        "classification.bounce_recipients[0].status": "5.1.1",
        "classification.is_automated": True,
        "attachments#": 0,
    },
)
_ex_head, _ex_body = multipart(
    "multipart/report",
    [
        'Content-Type: multipart/alternative; boundary="exalt"\n\n--exalt\nContent-Type: text/plain\n\n'
        "Delivery has failed to these recipients or groups:\n\ngone@client.example\nThe email address you "
        "entered couldn't be found.\n--exalt\nContent-Type: text/html\n\n<p>Delivery has failed</p>\n--exalt--",
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns;EXCH01.acme.example\n\n"
        "Final-Recipient: rfc822;gone@client.example\nAction: failed\nStatus: 5.1.10\n"
        "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound",
        "Content-Type: message/rfc822\n\n" + _orig_headers + "Content-Type: text/plain\n\nOriginal body.\n",
    ],
    boundary="exr",
    extra="; report-type=delivery-status",
)
simple(
    "bounce_exchange_ndr",
    "Exchange NDR: 'Undeliverable:' from postmaster, original attached as message/rfc822",
    eml(
        "From: postmaster@acme.example\nTo: help@acme.example\nSubject: Undeliverable: [ACME-1042] Printer jams\n"
        "Message-ID: <ndr1@EXCH01.acme.example>\nMIME-Version: 1.0\nX-MS-Exchange-Message-Is-Ndr:\n"
        + _ex_head,
        _ex_body,
    ),
    {
        "classification.is_bounce": True,
        "classification.bounce_original_message_id": "t1042.r4@mail.acme.example",
        "classification.bounce_recipients[0].status": "5.1.10",
        "text~": ["Delivery has failed"],
    },
)
_gm_head, _gm_body = multipart(
    "multipart/report",
    [
        "Content-Type: text/plain\n\n** Address not found **\n\nYour message wasn't delivered to gone@gmail.example",
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; googlemail.com\n\n"
        "Final-Recipient: rfc822; gone@gmail.example\nAction: failed\nStatus: 5.1.1\n"
        "Remote-MTA: dns; gmail-smtp-in.l.google.com",
        "Content-Type: message/rfc822\n\n"
        + _orig_headers.replace("gone@client", "gone@gmail")
        + "\nOriginal.\n",
    ],
    boundary="gmr",
    extra="; report-type=delivery-status",
)
simple(
    "bounce_gmail",
    "Gmail DSN from mailer-daemon@googlemail.com with X-Failed-Recipients",
    eml(
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>\nTo: help@acme.example\n"
        "Subject: Delivery Status Notification (Failure)\nMessage-ID: <gm1@mx.google.example>\n"
        "X-Failed-Recipients: gone@gmail.example\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        + _gm_head,
        _gm_body,
    ),
    {
        "classification.is_bounce": True,
        "classification.bounce_recipients[*].address": ["gone@gmail.example"],
        "classification.bounce_original_message_id": "t1042.r4@mail.acme.example",
    },
)
simple(
    "bounce_plain_qmail",
    "qmail-style plain-text bounce without a report: original headers quoted in the body",
    eml(
        "From: MAILER-DAEMON@mail.client.example\nTo: help@acme.example\nSubject: failure notice\n"
        "Message-ID: <qm1@mail.client.example>",
        "Hi. This is the qmail-send program at mail.client.example.\nI'm afraid I wasn't able to deliver your "
        "message to the following addresses.\n\n<gone@client.example>:\nSorry, no mailbox here by that name.\n\n"
        "--- Below this line is a copy of the message.\n\n" + _orig_headers + "\nOriginal body.\n",
    ),
    {
        "classification.is_bounce": True,
        "classification.bounce_is_permanent": True,
        "classification.bounce_original_message_id": "t1042.r4@mail.acme.example",
    },
)
simple(
    "bounce_delayed",
    "a delay warning (Action: delayed, 4.x.x): a DSN, but not a permanent failure",
    eml(
        "From: MAILER-DAEMON@mx.client.example\nTo: help@acme.example\nSubject: Delayed Mail (still being retried)\n"
        "Message-ID: <dl1@mx.client.example>\nMIME-Version: 1.0\n"
        + multipart(
            "multipart/report",
            [
                "Content-Type: text/plain\n\nYour message is delayed.",
                "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; "
                "slow@client.example\nAction: delayed\nStatus: 4.4.7",
            ],
            boundary="dl",
            extra="; report-type=delivery-status",
        )[0],
        multipart(
            "multipart/report",
            [
                "Content-Type: text/plain\n\nYour message is delayed.",
                "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; "
                "slow@client.example\nAction: delayed\nStatus: 4.4.7",
            ],
            boundary="dl",
        )[1],
    ),
    {
        "classification.is_bounce": True,
        "classification.bounce_is_permanent": False,
        "classification.bounce_recipients[0].action": "delayed",
    },
)

# --- Forwards -------------------------------------------------------------------------------------

simple(
    "fwd_outlook_wg_de",
    "German Outlook forward: 'WG:' subject and 'Von: / Gesendet:' block; kept whole (Zammad #4965)",
    eml(
        BASE
        + "Subject: WG: Rechnung 2025-03 fehlt\nMessage-ID: <wg@client.example>\nContent-Type: text/plain; "
        "charset=utf-8",
        "Bitte prüfen.\n\nVon: Buchhaltung <buha@vendor.example>\nGesendet: Montag, 3. März 2025 08:00\n"
        "An: Bob Client <bob@client.example>\nBetreff: Rechnung 2025-03 fehlt\n\nDie Rechnung für März fehlt.\n",
    ),
    {
        "normalized_subject": "Rechnung 2025-03 fehlt",
        "reply_style": "forward",
        "reply_text~": ["Bitte prüfen.", "Die Rechnung für März fehlt."],
    },
)
simple(
    "fwd_outlook_fw_chain",
    "'FW: RE: FW:' chain with several Outlook header blocks",
    eml(
        BASE + "Subject: FW: RE: FW: Server down\nMessage-ID: <fwchain@client.example>",
        "FYI, see below.\n\n________________________________\nFrom: Ops <ops@client.example>\n"
        "Sent: Monday, March 3, 2025 7:00 AM\nTo: Bob\nSubject: RE: FW: Server down\n\nStill down.\n\n"
        "-----Original Message-----\nFrom: Monitor <mon@client.example>\nSent: Monday, March 3, 2025 6:00 AM\n"
        "Subject: FW: Server down\n\nsrv01 is not responding to ping.\n",
    ),
    {
        "normalized_subject": "Server down",
        "reply_style": "forward",
        "reply_text~": ["FYI, see below.", "srv01 is not responding to ping."],
    },
)
simple(
    "fwd_gmail",
    "Gmail forward with '---------- Forwarded message ---------'",
    eml(
        BASE + "Subject: Fwd: Phishing?\nMessage-ID: <gfwd@client.example>",
        "Is this legit?\n\n---------- Forwarded message ---------\nFrom: Bank <alerts@bank.example>\n"
        "Date: Mon, Mar 3, 2025 at 6:00 AM\nSubject: Phishing?\nTo: <bob@client.example>\n\n"
        "Please confirm your password here.\n",
    ),
    {
        "normalized_subject": "Phishing?",
        "reply_style": "forward",
        "reply_text~": ["Please confirm your password"],
    },
)
simple(
    "fwd_apple",
    "Apple Mail forward: 'Begin forwarded message:' with a plain subject (forward marker in the body)",
    eml(
        BASE + "Subject: Licence key\nMessage-ID: <afwd@client.example>",
        "See below.\n\nBegin forwarded message:\n\nFrom: Vendor <keys@vendor.example>\nSubject: Licence key\n"
        "Date: 3 March 2025 at 06:00:00 CET\nTo: bob@client.example\n\nYour key is ABCD-1234.\n",
    ),
    {"reply_style": "forward", "reply_text~": ["Your key is ABCD-1234."]},
)

# --- HTML -----------------------------------------------------------------------------------------

simple(
    "html_only",
    "HTML-only message: text derived from HTML, HTML sanitized",
    eml(
        BASE + "Subject: html only\nMessage-ID: <htmlonly@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8",
        "<html><head><title>T</title><style>p{color:red}</style></head><body><h1>Outage</h1>"
        "<p>The <b>mail server</b> is down.</p><ul><li>since 9:00</li><li>all users</li></ul>"
        '<p>Details&nbsp;&amp; logs: <a href="https://status.client.example">status</a></p></body></html>',
    ),
    {
        "text~": ["Outage", "The mail server is down.", "- since 9:00", "Details & logs: status"],
        "text!~": ["color:red", "<"],
        "html~": ["<b>mail server</b>", 'href="https://status.client.example"'],
        "html!~": ["<style", "<title"],
    },
)
simple(
    "html_hostile",
    "HTML with script, event handlers, javascript:/data: URLs, iframes, CSS and remote images",
    eml(
        BASE + "Subject: hostile\nMessage-ID: <hostile@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8",
        '<div onclick="steal()">Hello<script>alert(document.cookie)</script>'
        '<img src=x onerror="alert(1)"><img src="https://tracker.example/pixel.gif" alt="pixel">'
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="><img src="cid:ok@part" alt="ok">'
        '<a href="javascript:alert(1)">click</a><a href="JaVaScRiPt&#58;alert(2)">again</a>'
        '<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name=p></form>'
        '<p style="background:url(https://tracker.example/bg)">styled</p><svg><script>alert(3)</script></svg>'
        '<object data="x.swf"></object><meta http-equiv="refresh" content="0;url=https://evil.example">'
        '<base href="https://evil.example/"><a href="https://ok.example" target="_self">ok link</a></div>',
    ),
    {
        "html!~": [
            "<script",
            "onclick",
            "onerror",
            "javascript",
            "tracker.example",
            "data:",
            "<iframe",
            "<form",
            "<input",
            "style=",
            "<svg",
            "<object",
            "<meta",
            "<base",
            "evil.example",
            "alert",
        ],
        "html~": ['<img src="cid:ok@part" alt="ok">', 'href="https://ok.example"', "noopener"],
        "text~": ["Hello", "click", "ok link"],
        "text!~": ["alert", "document.cookie"],
    },
)
simple(
    "html_gmail_reply",
    "HTML-only Gmail reply: the quote in <blockquote class=gmail_quote> is stripped from the reply",
    eml(
        BASE + "Subject: Re: [ACME-1042] Printer jams\nMessage-ID: <CAhtml@mail.gmail.example>\n"
        "In-Reply-To: <t1042.r3@mail.acme.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=UTF-8",
        '<div dir="ltr">It works again, thanks!</div><br><div class="gmail_quote"><div dir="ltr" '
        'class="gmail_attr">On Mon, Mar 3, 2025 at 9:00 AM Help Desk &lt;help@acme.example&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px"><div>Please restart the printer.</div></blockquote>'
        "</div>",
    ),
    {
        "reply_text": "It works again, thanks!",
        "reply_style": "top",
        "text~": ["> Please restart the printer."],
    },
)
simple(
    "html_outlook_reply",
    "HTML Outlook reply with the 'From: / Sent:' block in a div (no blockquote)",
    eml(
        BASE
        + "Subject: RE: [ACME-1042] Printer jams\nMessage-ID: <olhtml@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8",
        '<html><body><div><p>Still jams on tray 2.</p></div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> Help Desk &lt;help@acme.example&gt;<br><b>Sent:</b> Monday, '
        "March 3, 2025 9:00 AM<br><b>To:</b> Bob Client<br><b>Subject:</b> [ACME-1042] Printer jams</div>"
        "<div><p>Please restart the printer.</p></div></body></html>",
    ),
    {"reply_text": "Still jams on tray 2.", "text~": ["Please restart the printer."]},
)

# --- Calendar -------------------------------------------------------------------------------------

_ICS = (
    "BEGIN:VCALENDAR\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\nVERSION:2.0\nMETHOD:{method}\n"
    "BEGIN:VEVENT\nORGANIZER;CN=Bob Client:mailto:Bob@client.example\nDTSTART;TZID=W. Europe Standard Time:"
    "20250310T100000\nDTEND;TZID=W. Europe Standard Time:20250310T110000\nUID:040000008200E00074C5B7101A82E008"
    "\nSUMMARY;LANGUAGE=de-DE:Server-Wartung\\, Raum 2\nEND:VEVENT\nEND:VCALENDAR\n"
)
for _method, _name in (("REQUEST", "calendar_invite"), ("CANCEL", "calendar_cancel")):
    _cal_head, _cal_body = multipart(
        "multipart/mixed",
        [
            multipart(
                "multipart/alternative",
                [
                    "Content-Type: text/plain; charset=utf-8\n\nMaintenance window for the server.",
                    f"Content-Type: text/calendar; charset=utf-8; method={_method}\n\n"
                    + _ICS.format(method=_method),
                ],
                boundary="calalt",
            )[0]
            + "\n\n"
            + multipart(
                "multipart/alternative",
                [
                    "Content-Type: text/plain; charset=utf-8\n\nMaintenance window for the server.",
                    f"Content-Type: text/calendar; charset=utf-8; method={_method}\n\n"
                    + _ICS.format(method=_method),
                ],
                boundary="calalt",
            )[1],
            "Content-Type: application/ics; name=invite.ics\nContent-Disposition: attachment; filename=invite.ics\n\n"
            + _ICS.format(method=_method),
        ],
        boundary="calmix",
    )
    simple(
        _name,
        f"Outlook meeting {_method.lower()}: text/calendar inside alternative plus an .ics attachment",
        eml(
            BASE
            + f"Subject: Server-Wartung\nMessage-ID: <{_name}@client.example>\nMIME-Version: 1.0\n"
            + _cal_head,
            _cal_body,
        ),
        {
            "calendar.method": _method,
            "calendar.uid": "040000008200E00074C5B7101A82E008",
            "calendar.summary": "Server-Wartung, Raum 2",
            "calendar.organizer": "bob@client.example",
            "text~": ["Maintenance window for the server."],
            "attachments[*].filename": ["invite.ics", "invite.ics"],
        },
    )

# --- Replies --------------------------------------------------------------------------------------

REPLY_HEAD = (
    "Subject: {subject}\nMessage-ID: <{name}@client.example>\nIn-Reply-To: <t1042.r3@mail.acme.example>\n"
    "References: <t1042@mail.acme.example> <t1042.r3@mail.acme.example>\nContent-Type: text/plain; charset=utf-8"
)


def reply(
    name: str, note: str, body: str, expect: dict, *, subject: str = "Re: [ACME-1042] Printer jams"
) -> None:
    simple(name, note, eml(BASE + REPLY_HEAD.format(subject=subject, name=name), body), expect)


reply(
    "reply_outlook_en_original_message",
    "classic Outlook: '-----Original Message-----' separator",
    "Still broken after the restart.\n\n-----Original Message-----\nFrom: Help Desk <help@acme.example>\n"
    "Sent: Monday, March 3, 2025 9:00 AM\nTo: Bob Client <bob@client.example>\nSubject: [ACME-1042] Printer jams\n\n"
    "Please restart the printer.\n",
    {
        "reply_text": "Still broken after the restart.",
        "reply_style": "top",
        "in_reply_to": "t1042.r3@mail.acme.example",
        "references": ["t1042@mail.acme.example", "t1042.r3@mail.acme.example"],
        "subject_tags": ["ACME-1042"],
        "normalized_subject": "[ACME-1042] Printer jams",
    },
    subject="RE: [ACME-1042] Printer jams",
)
reply(
    "reply_outlook_en_underscores",
    "new Outlook: a line of underscores, then 'From: / Sent: / To: / Subject:'",
    "Tray 2 is empty, that was it.\n\nBob\n\n________________________________\nFrom: Help Desk <help@acme.example>\n"
    "Sent: Monday, March 3, 2025 9:00 AM\nTo: Bob Client\nSubject: [ACME-1042] Printer jams\n\nCheck tray 2.\n",
    {"reply_text": "Tray 2 is empty, that was it.\n\nBob", "reply_style": "top"},
)
reply(
    "reply_outlook_de",
    "German Outlook: 'Von: / Gesendet: / An: / Betreff:' and a 'Mit freundlichen Grüßen' sign-off",
    "Hallo,\n\ndas Problem besteht weiterhin.\n\nMit freundlichen Grüßen\nHans Müller\n\n"
    "Von: Help Desk <help@acme.example>\nGesendet: Montag, 3. März 2025 09:00\nAn: Hans Müller <hans@client.example>\n"
    "Betreff: [ACME-1042] Drucker\n\nBitte starten Sie den Drucker neu.\n",
    {"reply_text": "Hallo,\n\ndas Problem besteht weiterhin.", "normalized_subject": "[ACME-1042] Drucker"},
    subject="AW: [ACME-1042] Drucker",
)
reply(
    "reply_gmail_en",
    "Gmail: 'On <date> <name> wrote:' over '>' quotes",
    "Thanks, that fixed it.\nBut the scanner is slow now.\n\nOn Mon, Mar 3, 2025 at 9:00 AM Help Desk <help@acme.example> "
    "wrote:\n\n> Please restart the printer.\n>\n> --\n> Help Desk\n",
    {"reply_text": "Thanks, that fixed it.\nBut the scanner is slow now.", "reply_style": "top"},
)
reply(
    "reply_gmail_wrapped_attribution",
    "Gmail attribution wrapped over two lines",
    "Done.\n\nOn Mon, Mar 3, 2025 at 9:00 AM Help Desk <\nhelp@acme.example> wrote:\n\n> Please restart.\n",
    {"reply_text": "Done."},
)
reply(
    "reply_gmail_de",
    "German Gmail: 'Am … schrieb …:'",
    "Erledigt, danke!\n\nAm Mo., 3. März 2025 um 09:00 Uhr schrieb Help Desk <help@acme.example>:\n\n> Bitte neu starten.\n",
    {"reply_text": "Erledigt, danke!"},
)
reply(
    "reply_gmail_fr",
    "French Gmail: 'Le … a écrit :'",
    "Merci, c'est réglé.\n\nLe lun. 3 mars 2025 à 09:00, Help Desk <help@acme.example> a écrit :\n\n> Redémarrez.\n",
    {"reply_text": "Merci, c'est réglé.", "normalized_subject": "[ACME-1042] Imprimante"},
    subject="RE : [ACME-1042] Imprimante",
)
reply(
    "reply_apple_mail",
    "Apple Mail: 'On 3 Mar 2025, at 09:00, … wrote:' then quotes",
    "Yes, go ahead.\n\n> On 3 Mar 2025, at 09:00, Help Desk <help@acme.example> wrote:\n> \n> Shall we replace it?\n",
    {"reply_text": "Yes, go ahead."},
)
reply(
    "reply_thunderbird",
    "Thunderbird: 'On 03.03.25 09:00, Help Desk wrote:'",
    "Replaced the toner, works.\n\nOn 03.03.25 09:00, Help Desk wrote:\n> Please replace the toner.\n",
    {"reply_text": "Replaced the toner, works."},
)
reply(
    "reply_iphone",
    "iPhone: 'Sent from my iPhone' under the text, quotes below",
    "Please come tomorrow at 9.\n\nSent from my iPhone\n\n> On 3 Mar 2025, at 09:00, Help Desk <help@acme.example> wrote:\n"
    ">\n> When can we come?\n",
    {"reply_text": "Please come tomorrow at 9."},
)
reply(
    "reply_outlook_mobile",
    "Outlook mobile: 'Get Outlook for Android' signature, then an Outlook header block",
    "Approved.\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>\n\nFrom: Help Desk <help@acme.example>\n"
    "Sent: Monday, March 3, 2025 9:00:00 AM\nTo: Bob Client <bob@client.example>\nSubject: [ACME-1042] Approval\n\n"
    "Do you approve the purchase?\n",
    {"reply_text": "Approved."},
)
reply(
    "reply_inline",
    "answers written between the quoted questions: the quotes stay for context",
    "On Mon, Mar 3, 2025 at 9:00 AM Help Desk <help@acme.example> wrote:\n> Which model is it?\nHP LaserJet 400\n\n"
    "> Is it on the network?\nYes, 10.0.0.7\n\n> Any error on the display?\n> Please send a photo.\n\n-- \nBob Client\n",
    {
        "reply_style": "inline",
        "reply_text": "> Which model is it?\nHP LaserJet 400\n\n> Is it on the network?\nYes, 10.0.0.7",
    },
)
reply(
    "reply_bottom_post",
    "bottom-posting: the whole quote first, the answer below",
    "> Could you restart the router?\n\nDone, it is back.\n",
    {"reply_style": "inline", "reply_text~": ["Done, it is back."]},
)
reply(
    "reply_signature_dashes",
    "'-- ' signature delimiter; a hyphen list in the text stays",
    "Steps I tried:\n- restarted\n- replaced cable\n\n-- \nBob Client\nIT contact, Client Ltd\n+49 30 1234567\n",
    {"reply_text": "Steps I tried:\n- restarted\n- replaced cable", "text~": ["+49 30 1234567"]},
)
reply(
    "reply_thanks_mid_text",
    "'Thanks,' opening a sentence in the middle must not cut the rest as a signature",
    "Hi,\n\nThanks, I tried that already and it did not help at all.\nNow the screen flickers every few seconds, "
    "even in safe mode.\n",
    {"reply_text~": ["Now the screen flickers every few seconds"]},
)
reply(
    "reply_prefix_zoo",
    "stacked reply/forward prefixes in many languages and counted forms",
    "ok\n",
    {"normalized_subject": "[ACME-1042] Topic"},
    subject="RE[2]: AW: Sv: VS: Antw: Odp: Re(3): SV: [ACME-1042] Topic",
)
reply(
    "reply_external_tag",
    "a gateway's '[EXTERNAL]' tag before the reply prefix",
    "ok\n",
    {"normalized_subject": "[ACME-1042] Printer jams", "subject_tags": ["ACME-1042"]},
    subject="[EXTERNAL] RE: [ACME-1042] Printer jams",
)
reply(
    "reply_nothing_new",
    "a reply that only quotes (someone hit send too early): the whole text is kept",
    "On Mon, Mar 3, 2025 at 9:00 AM Help Desk <help@acme.example> wrote:\n> Please confirm.\n",
    {"reply_text~": ["Please confirm."]},
)

# --- Identity, addresses, dates and odd headers ---------------------------------------------------

simple(
    "no_message_id",
    "no Message-ID at all: a stable one is derived from the bytes",
    eml(BASE + "Subject: no id", "Hello.\n"),
    {"message_id_generated": True, "message_id^": "", "problems~": ["generated one from the bytes"]},
)
for _suffix, _text in (("a", "First copy of the message.\n"), ("b", "A different message reusing the ID.\n")):
    simple(
        f"duplicate_message_id_{_suffix}",
        "two different messages with one Message-ID (the pipeline deduplicates on it)",
        eml(BASE + "Subject: duplicate\nMessage-ID: <dup-123@client.example>", _text),
        {"message_id": "dup-123@client.example", "message_id_generated": False, "text": _text.strip()},
    )
simple(
    "two_message_id_headers",
    "two Message-ID headers: the first wins, noted as a problem",
    eml(
        BASE + "Subject: twice\nMessage-ID: <first@client.example>\nMessage-ID: <second@client.example>",
        "x\n",
    ),
    {"message_id": "first@client.example", "problems~": ["several Message-ID headers"]},
)
simple(
    "message_id_without_brackets",
    "a Message-ID without angle brackets (some scripts send these)",
    eml(BASE + "Subject: bare id\nMessage-ID: bare-id-77@script.client.example", "x\n"),
    {"message_id": "bare-id-77@script.client.example", "message_id_generated": False},
)
simple(
    "references_messy",
    "In-Reply-To with a comment, folded References with junk and duplicates",
    eml(
        BASE + "Subject: Re: messy\nMessage-ID: <messy@client.example>\n"
        "In-Reply-To: <t5.r2@mail.acme.example> (Help Desk's message of Mon, 3 Mar 2025)\n"
        "References: <t5@mail.acme.example>\n\t<t5.r1@mail.acme.example> junk,\n <t5.r1@mail.acme.example>\n"
        " <t5.r2@mail.acme.example>",
        "x\n",
    ),
    {
        "in_reply_to": "t5.r2@mail.acme.example",
        "references": ["t5@mail.acme.example", "t5.r1@mail.acme.example", "t5.r2@mail.acme.example"],
    },
)
simple(
    "very_long_subject",
    "a 5,000-character subject is cut at 998 characters",
    eml(BASE + "Subject: " + "Server down again " * 278 + "\nMessage-ID: <longsubj@client.example>", "x\n"),
    {"subject#": 998, "subject^": "Server down again", "problems~": ["subject longer than 998"]},
)
simple(
    "empty_body",
    "headers, a blank line, nothing else",
    eml(BASE + "Subject: (no text)\nMessage-ID: <empty@client.example>\nContent-Type: text/plain", ""),
    {"text": "", "reply_text": "", "reply_style": "", "attachments#": 0, "problems#": 0},
)
simple(
    "empty_subject_and_from_missing",
    "no From, an empty Subject: parsed, both noted",
    eml("To: help@acme.example\nSubject:\nMessage-ID: <nofrom@client.example>", "who am I?\n"),
    {"from_": None, "subject": "", "problems~": ["no usable From address"]},
)
simple(
    "addresses_odd",
    "group syntax, duplicates, encoded names with commas, bare addresses, upper case",
    eml(
        'From: "Doe, Jane" <Jane.Doe@Client.Example>\n'
        'To: undisclosed-recipients:;\nCc: Team: a@client.example, "B" <b@client.example>;, a@client.example,\n'
        " =?utf-8?Q?Z=C3=B6e_Z?= <zoe@client.example>, plain@client.example\n"
        "Reply-To: Tickets <tickets@client.example>\nSender: relay@client.example\n"
        "Subject: addresses\nMessage-ID: <addr@client.example>",
        "x\n",
    ),
    {
        "from_.name": "Doe, Jane",
        "from_.address": "jane.doe@client.example",
        "to": [],
        "cc[*].address": [
            "a@client.example",
            "b@client.example",
            "zoe@client.example",
            "plain@client.example",
        ],
        "cc[2].name": "Zöe Z",
        "reply_to[0].address": "tickets@client.example",
        "sender.address": "relay@client.example",
    },
)
simple(
    "date_broken",
    "an unparseable Date header gives no date and a problem",
    eml(
        BASE.replace("Date: Mon, 03 Mar 2025 10:15:00 +0100\n", "Date: yesterday-ish\n")
        + "Subject: date\nMessage-ID: <date@client.example>",
        "x\n",
    ),
    {"date": None, "problems~": ["unparseable Date header"]},
)
simple(
    "date_without_zone",
    "a Date without a zone is taken as UTC",
    eml(BASE.replace("+0100", "") + "Subject: date\nMessage-ID: <datenz@client.example>", "x\n"),
    {"date": "2025-03-03T10:15:00+00:00"},
)
simple(
    "date_with_zone",
    "a normal Date keeps its offset",
    eml(BASE + "Subject: date\nMessage-ID: <datez@client.example>", "x\n"),
    {"date": "2025-03-03T10:15:00+01:00"},
)

# --- Signed and encrypted -------------------------------------------------------------------------

_sig_head, _sig_body = multipart(
    "multipart/signed",
    [
        "Content-Type: text/plain; charset=utf-8\n\nSigned request: please reset my password.",
        "Content-Type: application/pkcs7-signature; name=smime.p7s\nContent-Disposition: attachment; "
        "filename=smime.p7s\nContent-Transfer-Encoding: base64\n\n" + b64(b"0\x82\x01\x00fake-signature"),
    ],
    boundary="sig",
    extra='; protocol="application/pkcs7-signature"; micalg=sha-256',
)
simple(
    "smime_signed",
    "S/MIME multipart/signed: the text is read, the signature is not an attachment",
    eml(
        BASE + "Subject: signed\nMessage-ID: <signed@client.example>\nMIME-Version: 1.0\n" + _sig_head,
        _sig_body,
    ),
    {"is_signed": True, "text~": ["please reset my password"], "attachments#": 0},
)
simple(
    "smime_encrypted",
    "S/MIME enveloped data: flagged, kept as an attachment, nothing to read",
    eml(
        BASE + "Subject: encrypted\nMessage-ID: <enc@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\n"
        "Content-Disposition: attachment; filename=smime.p7m\nContent-Transfer-Encoding: base64",
        b64(b"0\x80\x06\x09encrypted-bytes"),
    ),
    {"is_encrypted": True, "text": "", "attachments[0].filename": "smime.p7m", "problems~": ["encrypted"]},
)
simple(
    "pgp_signed",
    "PGP/MIME signed: the text is read, the signature part skipped",
    eml(
        BASE
        + "Subject: pgp\nMessage-ID: <pgp@client.example>\nMIME-Version: 1.0\n"
        + multipart(
            "multipart/signed",
            [
                "Content-Type: text/plain\n\nPGP signed text.",
                "Content-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\nxx\n"
                "-----END PGP SIGNATURE-----",
            ],
            boundary="pgp",
        )[0],
        multipart(
            "multipart/signed",
            [
                "Content-Type: text/plain\n\nPGP signed text.",
                "Content-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\nxx\n"
                "-----END PGP SIGNATURE-----",
            ],
            boundary="pgp",
        )[1],
    ),
    {"is_signed": True, "text": "PGP signed text.", "attachments#": 0},
)
simple(
    "nul_and_controls",
    "NUL bytes and control characters in headers and body are removed (PostgreSQL cannot store NUL)",
    eml(BASE + "Subject: bad\x00 chars\x07\nMessage-ID: <nul@client.example>", b"text\x00with\x01controls\n"),
    {"subject": "bad chars", "text": "textwithcontrols"},
)


# --- Added after review: more reply styles and charset corners ---------------------------------------

reply(
    "reply_top_with_footer",
    "a top-post whose server appended a disclaimer under the quote: still a top-post",
    "Works now, thanks.\n\nOn Mon, Mar 3, 2025 at 9:00 AM Help Desk <help@acme.example> wrote:\n> Please restart.\n\n"
    "This e-mail and any attachments are confidential and intended solely for the addressee.\n",
    {"reply_text": "Works now, thanks.", "reply_style": "top"},
)
reply(
    "reply_outlook_fr",
    "French Outlook: 'De : / Envoyé : / À : / Objet :' and a 'Cordialement' sign-off",
    "Bonjour,\n\nToujours en panne.\n\nCordialement\nMarie\n\nDe : Help Desk <help@acme.example>\n"
    "Envoyé : lundi 3 mars 2025 09:00\nÀ : Marie <marie@client.example>\nObjet : [ACME-1042] Imprimante\n\nRedémarrez.\n",
    {"reply_text": "Bonjour,\n\nToujours en panne."},
    subject="RE: [ACME-1042] Imprimante",
)
reply(
    "reply_gmail_nl_es",
    "Dutch and Spanish attributions the reply library does not split on are still cut",
    "Opgelost / Resuelto.\n\nEl lun, 3 mar 2025 a las 9:00, Help Desk (<help@acme.example>) escribió:\n> Reinicie.\n",
    {"reply_text": "Opgelost / Resuelto."},
)
simple(
    "html_meta_charset",
    "an HTML part without a MIME charset that names windows-1252 in a <meta> tag",
    eml(
        BASE + "Subject: meta\nMessage-ID: <meta@client.example>\nMIME-Version: 1.0\nContent-Type: text/html",
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
        b"<body><p>Gr\xfc\xdfe \x96 caf\xe9</p></body></html>",
    ),
    {"text": "Grüße – café", "problems#": 0},
)
simple(
    "charset_utf16_html",
    "an HTML part in UTF-16 (with BOM), as some Windows tools send",
    eml(
        BASE + "Subject: utf16\nMessage-ID: <u16@client.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-16\nContent-Transfer-Encoding: base64",
        b64("<p>Zürich – 東京</p>".encode("utf-16")),
    ),
    {"text": "Zürich – 東京", "html": "<p>Zürich – 東京</p>"},
)
simple(
    "reply_to_and_sender_differ",
    "a shared mailbox: Sender differs from From, replies go to Reply-To",
    eml(
        "From: Accounts <accounts@client.example>\nSender: Eve Assistant <eve@client.example>\n"
        "Reply-To: accounts-team@client.example\nTo: help@acme.example\nSubject: invoice\n"
        "Message-ID: <shared@client.example>",
        "Please resend the invoice.\n",
    ),
    {
        "from_.address": "accounts@client.example",
        "sender.name": "Eve Assistant",
        "reply_to[*].address": ["accounts-team@client.example"],
    },
)


def main() -> int:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.glob("*.eml"):
        old.unlink()
    expected: dict[str, dict] = {}
    for item in CASES:
        if item.name in expected:
            raise SystemExit(f"duplicate case name {item.name}")
        if item.committed:
            (CORPUS / f"{item.name}.eml").write_bytes(item.build())
        expected[item.name] = {"note": item.note, "committed": item.committed, "expect": item.expect}
    (CORPUS / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    )
    print(f"{len(CASES)} cases, {sum(c.committed for c in CASES)} written to {CORPUS}")
    return 0


def build(name: str) -> bytes:
    """The raw bytes of one case (for cases that are not committed)."""
    return next(item for item in CASES if item.name == name).build()


if __name__ == "__main__":
    sys.exit(main())
