"""Whatever bytes arrive, parse_message returns a clean ParsedMessage or raises MailParseError."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offload.core.mail import MailParseError, ParsedMessage, ParseLimits, parse_message

CORPUS = Path(__file__).parent / "corpus"
SEEDS = sorted(p.read_bytes() for p in CORPUS.glob("*.eml") if p.stat().st_size)
# Small limits so that fuzzing also crosses every limit path cheaply.
TIGHT = ParseLimits(
    max_attachment_bytes=2000,
    max_total_attachment_bytes=5000,
    max_attachments=3,
    max_parts=20,
    max_depth=4,
    max_body_chars=3000,
    max_subject_chars=50,
    max_reply_scan_chars=2000,
)
FUZZ = settings(
    max_examples=int(os.environ.get("MAIL_FUZZ_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Byte sequences that steer mutations into the parser's interesting corners.
TOKENS = [
    *(
        b"\n",
        b"\r\n",
        b"\n\n",
        b"--",
        b"boundary=",
        b"=?utf-8?B?",
        b"=?",
        b"?=",
        b";",
        b'"',
        b"\x00",
        b"\xff\xfe",
    ),
    *(b"charset=", b"filename*0*=", b"%", b"\xc3", b"<", b">", b"\t"),
    b"Content-Type: multipart/mixed; boundary=x\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Type: message/rfc822\n\n",
]


def assert_clean(result: object) -> None:
    """Every string is storable (UTF-8 encodable, no NUL) and attachment metadata is consistent."""

    def walk(value: object) -> None:
        if isinstance(value, str):
            value.encode("utf-8")
            assert "\x00" not in value
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                walk(getattr(value, field.name))

    assert isinstance(result, ParsedMessage)
    walk(result)
    for attachment in result.attachments:
        assert attachment.size == len(attachment.content)
        assert attachment.sha256 == hashlib.sha256(attachment.content).hexdigest()
        assert attachment.filename
        assert "/" not in attachment.filename


def parse_or_refuse(raw: bytes, limits: ParseLimits | None = None) -> None:
    try:
        result = parse_message(raw, limits=limits) if limits else parse_message(raw)
    except MailParseError as exc:
        reason = exc.reason
    else:
        assert_clean(result)
        return
    assert reason


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(raw):
    """Random bytes never raise anything but MailParseError."""
    parse_or_refuse(raw)


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["flip", "delete", "insert", "truncate", "token", "duplicate"]),
            st.floats(0, 1),
            st.integers(1, 400),
            st.binary(max_size=12),
            st.sampled_from(TOKENS),
        ),
        min_size=1,
        max_size=6,
    ),
    tight=st.booleans(),
)
def test_mutated_corpus(seed, edits, tight):
    """Corpus messages with flipped, deleted, inserted and duplicated bytes never crash the parser."""
    raw = bytearray(seed)
    for op, where, span, blob, token in edits:
        pos = int(where * len(raw))
        if op == "flip" and raw:
            raw[min(pos, len(raw) - 1)] ^= 1 << (span % 8)
        elif op == "delete":
            del raw[pos : pos + span]
        elif op == "insert":
            raw[pos:pos] = blob
        elif op == "truncate":
            del raw[pos:]
        elif op == "token":
            raw[pos:pos] = token
        elif op == "duplicate":
            raw[pos:pos] = raw[pos : pos + span]
    parse_or_refuse(bytes(raw), TIGHT if tight else None)


@FUZZ
@given(
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "Subject",
                    "From",
                    "To",
                    "Cc",
                    "Content-Type",
                    "Content-Disposition",
                    "Message-ID",
                    "References",
                    "Date",
                    "Content-Transfer-Encoding",
                    "X-Weird",
                ]
            ),
            st.text(max_size=80),
        ),
        max_size=8,
    ),
    body=st.text(max_size=300),
)
def test_arbitrary_header_text(headers, body):
    """Any Unicode in any header (written raw as UTF-8) parses or is refused cleanly."""
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    parse_or_refuse((head + "\n" + body).encode("utf-8", "surrogatepass"))
