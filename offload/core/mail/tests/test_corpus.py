"""Every message of the edge-case corpus parses to its expected outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offload.core.mail import MailParseError, parse_message
from offload.core.mail.tests import make_corpus
from offload.core.mail.tests.corpus_check import mismatches

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def raw_of(name: str) -> bytes:
    path = CORPUS / f"{name}.eml"
    return path.read_bytes() if EXPECTED[name]["committed"] else make_corpus.build(name)


def test_corpus_is_large_enough_and_small_on_disk():
    """The corpus holds at least 60 cases and stays under 3 MB in the repository."""
    assert len(EXPECTED) >= 60
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 3 * 1024 * 1024


def test_committed_corpus_matches_generator():
    """The committed .eml files and expectations are exactly what make_corpus.py produces."""
    built = {case.name: case for case in make_corpus.CASES}
    assert set(built) == set(EXPECTED)
    for name, case in built.items():
        assert EXPECTED[name]["expect"] == json.loads(json.dumps(case.expect)), name
        if case.committed:
            assert (CORPUS / f"{name}.eml").read_bytes() == case.build(), name
    on_disk = {p.stem for p in CORPUS.glob("*.eml")}
    assert on_disk == {name for name, case in built.items() if case.committed}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name):
    """The message parses (or is refused) exactly as its expectation says."""
    expect = dict(EXPECTED[name]["expect"])
    raw = raw_of(name)
    reason = expect.pop("raises", None)
    if reason is not None:
        with pytest.raises(MailParseError) as info:
            parse_message(raw)
        assert info.value.reason == reason
        return
    parsed = parse_message(raw)
    errors = mismatches(parsed, expect)
    assert not errors, f"{name}: {EXPECTED[name]['note']}\n" + "\n".join(errors)
