"""Triage model behaviour on a synthetic help desk whose categories are told apart by known words."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from offload.noc.triage import (
    Example,
    ModelFormatError,
    Thresholds,
    TicketText,
    TriageModel,
    route,
    train_model,
)
from offload.noc.triage.endava import load_endava
from offload.noc.triage.evaluation import (
    MajorityBaseline,
    TfidfLogRegBaseline,
    accuracy,
    coverage_table,
    macro_f1,
    stratified_split,
    time_ordered_split,
)

CATEGORY_WORDS = {
    "access": ["password", "reset", "locked", "account", "login", "mfa"],
    "network": ["vpn", "router", "firewall", "dns", "wifi", "switch"],
    "hardware": ["laptop", "screen", "keyboard", "battery", "docking", "mouse"],
    "printing": ["printer", "toner", "paper", "jam", "scanner", "queue"],
}
FILLER = ["hello", "please", "thanks", "team", "today", "regards", "issue", "help", "user", "office"]
HEADS = ["category", "priority", "noc_eligible"]


def synthetic_examples(n: int, *, seed: int) -> list[Example]:
    """Tickets: a few category words among filler; 'urgent'/'down' make priority high."""
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        category = sorted(CATEGORY_WORDS)[i % len(CATEGORY_WORDS)]
        urgent = rng.random() < 0.3
        words = rng.sample(CATEGORY_WORDS[category], 3) + rng.sample(FILLER, 5)
        if urgent:
            words += ["urgent", "down"]
        rng.shuffle(words)
        examples.append(
            Example(
                ticket=TicketText(subject=" ".join(words[:3]), body=" ".join(words[3:])),
                labels={
                    "category": category,
                    "priority": "high" if urgent else "normal",
                    "noc_eligible": "yes" if category in {"access", "printing"} else "no",
                },
            )
        )
    return examples


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return train_model(examples=synthetic_examples(400, seed=1), heads=HEADS, seed=7)


def test_learns_separable_categories_and_priorities(model):
    """On unseen tickets of the same help desk, category, priority and eligibility are right."""
    held_out = synthetic_examples(200, seed=2)
    predicted = model.predict([e.ticket for e in held_out])
    for head in HEADS:
        truth = [e.labels[head] for e in held_out]
        labels, confidences = predicted[head]
        assert accuracy(truth, labels) >= 0.97, head
        assert macro_f1(truth, labels) >= 0.95, head
        assert np.all((confidences > 0) & (confidences <= 1))


def test_explanation_names_the_words_that_drove_the_suggestion(model):
    """A password ticket is 'access' because of its access words, not the filler around them."""
    suggestion = model.suggest(
        TicketText(subject="password locked", body="hello team please reset my account thanks")
    )
    category = suggestion["category"]
    assert category.label == "access"
    named = [word for word, _ in category.explanation]
    assert named
    assert set(named[:3]) <= {"password", "locked", "reset", "account"}
    assert not set(named) & set(FILLER)
    assert category.because.startswith(named[0])


def test_requester_context_can_drive_the_suggestion():
    """When a client's tickets are always network work, its context feature shows up as a reason."""
    examples = [
        Example(
            ticket=TicketText(
                subject=e.ticket.subject,
                body=e.ticket.body,
                context={"client": "acme" if e.labels["category"] == "network" else "other"},
            ),
            labels=e.labels,
        )
        for e in synthetic_examples(400, seed=3)
    ]
    model = train_model(examples=examples, heads=["category"], seed=0)
    suggestion = model.suggest(
        TicketText(subject="hello", body="please help today", context={"client": "acme"})
    )
    assert suggestion["category"].label == "network"
    assert "client=acme" in [word for word, _ in suggestion["category"].explanation]


def test_confidence_is_higher_for_clear_tickets_than_for_vague_ones(model):
    """A ticket full of one category's words is more confident than one with only filler."""
    clear = model.suggest(TicketText(subject="printer jam", body="toner paper scanner queue"))
    vague = model.suggest(TicketText(subject="hello", body="please help thanks regards"))
    assert clear["category"].confidence > 0.9
    assert vague["category"].confidence < clear["category"].confidence
    assert sum(clear["category"].probabilities.values()) == pytest.approx(1.0)


def test_save_and_load_give_identical_predictions(model, tmp_path):
    """A model written to disk and read back suggests exactly the same, confidences included."""
    path = tmp_path / "triage.npz"
    model.save(path)
    loaded = TriageModel.load(path)
    tickets = [e.ticket for e in synthetic_examples(50, seed=4)]
    for ticket in tickets:
        assert loaded.suggest(ticket) == model.suggest(ticket)
    before, after = model.probabilities(tickets), loaded.probabilities(tickets)
    assert all(np.array_equal(before[h], after[h]) for h in HEADS)


