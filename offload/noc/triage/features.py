"""Ticket text → sparse TF-IDF vector, with a map back from features to the words that made them.

Three feature blocks, each TF-IDF weighted (sublinear tf, smoothed idf), L2-normalised on its own
and then scaled by its block weight, so a long body cannot drown the subject or the context:
- words: unigrams and bigrams of subject + body, plus subject-only unigrams ("s:" prefix) because
  a subject line is the requester's own summary and carries more signal per word;
- chars: character 3- to 5-grams inside word boundaries (as scikit-learn's "char_wb"), which survive
  typos, inflections and the stop-word-stripped, stemmed-looking text of help-desk mail;
- context: optional requester features ("client=acme", "contact_top_category=4"), one-hot.

We do our own vectorising (rather than scikit-learn's vectorisers) so training and inference share
one code path, the vocabulary serialises as plain data, and explanations can name the words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise

import numpy as np
import scipy.sparse as sp

# Bodies beyond this are quoted history or logs; cutting them bounds latency (p95 < 20 ms).
MAX_CHARS = 4000
WORD_RE = re.compile(r"\w\w+")
BLOCKS = ("words", "chars", "context")
PREFIXES = ("w", "c", "x")
BLOCKS_BY_PREFIX = {p: b for b, p in enumerate(PREFIXES)}


@dataclass(frozen=True)
class TicketText:
    """What triage sees of a ticket: subject, body and optional requester context features."""

    subject: str
    body: str
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FeatureConfig:
    """Knobs of the vectoriser; stored with the model so inference rebuilds identical vectors."""

    char_min: int = 3
    char_max: int = 5
    min_df: int = 2
    max_word_features: int = 150_000
    max_char_features: int = 150_000
    word_weight: float = 1.0
    char_weight: float = 1.0
    context_weight: float = 0.5


def normalize(text: str) -> str:
    """Lower-cased, NFKC-folded text, cut to MAX_CHARS."""
    return unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].lower()


@dataclass
class Analysed:
    """One ticket's words and its raw feature counts per block."""

    words: list[str]
    counts: dict[str, Counter[str]]


