"""`offload triage train [--msp SLUG]` and `offload triage evaluate [--msp SLUG | --csv PATH]`.

train: for each MSP (or the one named), train on its closed tickets and store the model as current.
evaluate: hold out a stratified 20% and print accuracy and macro-F1 per head against the
majority-class baseline — of an MSP's history, or of a labelled CSV such as the Endava sample
(`--csv ../shared/data/tickets/`, read with the same code as bench/triage.py).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offload.core.errors import DomainError
from offload.noc.services.triage import HEADS, evaluate_examples, train_triage_model, training_examples
from offload.noc.triage.endava import load_endava
from offload.tenancy.models import MSP
from offload.tenancy.scoping import system_scope


class Command(BaseCommand):
    # Training reads data; it need not wait for URL and template checks.
    requires_system_checks: list[str] = []
    help = "Train or evaluate ticket triage models on each MSP's own history (or a labelled CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="Train and store each MSP's model.")
        train.add_argument("--msp", help="Only this MSP (its slug).")
        train.add_argument("--seed", type=int, default=0)
        evaluate = sub.add_parser("evaluate", help="Held-out accuracy and macro-F1 vs the majority class.")
        source = evaluate.add_mutually_exclusive_group()
        source.add_argument("--msp", help="Only this MSP (its slug).")
        source.add_argument("--csv", type=Path, help="A labelled CSV (the Endava sample) or its folder.")
        evaluate.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, action: str, seed: int = 0, **options: Any) -> None:
        if action == "evaluate" and options.get("csv"):
            self._evaluate_csv(options["csv"], seed=seed)
            return
        with system_scope("triage command: which MSPs"):
            msps = list(MSP.objects.order_by("slug"))
        if options.get("msp"):
            msps = [m for m in msps if m.slug == options["msp"]]
            if not msps:
                raise CommandError(f"No MSP with the slug {options['msp']!r}.")
        for msp in msps:
            self.stdout.write(f"{msp.slug}:")
            with system_scope(f"triage {action}", msp_id=msp.pk):
                try:
                    if action == "train":
                        row = train_triage_model(
                            actor=None, msp_id=msp.pk, seed=seed, progress=self._progress
                        )
                        self._print(row.metrics)
                    else:
                        examples = training_examples(msp_id=msp.pk)
                        self._progress(f"{len(examples)} labelled tickets")
                        self._print(evaluate_examples(examples, seed=seed, progress=self._progress))
                except DomainError as exc:
                    self.stdout.write(f"  skipped: {exc.message}")

    def _evaluate_csv(self, path: Path, *, seed: int) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        started = time.perf_counter()
        examples = load_endava(path)
        self._progress(f"read {len(examples)} tickets from {path} in {time.perf_counter() - started:.1f} s")
        self._print(evaluate_examples(examples, seed=seed, progress=self._progress))

    def _progress(self, message: str) -> None:
        self.stdout.write(f"  … {message}")
        self.stdout.flush()

    def _print(self, metrics: dict[str, Any]) -> None:
        self.stdout.write(
            f"  held out {metrics['test']} of {metrics['train'] + metrics['test']} tickets "
            f"(trained in {metrics['train_seconds']} s)"
        )
        self.stdout.write(
            f"  {'head':<13} {'accuracy':>9} {'macro-F1':>9}   {'majority acc':>12} {'macro-F1':>9}"
        )
        for head in HEADS:
            if head not in metrics["heads"]:
                continue
            s = metrics["heads"][head]
            self.stdout.write(
                f"  {head:<13} {s['accuracy']:>9.4f} {s['macro_f1']:>9.4f}   "
                f"{s['baseline_accuracy']:>12.4f} {s['baseline_macro_f1']:>9.4f}"
            )
