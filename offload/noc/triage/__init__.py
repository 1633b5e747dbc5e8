"""Ticket triage learned from an MSP's own history: suggest category, priority, NOC eligibility.

Pure Python + NumPy/scikit-learn, no Django: the NOC app wraps it with models and commands.
- `train_model(examples=…, heads=[…])` → `TriageModel`; `model.suggest(TicketText(…))` →
  `Suggestion` with, per head, a label, a calibrated confidence and the words that drove it.
- `model.save(path)` / `TriageModel.load(path)`: an .npz of arrays + JSON, never pickle.
- `route(suggestion, Thresholds(per_head={...}))`: below an MSP's threshold → human triage.
- `evaluation` has the splits, metrics and the majority / TF-IDF + logistic-regression baselines;
  `bench/triage.py` runs them on the Endava sample.
"""

from offload.noc.triage.evaluation import Routing, Thresholds, route
from offload.noc.triage.features import FeatureConfig, TicketText
from offload.noc.triage.model import HeadSuggestion, ModelFormatError, Suggestion, TriageModel
from offload.noc.triage.training import Example, TrainingConfig, train_model

__all__ = [
    "Example",
    "FeatureConfig",
    "HeadSuggestion",
    "ModelFormatError",
    "Routing",
    "Suggestion",
    "Thresholds",
    "TicketText",
    "TrainingConfig",
    "TriageModel",
    "route",
    "train_model",
]
