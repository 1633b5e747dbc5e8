"""Ticket triage benchmark: ours vs majority-class and TF-IDF + logistic-regression baselines.

Run: .venv/bin/python bench/triage.py [--data ../shared/data/tickets] [--seed 0] [--scale-to 40000]
Reads the Endava sample (never copied into the repo), holds out a stratified 20% (fixed seed),
and prints per model: category and priority accuracy / macro-F1, per-ticket latency (p50/p95,
one ticket at a time, as on intake), training time; then our calibration and coverage vs accuracy
at confidence thresholds. The file has no timestamps, so no time-ordered split is reported.
--scale-to N also times training on N tickets (the training set repeated with words shuffled).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offload.noc.triage import Example, TicketText, TriageModel, train_model
from offload.noc.triage.endava import load_endava
from offload.noc.triage.evaluation import (
    MajorityBaseline,
    TfidfLogRegBaseline,
    Thresholds,
    accuracy,
    coverage_table,
    expected_calibration_error,
    macro_f1,
    route,
    stratified_split,
)

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "tickets"
HEADS = ("category", "priority", "noc_eligible")
THRESHOLDS = (0.5, 0.7, 0.9)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_each(
    predict_one: Callable[[TicketText], object], tickets: Sequence[TicketText]
) -> tuple[float, float]:
    """p50 and p95 in milliseconds of predicting one ticket at a time."""
    for ticket in tickets[:20]:  # warm caches
        predict_one(ticket)
    times = []
    for ticket in tickets:
        t0 = time.perf_counter()
        predict_one(ticket)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), percentile(times, 0.95)


def one_at_a_time(model: MajorityBaseline | TfidfLogRegBaseline) -> Callable[[TicketText], object]:
    def predict_one(ticket: TicketText) -> object:
        return model.predict([ticket])

    return predict_one


def row(name: str, scores: dict[str, tuple[float, float]], p50: float, p95: float, train_s: float) -> str:
    cells = [f"{name:<16}"]
    for head in ("category", "priority"):
        acc, f1 = scores[head]
        cells.append(f"{acc:>7.4f} {f1:>7.4f}")
    cells.append(f"{p50:>7.2f} {p95:>7.2f}")
    cells.append(f"{train_s:>7.1f}")
    return "  ".join(cells)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Endava CSV or its folder")
    parser.add_argument("--seed", type=int, default=0, help="split and training seed")
    parser.add_argument("--scale-to", type=int, default=0, help="also time training on N tickets")
    args = parser.parse_args()

    examples = load_endava(args.data)
    train_idx, test_idx = stratified_split([e.labels["category"] for e in examples], seed=args.seed)
    train = [examples[i] for i in train_idx]
    test = [examples[i] for i in test_idx]
    train_tickets = [e.ticket for e in train]
    test_tickets = [e.ticket for e in test]
    truth = {head: [e.labels[head] for e in test] for head in HEADS}
    n_categories = len({e.labels["category"] for e in examples})
    print(f"data: {args.data} ({len(examples)} tickets, {n_categories} categories)")
    print(
        f"split: stratified by category, seed {args.seed}: {len(train)} train / {len(test)} test "
        "(time-ordered split: not possible, the file has no timestamps)"
    )
    print()
    print(f"{'model':<16}  {'category':^15}  {'priority':^15}  {'ms/ticket':^15}  {'train':>7}")
    print(f"{'':<16}  {'acc':>7} {'macroF1':>7}  {'acc':>7} {'macroF1':>7}  {'p50':>7} {'p95':>7}  {'s':>7}")

    for name, make in (("majority", MajorityBaseline), ("tfidf+logreg", TfidfLogRegBaseline)):
        scores: dict[str, tuple[float, float]] = {}
        train_s = 0.0
        latency = (0.0, 0.0)
        for head in ("category", "priority"):
            t0 = time.perf_counter()
            model: MajorityBaseline | TfidfLogRegBaseline = make().fit(
                train_tickets, [e.labels[head] for e in train]
            )
            train_s += time.perf_counter() - t0
            labels = model.predict(test_tickets)
            scores[head] = (accuracy(truth[head], labels), macro_f1(truth[head], labels))
            if head == "category":
                latency = timed_each(one_at_a_time(model), test_tickets)
        print(row(name, scores, *latency, train_s))

    t0 = time.perf_counter()
    ours = train_model(examples=train, heads=list(HEADS), seed=args.seed)
    train_s = time.perf_counter() - t0
    predicted = ours.predict(test_tickets)
    scores = {
        head: (accuracy(truth[head], predicted[head][0]), macro_f1(truth[head], predicted[head][0]))
        for head in HEADS
    }
    latency = timed_each(ours.suggest, test_tickets)
    print(row("ours", scores, *latency, train_s))
    print(
        f"{'':<16}  (ours: all three heads with explanations per ticket; noc_eligible "
        f"acc {scores['noc_eligible'][0]:.4f}, macro-F1 {scores['noc_eligible'][1]:.4f})"
    )

    print()
    print("ours, calibration (expected calibration error, 10 bins):")
    for head in HEADS:
        labels, confidences = predicted[head]
        correct = [p == t for p, t in zip(labels, truth[head], strict=True)]
        print(f"  {head:<13} ECE {expected_calibration_error(confidences.tolist(), correct):.3f}")
    print()
    print("ours, coverage vs accuracy (suggestion applied only at or above the threshold):")
    print(f"  {'threshold':>9}  {'head':<13} {'auto-triaged':>12}  {'accuracy on those':>17}")
    for head in HEADS:
        labels, confidences = predicted[head]
        correct = [p == t for p, t in zip(labels, truth[head], strict=True)]
        for point in coverage_table(confidences.tolist(), correct, THRESHOLDS):
            print(f"  {point.threshold:>9.1f}  {head:<13} {point.coverage:>11.1%}  {point.accuracy:>17.4f}")
    print("  all heads at once (route(): a ticket is automatic only if every head clears it):")
    suggestions = [ours.suggest(t, explain=False) for t in test_tickets]
    for threshold in THRESHOLDS:
        thresholds = Thresholds(per_head=dict.fromkeys(HEADS, threshold))
        auto = [i for i, s in enumerate(suggestions) if route(s, thresholds).automatic]
        all_right = sum(all(suggestions[i][h].label == truth[h][i] for h in HEADS) for i in auto)
        share = len(auto) / len(test)
        acc = all_right / len(auto) if auto else float("nan")
        print(f"  {threshold:>9.1f}  {'all three':<13} {share:>11.1%}  {acc:>17.4f}")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "triage.npz"
        ours.save(path)
        t0 = time.perf_counter()
        TriageModel.load(path)
        print()
        print(
            f"model file: {path.stat().st_size / 1e6:.1f} MB (.npz + JSON, {ours.vectoriser.n_features} "
            f"features), loads in {time.perf_counter() - t0:.2f} s"
        )

    example = next(t for t in test_tickets if len(t.body) > 60)
    suggestion = ours.suggest(example)
    print()
    print(f"example: {example.subject[:60]!r} / {example.body[:80]!r}")
    for head in HEADS:
        s = suggestion[head]
        print(f"  {head:<13} {s.label:<4} confidence {s.confidence:.2f}  because: {s.because}")

    if args.scale_to:
        rng = random.Random(args.seed)
        scaled: list[Example] = []
        while len(scaled) < args.scale_to:
            for e in train:
                words = e.ticket.body.split()
                rng.shuffle(words)
                scaled.append(
                    Example(
                        ticket=TicketText(subject=e.ticket.subject, body=" ".join(words)), labels=e.labels
                    )
                )
        scaled = scaled[: args.scale_to]
        t0 = time.perf_counter()
        big = train_model(examples=scaled, heads=list(HEADS), seed=args.seed)
        print()
        print(
            f"training at scale: {len(scaled)} tickets, 3 heads, {big.vectoriser.n_features} features: "
            f"{time.perf_counter() - t0:.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
