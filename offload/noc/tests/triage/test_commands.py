"""`offload triage train` and `offload triage evaluate` print held-out metrics against the majority class."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from offload.noc.models import TriageModel
from offload.noc.tests.triage.helpers import PASSWORD_WORDS, PRINTER_WORDS, history
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def test_train_stores_a_model_per_msp_and_prints_metrics(world, catalog):
    """Training one MSP stores its model and prints accuracy and macro-F1 next to the majority baseline."""
    history(client=world.clients["a1"], catalog=catalog)
    out = io.StringIO()
    call_command("triage", "train", "--msp", "acme", stdout=out)
    text = out.getvalue()
    assert "30 labelled tickets" in text
    assert "category" in text
    assert "majority acc" in text
    with system_scope("test check"):
        assert TriageModel.objects.filter(msp=world.msp_a, is_active=True).count() == 1


def test_train_skips_an_msp_with_too_little_history(world):
    """An MSP without enough closed tickets is skipped with a reason, not a crash."""
    out = io.StringIO()
    call_command("triage", "train", "--msp", "bravo", stdout=out)
    assert "skipped: Triage needs at least" in out.getvalue()


def test_evaluate_reads_a_labelled_csv(tmp_path):
    """Evaluating a CSV in the Endava layout prints every head's metrics."""
    path = tmp_path / "tickets.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["title", "body", "category", "urgency", "ticket_type"])
        writer.writeheader()
        for i in range(40):
            words = PASSWORD_WORDS if i % 2 else PRINTER_WORDS
            writer.writerow(
                {
                    "title": f"{words[i % 6]} {words[(i + 1) % 6]}",
                    "body": f"{words[(i + 2) % 6]} {words[(i + 3) % 6]}",
                    "category": str(i % 2 + 5),
                    "urgency": str(i % 2 + 1),
                    "ticket_type": "1",
                }
            )
    out = io.StringIO()
    call_command("triage", "evaluate", "--csv", str(path), stdout=out)
    text = out.getvalue()
    assert "held out" in text
    for head in ("category", "priority", "noc_eligible"):
        assert head in text
