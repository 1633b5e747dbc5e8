"""A trained triage model: one vectoriser, one calibrated linear head per field, saved as data.

Each head (category, priority, noc_eligible, …) is a linear model over the shared TF-IDF vector;
its scores go through a softmax with a fitted temperature, so `confidence` is a calibrated
probability. The explanation of a suggestion is the words whose features pushed the chosen class
up the most (weight x feature value, against the mean of the other classes), spread back from
char n-grams and bigrams onto the words that formed them.

A model file is a NumPy .npz read with allow_pickle=False: arrays plus one JSON document, never
code, so loading a file from an untrusted place cannot execute anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from offload.noc.triage.features import FeatureConfig, TicketText, Vectoriser

FORMAT = "offload-triage"
FORMAT_VERSION = 1
EXPLANATION_WORDS = 5
EXPLANATION_FLOOR = 0.1


class ModelFormatError(ValueError):
    """The file is not a triage model this code can read."""


@dataclass(frozen=True)
class HeadSuggestion:
    """One field's suggestion: the label, its calibrated probability, and the words behind it."""

    label: str
    confidence: float
    probabilities: dict[str, float]
    # (word or context item, contribution to the label's score), strongest first, positive only.
    explanation: tuple[tuple[str, float], ...]

    @property
    def because(self) -> str:
        """The explanation as a short phrase for a triage view: 'password, reset, locked'."""
        return ", ".join(word for word, _ in self.explanation)


@dataclass(frozen=True)
class Suggestion:
    """What the model suggests for one ticket, per head (e.g. category, priority, noc_eligible)."""

    heads: dict[str, HeadSuggestion]

    def __getitem__(self, head: str) -> HeadSuggestion:
        return self.heads[head]


@dataclass
class Head:
    """A calibrated linear classifier for one field over the shared feature vector."""

    name: str
    classes: list[str]
    # Feature-major (n_features x n_classes) so one ticket's few features are contiguous rows.
    weights: np.ndarray
    bias: np.ndarray
    temperature: float

    def __post_init__(self) -> None:
        self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
        self.bias = np.ascontiguousarray(self.bias, dtype=np.float32)
        # Centred weights: what each feature adds to a class against the average class; used
        # for explanations (softmax is invariant to that shift, so it explains the same scores).
        self._centred = self.weights - self.weights.mean(axis=1, keepdims=True)

    def scores(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.weights, dtype=np.float64) + self.bias

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        z = scores / self.temperature
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


class TriageModel:
    """Suggests each head's label for a ticket, with a confidence and the words that drove it."""

    def __init__(self, *, vectoriser: Vectoriser, heads: Sequence[Head], info: Mapping[str, object]) -> None:
        self.vectoriser = vectoriser
        self.heads = {head.name: head for head in heads}
        self.info = dict(info)

    def suggest(self, ticket: TicketText, *, explain: bool = True) -> Suggestion:
        """Suggest every head's label for one ticket (the path a new ticket takes)."""
        analysed = self.vectoriser.analyser.analyse(ticket)
        idx, val = self.vectoriser.vector(analysed)
        out: dict[str, HeadSuggestion] = {}
        # Built once per ticket and shared by every head's explanation.
        units, shares = self.vectoriser.attribution(analysed, idx) if explain else ([], None)
        for name, head in self.heads.items():
            scores = val.astype(np.float64) @ head.weights[idx] + head.bias
            probs = head.probabilities(scores)
            best = int(np.argmax(probs))
            explanation: tuple[tuple[str, float], ...] = ()
            if shares is not None and len(head.classes) > 1 and units:
                contributions = head._centred[idx, best].astype(np.float64) * val
                per_word = shares.T @ contributions
                top = sorted(zip(units, per_word.tolist(), strict=True), key=lambda item: (-item[1], item[0]))
                # Words far weaker than the strongest are noise, not reasons.
                floor = max(top[0][1] * EXPLANATION_FLOOR, 0.0)
                explanation = tuple(
                    (word, round(c, 4)) for word, c in top[:EXPLANATION_WORDS] if c > 0 and c >= floor
                )
            out[name] = HeadSuggestion(
                label=head.classes[best],
                confidence=float(probs[best]),
                probabilities={c: float(p) for c, p in zip(head.classes, probs, strict=True)},
                explanation=explanation,
            )
        return Suggestion(heads=out)

    def probabilities(self, tickets: Sequence[TicketText]) -> dict[str, np.ndarray]:
        """Per head, an (n_tickets x n_classes) matrix of calibrated probabilities (batch path)."""
        x = self.vectoriser.transform(tickets)
        return {name: head.probabilities(head.scores(x)) for name, head in self.heads.items()}

    def predict(self, tickets: Sequence[TicketText]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Per head, the suggested labels and their confidences for many tickets."""
        out = {}
        for name, probs in self.probabilities(tickets).items():
            best = probs.argmax(axis=1)
            labels = [self.heads[name].classes[i] for i in best]
            out[name] = (labels, probs[np.arange(len(best)), best])
        return out

    def save(self, path: Path) -> None:
        """Write the model as an .npz of plain arrays plus a JSON document (no pickle)."""
        v = self.vectoriser
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "features": v.config.__dict__,
            "vocab": v.vocab,
            "heads": [
                {"name": h.name, "classes": h.classes, "temperature": h.temperature}
                for h in self.heads.values()
            ],
            "info": self.info,
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            "idf": v.idf,
            "block_of": v.block_of,
        }
        for i, head in enumerate(self.heads.values()):
            arrays[f"head{i}_weights"] = head.weights
            arrays[f"head{i}_bias"] = head.bias
        with Path(path).open("wb") as handle:
            # NumPy's stub cannot tell our array names apart from its allow_pickle keyword.
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> TriageModel:
        """Read a model saved by `save`; raise ModelFormatError on anything else."""
        try:
            with np.load(Path(path), allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelFormatError(f"not a triage model: {exc}") from exc
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ModelFormatError("unknown triage model format or version")
        try:
            vocab = [str(name) for name in meta["vocab"]]
            vectoriser = Vectoriser(
                config=FeatureConfig(**meta["features"]),
                vocab=vocab,
                idf=arrays["idf"],
                block_of=arrays["block_of"],
            )
            heads = []
            for i, spec in enumerate(meta["heads"]):
                head = Head(
                    name=str(spec["name"]),
                    classes=[str(c) for c in spec["classes"]],
                    weights=arrays[f"head{i}_weights"],
                    bias=arrays[f"head{i}_bias"],
                    temperature=float(spec["temperature"]),
                )
                if head.weights.shape != (len(vocab), len(head.classes)) or head.bias.shape != (
                    len(head.classes),
                ):
                    raise ModelFormatError(f"head {head.name}: array shapes do not match")
                if not (math.isfinite(head.temperature) and head.temperature > 0):
                    raise ModelFormatError(f"head {head.name}: bad temperature")
                heads.append(head)
            if arrays["idf"].shape != (len(vocab),) or arrays["block_of"].shape != (len(vocab),):
                raise ModelFormatError("vocabulary arrays do not match")
        except ModelFormatError:
            raise
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"incomplete triage model: {exc}") from exc
        return cls(vectoriser=vectoriser, heads=heads, info=meta.get("info", {}))
