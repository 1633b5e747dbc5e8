"""Measuring triage: splits, metrics, confidence routing, and the two baselines we must beat.

Splits are deterministic given a seed. `stratified_split` keeps each label's share in both sides
(a label seen once stays in training, since it cannot be tested fairly); `time_ordered_split`
holds out the newest tickets, which is the honest test once history has dates (the Endava sample
has none).

Routing: a per-MSP `Thresholds` maps head → minimum confidence; a ticket whose suggestion falls
below any of them waits in the human triage view instead of being applied automatically.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from offload.noc.triage.features import TicketText
from offload.noc.triage.model import Suggestion

DEFAULT_THRESHOLD = 0.7


def stratified_split(
    labels: Sequence[str], *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Indices (train, test): each label's examples shuffled and the fraction held out."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    test: list[int] = []
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        if len(members) > 1:
            test.extend(members[: max(1, round(len(members) * test_fraction))])
    held = set(test)
    return [i for i in range(len(labels)) if i not in held], sorted(held)


def time_ordered_split(
    timestamps: Sequence[object], *, test_fraction: float = 0.2
) -> tuple[list[int], list[int]]:
    """Indices (train, test): the newest test_fraction of tickets is held out."""
    order = sorted(range(len(timestamps)), key=lambda i: (timestamps[i], i))
    cut = len(order) - round(len(order) * test_fraction)
    return sorted(order[:cut]), sorted(order[cut:])


def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Share of exact matches."""
    return sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / max(len(y_true), 1)


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Unweighted mean F1 over every label seen in truth or prediction (scikit-learn's default)."""
    labels = sorted(set(y_true) | set(y_pred))
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fp = sum(t != label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fn = sum(t == label and p != label for t, p in zip(y_true, y_pred, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / max(len(scores), 1)


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], *, bins: int = 10
) -> float:
    """Mean |confidence - accuracy| over equal-width confidence bins, weighted by bin size."""
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(conf[mask].mean() - hit[mask].mean())
    return total / max(len(conf), 1)


@dataclass(frozen=True)
class CoveragePoint:
    """At one threshold: share of tickets auto-triaged, and accuracy on those."""

    threshold: float
    coverage: float
    accuracy: float
    auto: int


def coverage_table(
    confidences: Sequence[float], correct: Sequence[bool], thresholds: Sequence[float]
) -> list[CoveragePoint]:
    """Coverage vs accuracy when only suggestions at or above each threshold are applied."""
    points = []
    for threshold in thresholds:
        kept = [ok for c, ok in zip(confidences, correct, strict=True) if c >= threshold]
        points.append(
            CoveragePoint(
                threshold=threshold,
                coverage=len(kept) / max(len(confidences), 1),
                accuracy=sum(kept) / len(kept) if kept else float("nan"),
                auto=len(kept),
            )
        )
    return points


@dataclass(frozen=True)
class Thresholds:
    """An MSP's minimum confidence per head for applying a suggestion without a human."""

    per_head: Mapping[str, float] = field(
        default_factory=lambda: {"category": DEFAULT_THRESHOLD, "priority": DEFAULT_THRESHOLD}
    )


@dataclass(frozen=True)
class Routing:
    """Where a ticket goes after triage, and which heads were too unsure."""

    automatic: bool
    unsure: tuple[str, ...]


def route(suggestion: Suggestion, thresholds: Thresholds) -> Routing:
    """Automatic when every thresholded head is confident enough; otherwise human triage."""
    unsure = tuple(
        head
        for head, minimum in sorted(thresholds.per_head.items())
        if head in suggestion.heads and suggestion[head].confidence < minimum
    )
    return Routing(automatic=not unsure, unsure=unsure)


class MajorityBaseline:
    """Always the most frequent training label (ties: the smallest label)."""

    def fit(self, tickets: Sequence[TicketText], labels: Sequence[str]) -> MajorityBaseline:
        counts = Counter(labels)
        self.label = min(counts, key=lambda label: (-counts[label], label))
        return self

    def predict(self, tickets: Sequence[TicketText]) -> list[str]:
        return [self.label] * len(tickets)


class TfidfLogRegBaseline:
    """scikit-learn defaults: word TF-IDF of subject + body, multinomial logistic regression."""

    def fit(self, tickets: Sequence[TicketText], labels: Sequence[str]) -> TfidfLogRegBaseline:
        self.vectoriser = TfidfVectorizer()
        x = self.vectoriser.fit_transform([_text(t) for t in tickets])
        self.model = LogisticRegression(max_iter=1000).fit(x, list(labels))
        return self

    def predict(self, tickets: Sequence[TicketText]) -> list[str]:
        x = self.vectoriser.transform([_text(t) for t in tickets])
        return [str(label) for label in self.model.predict(x)]


def _text(ticket: TicketText) -> str:
    return f"{ticket.subject}\n{ticket.body}"
