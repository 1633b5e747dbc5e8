"""Unit behaviour of the mail parser's pieces that the corpus does not pin down on its own."""

from __future__ import annotations

import pytest

from offload.core.mail import (
    LOOP_HEADER,
    MailParseError,
    ParseLimits,
    has_loop_marker,
    is_sent_by_us,
    parse_message,
)
from offload.core.mail.charsets import decode_bytes, normalize_charset
from offload.core.mail.headers import normalize_subject
from offload.core.mail.html import sanitize_html
from offload.core.mail.tests.make_corpus import PDF, tnef
from offload.core.mail.tnef import TnefError, read_tnef

SIMPLE = b"From: a@client.example\nSubject: hi\nMessage-ID: <x1@client.example>\n\nhello\n"


@pytest.mark.parametrize(
    ("subject", "normalized"),
    [
        ("Re: Printer", "Printer"),
        ("AW: WG: Drucker", "Drucker"),
        ("RE[2]: Re: FW: Fwd: x", "x"),
        ("SV: VS: TR: RV: Rif: R: I: x", "x"),
        ("Antw: Odp: YNT: Vá: x", "x"),
        ("回复\uff1a转发: 打印机", "打印机"),
        ("[EXTERNAL] RE: [ACME-1042] Printer", "[ACME-1042] Printer"),
        ("Re: [ACME-1042] Re: Printer", "[ACME-1042] Re: Printer"),
        ("Reply needed: server", "Reply needed: server"),
        ("Rechnung: März", "Rechnung: März"),
    ],
)
def test_normalize_subject(subject, normalized):
    """Leading reply/forward prefixes in many languages go; tags and ordinary words stay."""
    assert normalize_subject(subject) == normalized


@pytest.mark.parametrize(
    ("label", "codec"),
    [("utf8", "utf-8"), ("latin-1", "cp1252"), ("ISO-8859-1", "cp1252"), ("ks_c_5601-1987", "cp949"),
     ("gb2312", "gb18030"), ('"Shift_JIS"', "cp932"), ("x-unknown", ""), ("nonsense-42", ""), (None, "")],
)  # fmt: skip
def test_normalize_charset(label, codec):
    """Declared labels map to the codec senders really used; unknown labels map to nothing."""
    assert normalize_charset(label) == codec


def test_decode_bytes_never_raises_on_any_label():
    """Decoding random bytes under every odd label returns text and explains the guesses."""
    problems: list[str] = []
    for label in [
        "utf-7",
        "utf-16",
        "iso-2022-jp",
        "koi8-r",
        "x-user-defined",
        "base64",
        "rot13",
        "idna",
        "",
    ]:
        text = decode_bytes(bytes(range(256)), label, problems)
        assert isinstance(text, str)
    assert problems


def test_generated_message_id_is_stable_per_bytes():
    """A message without Message-ID gets the same generated ID each time, and another message another."""
    raw = SIMPLE.replace(b"Message-ID: <x1@client.example>\n", b"")
    first, second = parse_message(raw), parse_message(raw)
    other = parse_message(raw + b"more\n")
    assert first.message_id == second.message_id != other.message_id
    assert first.message_id_generated


def test_refusals_carry_a_reason():
    """Too large, not bytes and empty input are refused with distinct reasons."""
    with pytest.raises(MailParseError) as too_large:
        parse_message(SIMPLE, limits=ParseLimits(max_message_bytes=10))
    with pytest.raises(MailParseError) as not_bytes:
        parse_message("text")  # type: ignore[arg-type]
    with pytest.raises(MailParseError) as empty:
        parse_message(b"  \r\n ")
    assert [too_large.value.reason, not_bytes.value.reason, empty.value.reason] == [
        "too_large",
        "not_bytes",
        "empty",
    ]


def test_total_attachment_budget():
    """Attachments past the total size budget are dropped with reason total_too_large."""
    parts = "".join(
        f"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=f{i}.bin\n\n"
        f"{'x' * 600}\n"
        for i in range(3)
    )
    raw = f"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n{parts}--b--\n".encode()
    parsed = parse_message(raw, limits=ParseLimits(max_total_attachment_bytes=1300))
    assert [a.filename for a in parsed.attachments] == ["f0.bin", "f1.bin"]
    assert [(d.filename, d.reason) for d in parsed.dropped_attachments] == [("f2.bin", "total_too_large")]


def test_sent_by_us_and_loop_marker():
    """Our own Message-ID domain or our loop token marks a message as ours; a reply to ours is not."""
    ours = parse_message(SIMPLE.replace(b"x1@client.example", b"t1.r1@mail.acme.example"))
    looped = parse_message(SIMPLE.replace(b"Subject: hi", f"Subject: hi\n{LOOP_HEADER}: inst-1".encode()))
    reply = parse_message(
        SIMPLE.replace(b"Subject: hi", b"Subject: hi\nIn-Reply-To: <t1.r1@mail.acme.example>")
    )
    assert is_sent_by_us(ours, message_id_domain="mail.acme.example")
    assert is_sent_by_us(looped, message_id_domain="mail.acme.example", token="inst-1")
    assert has_loop_marker(looped.classification.loop_markers, token="inst-1")
    assert not is_sent_by_us(reply, message_id_domain="mail.acme.example", token="inst-1")


@pytest.mark.parametrize(
    "hostile",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<svg/onload=alert(1)>",
        '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
        '<div style="background:url(javascript:alert(1))">x</div>',
        '<img src="https://tracker.example/p.gif">',
        '<img src="data:image/png;base64,AAAA">',
        "<scr<script>ipt>alert(1)</script>",
        '<a href="vbscript:msgbox(1)">x</a>',
    ],
)
def test_sanitize_html_removes_active_content(hostile):
    """No script, handler, script URL, remote or data image survives sanitising."""
    cleaned = sanitize_html(hostile).lower()
    for needle in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "vbscript:",
        "tracker.example",
        "data:",
        "style=",
    ):
        assert needle not in cleaned


def test_tnef_reader_round_trip_and_truncation():
    """winmail.dat files come out with their long names and bytes; a cut stream is refused."""
    blob = tnef([("Quarterly report 2025.pdf", PDF), ("a.txt", b"abc")])
    files = read_tnef(blob).attachments
    assert [(f.filename, f.data) for f in files] == [("Quarterly report 2025.pdf", PDF), ("a.txt", b"abc")]
    with pytest.raises(TnefError):
        read_tnef(blob[: len(blob) // 2])