class Analyser:
    """Turns a TicketText into per-block feature counts; caches each word's char n-grams."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self._char_cache: dict[str, tuple[str, ...]] = {}

    def char_ngrams(self, word: str) -> tuple[str, ...]:
        grams = self._char_cache.get(word)
        if grams is None:
            padded = f" {word} "
            n_min, n_max = self.config.char_min, self.config.char_max
            grams = tuple(
                padded[i : i + n] for n in range(n_min, n_max + 1) for i in range(max(len(padded) - n + 1, 1))
            )
            if len(self._char_cache) < 500_000:
                self._char_cache[word] = grams
        return grams

    def analyse(self, ticket: TicketText) -> Analysed:
        subject_words = WORD_RE.findall(normalize(ticket.subject))
        body_words = WORD_RE.findall(normalize(ticket.body))
        words = subject_words + body_words
        word_counts: Counter[str] = Counter(words)
        word_counts.update(f"{a} {b}" for a, b in pairwise(words))
        word_counts.update(f"s:{w}" for w in subject_words)
        char_counts = Counter(chain.from_iterable(self.char_ngrams(w) for w in words))
        context_counts = Counter(
            f"{key}={value}" for key, value in sorted(ticket.context.items()) if value not in ("", None)
        )
        return Analysed(
            words=words,
            counts={"words": word_counts, "chars": char_counts, "context": context_counts},
        )

    def char_sources(self, words: Iterable[str]) -> dict[str, Counter[str]]:
        """Char n-gram → Counter(word → occurrences): which words a char feature came from."""
        sources: dict[str, Counter[str]] = {}
        for word, n in Counter(words).items():
            for gram in self.char_ngrams(word):
                sources.setdefault(gram, Counter())[word] += n
        return sources


class Vectoriser:
    """A fitted vocabulary and idf per block; maps tickets to rows of one sparse matrix."""

    def __init__(
        self, *, config: FeatureConfig, vocab: Sequence[str], idf: np.ndarray, block_of: np.ndarray
    ) -> None:
        self.config = config
        self.vocab = list(vocab)
        # Per block: feature name (without its "w|"/"c|"/"x|" prefix) → column.
        self.block_index: list[dict[str, int]] = [{} for _ in BLOCKS]
        for i, name in enumerate(self.vocab):
            self.block_index[BLOCKS_BY_PREFIX[name[0]]][name[2:]] = i
        self.idf = idf.astype(np.float32)
        self.block_of = block_of.astype(np.int8)  # index into BLOCKS, per feature
        self.analyser = Analyser(config)
        self.weights = np.array(
            [config.word_weight, config.char_weight, config.context_weight], dtype=np.float32
        )

    @property
    def n_features(self) -> int:
        return len(self.vocab)

    @classmethod
    def fit(cls, tickets: Iterable[TicketText], *, config: FeatureConfig) -> Vectoriser:
        """Learn the vocabulary (document frequency ≥ min_df, most frequent first) and idf."""
        analyser = Analyser(config)
        df: dict[str, Counter[str]] = {block: Counter() for block in BLOCKS}
        n_docs = 0
        for ticket in tickets:
            n_docs += 1
            counts = analyser.analyse(ticket).counts
            for block in BLOCKS:
                df[block].update(counts[block].keys())
        caps = {
            "words": config.max_word_features,
            "chars": config.max_char_features,
            "context": config.max_word_features,
        }
        vocab: list[str] = []
        idf: list[float] = []
        block_of: list[int] = []
        for b, block in enumerate(BLOCKS):
            min_df = 1 if block == "context" else config.min_df
            # Sort by (-df, name) so the vocabulary is the same whatever the input order.
            kept = sorted(((-n, name) for name, n in df[block].items() if n >= min_df))[: caps[block]]
            for neg_n, name in sorted(kept, key=lambda item: item[1]):
                vocab.append(f"{PREFIXES[b]}|{name}")
                idf.append(math.log((1 + n_docs) / (1 - neg_n)) + 1.0)
                block_of.append(b)
        return cls(
            config=config,
            vocab=vocab,
            idf=np.array(idf, dtype=np.float32),
            block_of=np.array(block_of, dtype=np.int8),
        )

    def vector(self, analysed: Analysed) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and values of one analysed ticket (indices sorted)."""
        parts_idx: list[np.ndarray] = []
        parts_val: list[np.ndarray] = []
        for b, block in enumerate(BLOCKS):
            index = self.block_index[b]
            pairs = [(index[name], n) for name, n in analysed.counts[block].items() if name in index]
            if not pairs:
                continue
            idx = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
            cnt = np.fromiter((n for _, n in pairs), dtype=np.float32, count=len(pairs))
            val = (1.0 + np.log(cnt)) * self.idf[idx]
            val *= self.weights[b] / np.sqrt(np.dot(val, val))
            parts_idx.append(idx)
            parts_val.append(val)
        if not parts_idx:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.concatenate(parts_idx)
        val = np.concatenate(parts_val).astype(np.float32)
        order = np.argsort(idx, kind="stable")
        return idx[order], val[order]

    def transform(self, tickets: Iterable[TicketText]) -> sp.csr_matrix:
        """Rows of TF-IDF vectors for many tickets."""
        indptr = [0]
        all_idx: list[np.ndarray] = []
        all_val: list[np.ndarray] = []
        for ticket in tickets:
            idx, val = self.vector(self.analyser.analyse(ticket))
            all_idx.append(idx)
            all_val.append(val)
            indptr.append(indptr[-1] + len(idx))
        indices = np.concatenate(all_idx) if all_idx else np.zeros(0, dtype=np.int64)
        data = np.concatenate(all_val) if all_val else np.zeros(0, dtype=np.float32)
        return sp.csr_matrix(
            (data, indices, np.array(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, self.n_features),
        )

    def attribution(self, analysed: Analysed, indices: np.ndarray) -> tuple[list[str], sp.csr_matrix]:
        """Which words (and context items) each of a ticket's features came from, as shares.

        Returns the words and a (features x words) matrix whose rows sum to 1: a unigram or
        subject feature belongs to its word, a bigram half to each word, a char n-gram to the
        words containing it in proportion to their occurrences, a context feature to itself.
        Multiplying per-feature contributions by it gives per-word contributions.
        """
        units: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        shares: list[float] = []

        def add(row: int, unit: str, share: float) -> None:
            rows.append(row)
            cols.append(units.setdefault(unit, len(units)))
            shares.append(share)

        char_sources = self.analyser.char_sources(analysed.words)
        for row, i in enumerate(indices.tolist()):
            block, _, name = self.vocab[i].partition("|")
            if block == "w":
                parts = name[2:].split() if name.startswith("s:") else name.split()
                for part in parts:
                    add(row, part, 1.0 / len(parts))
            elif block == "c":
                sources: Counter[str] = char_sources.get(name) or Counter()
                total = sum(sources.values())
                for word, n in sources.items():
                    add(row, word, n / total)
            else:
                add(row, name, 1.0)
        matrix = sp.csr_matrix((shares, (rows, cols)), shape=(len(indices), len(units)))
        return list(units), matrix
