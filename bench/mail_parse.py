"""Mail parsing throughput: parses every committed corpus message repeatedly, prints messages/s.

Run: .venv/bin/python bench/mail_parse.py [--seconds 5]
Pure parsing only (no database): the ceiling for the intake pipeline's per-worker rate.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offload.core.mail import MailParseError, parse_message

CORPUS = Path(__file__).resolve().parent.parent / "offload" / "core" / "mail" / "tests" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to keep parsing")
    args = parser.parse_args()
    messages = [(p.name, p.read_bytes()) for p in sorted(CORPUS.glob("*.eml"))]
    per_message: dict[str, list[float]] = {name: [] for name, _ in messages}
    parsed = 0
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for name, raw in messages:
            t0 = time.perf_counter()
            with contextlib.suppress(MailParseError):
                parse_message(raw)
            per_message[name].append(time.perf_counter() - t0)
            parsed += 1
    elapsed = time.perf_counter() - started
    all_times = sorted(t for times in per_message.values() for t in times)
    slowest = sorted(((statistics.median(t), n) for n, t in per_message.items()), reverse=True)[:5]
    print(f"{len(messages)} corpus messages, {parsed} parses in {elapsed:.1f} s")
    print(f"throughput: {parsed / elapsed:.0f} messages/s (one process)")
    p50, p95 = all_times[len(all_times) // 2], all_times[int(len(all_times) * 0.95)]
    print(f"p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    print("slowest (median ms): " + ", ".join(f"{name} {t * 1000:.1f}" for t, name in slowest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