def test_loading_refuses_files_that_are_not_models(model, tmp_path):
    """A pickle, a foreign or tampered .npz or garbage raise ModelFormatError, never run code."""
    saved = tmp_path / "saved.npz"
    model.save(saved)
    with np.load(saved) as npz:
        arrays = {key: npz[key] for key in npz.files}
    tampered = tmp_path / "tampered.npz"
    np.savez(tampered, **{**arrays, "head0_weights": arrays["head0_weights"][:10]})
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x80\x04not a model")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, meta=np.array([object()], dtype=object))
    other = tmp_path / "other.npz"
    np.savez(other, meta=np.frombuffer(b'{"format": "something-else"}', dtype=np.uint8))
    for path in (garbage, foreign, other, tampered, tmp_path / "missing.npz"):
        with pytest.raises(ModelFormatError):
            TriageModel.load(path)


def test_low_confidence_goes_to_human_triage(model):
    """Below the MSP's threshold a ticket waits for a human; above it, it is applied automatically."""
    clear = model.suggest(TicketText(subject="vpn down", body="router firewall dns urgent"))
    vague = model.suggest(TicketText(subject="hello", body="please help thanks regards"))
    strict = Thresholds(per_head={"category": 0.9, "priority": 0.5})
    assert route(clear, strict).automatic
    decision = route(vague, strict)
    assert not decision.automatic
    assert decision.unsure == ("category",)
    assert route(vague, Thresholds(per_head={"category": 0.0})).automatic


def test_coverage_falls_and_accuracy_rises_with_the_threshold():
    """Raising the threshold auto-triages fewer tickets, and those it keeps are the surer ones."""
    confidences = [0.95, 0.92, 0.8, 0.75, 0.6, 0.55, 0.4]
    correct = [True, True, True, False, True, False, False]
    points = coverage_table(confidences, correct, [0.5, 0.7, 0.9])
    assert [p.auto for p in points] == [6, 4, 2]
    assert points[0].accuracy == pytest.approx(4 / 6)
    assert points[2].accuracy == 1.0
    assert points[1].coverage == pytest.approx(4 / 7)


def test_training_is_deterministic_given_a_seed():
    """Two trainings on the same tickets with the same seed give the same model."""
    examples = synthetic_examples(200, seed=5)
    a = train_model(examples=examples, heads=HEADS, seed=3)
    b = train_model(examples=list(examples), heads=HEADS, seed=3)
    assert a.vectoriser.vocab == b.vectoriser.vocab
    for head in HEADS:
        assert np.array_equal(a.heads[head].weights, b.heads[head].weights)
        assert a.heads[head].temperature == b.heads[head].temperature


def test_unlabelled_examples_are_skipped_per_head():
    """A ticket with no priority still teaches the category; a head with one label is constant."""
    examples = synthetic_examples(120, seed=6)
    examples = [
        Example(ticket=e.ticket, labels={**e.labels, "priority": "" if i % 2 else "normal"})
        for i, e in enumerate(examples)
    ]
    model = train_model(examples=examples, heads=["category", "priority"], seed=0)
    suggestion = model.suggest(TicketText(subject="laptop", body="battery screen"))
    assert suggestion["category"].label == "hardware"
    assert suggestion["priority"].label == "normal"
    assert suggestion["priority"].confidence == 1.0


def test_splits_are_stratified_and_time_ordered():
    """Each label keeps its share in the held-out set; the time split holds out the newest."""
    labels = ["a"] * 50 + ["b"] * 10 + ["c"]
    train, test = stratified_split(labels, test_fraction=0.2, seed=0)
    assert sorted(train + test) == list(range(61))
    assert [labels[i] for i in test].count("a") == 10
    assert [labels[i] for i in test].count("b") == 2
    assert "c" not in [labels[i] for i in test]  # a label seen once cannot be tested fairly
    assert stratified_split(labels, seed=0) == (train, test)
    train, test = time_ordered_split([5, 1, 4, 2, 3], test_fraction=0.4)
    assert (train, test) == ([1, 3, 4], [0, 2])


ENDAVA = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "tickets"


@pytest.mark.slow
@pytest.mark.skipif(not ENDAVA.exists(), reason="the Endava sample lives at ../shared/data/tickets")
def test_beats_both_baselines_on_endava_tickets():
    """On a fixed held-out split of real tickets, ours beats majority and TF-IDF + logistic
    regression on category accuracy and macro-F1."""
    examples = load_endava(ENDAVA)
    train, test = stratified_split([e.labels["category"] for e in examples], seed=0)
    train_tickets = [examples[i].ticket for i in train]
    train_labels = [examples[i].labels["category"] for i in train]
    test_tickets = [examples[i].ticket for i in test]
    truth = [examples[i].labels["category"] for i in test]
    ours, _ = train_model(examples=[examples[i] for i in train], heads=["category"], seed=0).predict(
        test_tickets
    )["category"]
    for baseline in (MajorityBaseline(), TfidfLogRegBaseline()):
        theirs = baseline.fit(train_tickets, train_labels).predict(test_tickets)
        assert accuracy(truth, ours) > accuracy(truth, theirs), type(baseline).__name__
        assert macro_f1(truth, ours) > macro_f1(truth, theirs), type(baseline).__name__
