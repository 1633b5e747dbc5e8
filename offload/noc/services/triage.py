"""Triage of new tickets with a model trained on the MSP's own history, and the human triage queue.

On every new incident or service request (`ticket.created`, after commit) a task asks the MSP's
current model for category, priority and NOC eligibility. When every thresholded head is at or
above the MSP's threshold the suggestion is applied (through the service desk's own service, so
the change is an event on the timeline) and the ticket is routed; otherwise it waits in the human
triage view, where a technician accepts or corrects it — the corrected ticket is labelled history
for the next training — and then it is routed. Alerts, maintenance and project tasks come from
pipelines that already know what they are, so triage leaves them alone.

Training reads the MSP's closed tickets (and those a human triaged): subject + description →
category and priority; NOC eligibility = the ticket was delegated, or the current scope matrix
puts it in scope. The model itself is `offload.noc.triage` (pure code, also used by bench/triage.py).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.core.tasks.decorators import task
from offload.noc import routing_permissions  # noqa: F401 - registers the permissions used here
from offload.noc import triage as pure
from offload.noc.models import Delegation, ScopeDecision, TriageModel, TriageStatus, TriageSuggestion
from offload.noc.services.routing import route_ticket
from offload.noc.services.scope import scope_table
from offload.noc.triage.evaluation import MajorityBaseline, accuracy, macro_f1, stratified_split
from offload.servicedesk import events
from offload.servicedesk.choices import DONE_STATUSES, Priority, TicketKind
from offload.servicedesk.events import ticket_event_committed
from offload.servicedesk.models import Category, Ticket, TicketEntry
from offload.servicedesk.services.guards import require
from offload.servicedesk.services.tickets import update_ticket_fields
from offload.tenancy.scoping import system_scope

HEADS = ("category", "priority", "noc_eligible")
THRESHOLDED = ("category", "priority")
TRIAGED_KINDS = frozenset({TicketKind.INCIDENT, TicketKind.SERVICE_REQUEST})
MIN_EXAMPLES = 20
SUGGESTED = "triage.suggested"
APPLIED = "triage.applied"
AWAITING = "triage.awaiting_human"
DECIDED = "triage.decided"

Progress = Callable[[str], None]


# --- Examples -----------------------------------------------------------------------------------


def ticket_text(ticket: Ticket) -> pure.TicketText:
    """What the model reads of a ticket: subject, description, and its kind as context."""
    return pure.TicketText(subject=ticket.subject, body=ticket.description, context={"kind": ticket.kind})


def training_examples(*, msp_id: int) -> list[pure.Example]:
    """The MSP's labelled history: closed tickets with a category, and tickets a human triaged."""
    table = scope_table(msp_id=msp_id)
    human = TriageSuggestion.objects.filter(
        ticket=OuterRef("pk"), status__in=[TriageStatus.ACCEPTED, TriageStatus.CORRECTED]
    )
    delegated = Delegation.objects.filter(ticket=OuterRef("pk"))
    rows = (
        Ticket.objects.filter(msp_id=msp_id, category__isnull=False, kind__in=sorted(TRIAGED_KINDS))
        .filter(Q(status__in=sorted(DONE_STATUSES)) | Exists(human))
        .annotate(scope=table.case(), delegated=Exists(delegated))
        .order_by("id")
        .values_list("subject", "description", "kind", "category_id", "priority", "scope", "delegated")
    )
    return [
        pure.Example(
            ticket=pure.TicketText(subject=subject, body=description, context={"kind": kind}),
            labels={
                "category": str(category_id),
                "priority": priority,
                "noc_eligible": "yes" if delegated or scope == ScopeDecision.IN_SCOPE else "no",
            },
        )
        for subject, description, kind, category_id, priority, scope, delegated in rows.iterator(
            chunk_size=2000
        )
    ]


# --- Evaluation and training --------------------------------------------------------------------


@dataclass(frozen=True)
class HeadScore:
    accuracy: float
    macro_f1: float
    baseline_accuracy: float
    baseline_macro_f1: float


def evaluate_examples(
    examples: Sequence[pure.Example],
    *,
    heads: Sequence[str] = HEADS,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train on a stratified 80% and score the held-out 20% per head, against the majority class."""
    say = progress or (lambda _: None)
    labels = [e.labels.get("category", "") for e in examples]
    train_idx, test_idx = stratified_split(labels, seed=seed)
    if not test_idx:
        raise DomainError("Too little history to hold any tickets out.", code="too_little_history")
    train = [examples[i] for i in train_idx]
    test = [examples[i] for i in test_idx]
    say(f"training on {len(train)} tickets, holding out {len(test)}")
    started = time.perf_counter()
    model = pure.train_model(examples=train, heads=list(heads), seed=seed)
    train_s = time.perf_counter() - started
    say(f"trained in {train_s:.1f} s; scoring")
    predicted = model.predict([e.ticket for e in test])
    scores: dict[str, Any] = {}
    for head in heads:
        truth = [e.labels[head] for e in test]
        guess = predicted[head][0]
        baseline = (
            MajorityBaseline().fit([], [e.labels[head] for e in train]).predict([e.ticket for e in test])
        )
        scores[head] = HeadScore(
            accuracy=round(accuracy(truth, guess), 4),
            macro_f1=round(macro_f1(truth, guess), 4),
            baseline_accuracy=round(accuracy(truth, baseline), 4),
            baseline_macro_f1=round(macro_f1(truth, baseline), 4),
        ).__dict__
    return {"train": len(train), "test": len(test), "train_seconds": round(train_s, 2), "heads": scores}


def train_triage_model(
    *, actor: User | None, msp_id: int, seed: int = 0, progress: Progress | None = None
) -> TriageModel:
    """Evaluate on a held-out split, then train on all of the MSP's history and store it as current."""
    require(actor, "noc.manage_routing")
    say = progress or (lambda _: None)
    examples = training_examples(msp_id=msp_id)
    say(f"{len(examples)} labelled tickets")
    if len(examples) < MIN_EXAMPLES:
        raise DomainError(
            f"Triage needs at least {MIN_EXAMPLES} closed, categorised tickets ({len(examples)} so far).",
            code="too_little_history",
        )
    metrics = evaluate_examples(examples, seed=seed, progress=say)
    say("training the model on every ticket")
    model = pure.train_model(examples=examples, heads=list(HEADS), seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "triage.npz"
        model.save(path)
        data = path.read_bytes()
    previous = (
        TriageModel.objects.filter(msp_id=msp_id, is_active=True).order_by("-trained_at", "-id").first()
    )
    with transaction.atomic():
        TriageModel.objects.filter(msp_id=msp_id, is_active=True).update(is_active=False)
        row = TriageModel.objects.create(
            msp_id=msp_id,
            data=data,
            metrics=metrics,
            examples=len(examples),
            threshold=previous.threshold if previous else TriageModel._meta.get_field("threshold").default,
            trained_at=timezone.now(),
            trained_by=actor if actor is not None and actor.pk else None,
        )
    say(f"stored model {row.pk} ({len(data) / 1e6:.1f} MB)")
    return row


# --- Serving ------------------------------------------------------------------------------------

_cache: dict[int, tuple[int, pure.TriageModel]] = {}
_cache_lock = threading.Lock()


def current_model(msp_id: int) -> tuple[TriageModel, pure.TriageModel] | None:
    """The MSP's active model row and its loaded model (loaded once per process and model)."""
    row = (
        TriageModel.objects.filter(msp_id=msp_id, is_active=True)
        .order_by("-trained_at", "-id")
        .only("id", "threshold", "msp_id")
        .first()
    )
    if row is None:
        return None
    with _cache_lock:
        cached = _cache.get(msp_id)
        if cached is not None and cached[0] == row.pk:
            return row, cached[1]
    data = bytes(TriageModel.objects.filter(pk=row.pk).values_list("data", flat=True).get())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "triage.npz"
        path.write_bytes(data)
        loaded = pure.TriageModel.load(path)
    with _cache_lock:
        _cache[msp_id] = (row.pk, loaded)
    return row, loaded


def suggest(ticket: Ticket, model: pure.TriageModel) -> pure.Suggestion:
    """The model's suggestion for one ticket (the < 20 ms part: no query, no network)."""
    return model.suggest(ticket_text(ticket))


def triage_ticket(*, ticket: Ticket) -> TriageSuggestion | None:
    """Suggest, then apply and route (confident) or queue for a human (unsure). System work.

    Without a trained model the ticket is routed as it is. Idempotent per ticket.
    """
    if ticket.kind not in TRIAGED_KINDS or not ticket.is_open:
        return None
    existing = TriageSuggestion.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    served = current_model(ticket.msp_id)
    if served is None:
        route_ticket(ticket=ticket)
        return None
    row, model = served
    result = suggest(ticket, model)
    categories = dict(Category.objects.filter(msp_id=ticket.msp_id, is_active=True).values_list("pk", "path"))
    category_id = _category_id(result["category"].label, categories)
    unsure = pure.route(result, pure.Thresholds(per_head=dict.fromkeys(THRESHOLDED, row.threshold))).unsure
    if category_id is None:
        unsure = tuple(sorted({*unsure, "category"}))
    already = ticket.category_id is not None  # staff categorised it when opening it
    now = timezone.now()
    with transaction.atomic():
        suggestion = TriageSuggestion.objects.create(
            msp_id=ticket.msp_id,
            ticket=ticket,
            model=row,
            category_id=category_id,
            category_confidence=result["category"].confidence,
            priority=result["priority"].label if result["priority"].label in Priority.values else "",
            priority_confidence=result["priority"].confidence,
            noc_eligible=result["noc_eligible"].label == "yes" if "noc_eligible" in result.heads else None,
            noc_confidence=result["noc_eligible"].confidence if "noc_eligible" in result.heads else 0.0,
            explanation={head: [w for w, _ in s.explanation] for head, s in result.heads.items()},
            unsure=list(unsure),
            created_at=now,
        )
        summary = _summary(suggestion, categories)
        if already:
            # A person chose the category when opening it: theirs stands, and it labels history.
            same = ticket.category_id == category_id
            suggestion.status = TriageStatus.ACCEPTED if same else TriageStatus.CORRECTED
            suggestion.decided_at = now
            suggestion.save(update_fields=["status", "decided_at"])
            events.record_event(ticket=ticket, actor=None, event=SUGGESTED, data=summary)
        elif not unsure and category_id is not None:
            changes: dict[str, Any] = {"category": Category.objects.get(pk=category_id)}
            if suggestion.priority:
                changes["priority"] = suggestion.priority
            update_ticket_fields(actor=None, ticket=ticket, changes=changes)
            suggestion.status = TriageStatus.AUTO_APPLIED
            suggestion.is_automatic = True
            suggestion.decided_at = now
            suggestion.save(update_fields=["status", "is_automatic", "decided_at"])
            events.record_event(ticket=ticket, actor=None, event=APPLIED, data=summary)
        else:
            events.record_event(
                ticket=ticket, actor=None, event=AWAITING, data={**summary, "unsure": list(unsure)}
            )
    if suggestion.status != TriageStatus.PENDING:
        route_ticket(ticket=ticket)
    return suggestion


def _category_id(label: str, categories: dict[int, str]) -> int | None:
    return int(label) if label.isdigit() and int(label) in categories else None


def _summary(suggestion: TriageSuggestion, categories: dict[int, str]) -> dict[str, Any]:
    return {
        "category": categories.get(suggestion.category_id or 0, ""),
        "category_confidence": round(suggestion.category_confidence, 3),
        "priority": suggestion.priority,
        "priority_confidence": round(suggestion.priority_confidence, 3),
        "noc_eligible": suggestion.noc_eligible,
        "because": suggestion.explanation.get("category", []),
    }


def decide_triage(
    *,
    actor: User | None,
    suggestion: TriageSuggestion,
    category: Category | None = None,
    priority: str = "",
) -> TriageSuggestion:
    """A technician accepts the suggestion (no arguments) or corrects it; then the ticket is routed."""
    require(actor, "noc.triage_ticket")
    with transaction.atomic():
        suggestion = (
            TriageSuggestion.objects.select_for_update().select_related("ticket").get(pk=suggestion.pk)
        )
        if suggestion.status != TriageStatus.PENDING:
            raise DomainError("This ticket was already triaged.", code="already_triaged")
        final_category = category if category is not None else suggestion.category
        if final_category is None:
            raise DomainError("Choose a category.", code="required", field="category")
        if final_category.msp_id != suggestion.msp_id:
            raise DomainError("No such category.", code="foreign_reference", field="category")
        final_priority = priority or suggestion.priority or suggestion.ticket.priority
        if final_priority not in Priority.values:
            raise DomainError(
                f"Unknown priority {final_priority!r}.", code="invalid_choice", field="priority"
            )
        corrected = final_category.pk != suggestion.category_id or (
            bool(suggestion.priority) and final_priority != suggestion.priority
        )
        ticket = update_ticket_fields(
            actor=actor,
            ticket=suggestion.ticket,
            changes={"category": final_category, "priority": final_priority},
        )
        suggestion.status = TriageStatus.CORRECTED if corrected else TriageStatus.ACCEPTED
        suggestion.decided_by = actor
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["status", "decided_by", "decided_at"])
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=DECIDED,
            data={"status": suggestion.status, "category": final_category.path, "priority": final_priority},
        )
    route_ticket(ticket=ticket)
    return suggestion


# --- The task and its subscriber ----------------------------------------------------------------


@task(max_attempts=3, backoff_base=30)
def triage_new_ticket(msp_id: int, ticket_id: int) -> str:
    """Triage and route one new ticket inside its MSP's scope."""
    with system_scope("triage of a new ticket", msp_id=msp_id):
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            return "gone"
        suggestion = triage_ticket(ticket=ticket)
        return suggestion.status if suggestion else "routed"


def on_ticket_events(sender: object, *, entry_ids: list[int], events: list[str], **kwargs: object) -> None:
    """After commit: enqueue triage for every ticket whose creation was just committed."""
    if "ticket.created" not in events:
        return
    refs = kwargs.get("refs")
    kinds = kwargs.get("ticket_kinds")
    if isinstance(refs, list) and isinstance(kinds, dict):
        # As recorded (events.announce): the creating service held the ticket, so its kind is known.
        new = [(msp_id, ticket_id) for _id, msp_id, ticket_id, name in refs if name == "ticket.created"]
        if all(ticket_id in kinds for _msp, ticket_id in new):
            for msp_id, ticket_id in new:
                if kinds[ticket_id] in TRIAGED_KINDS:
                    triage_new_ticket.enqueue(msp_id, ticket_id)
            return
    with system_scope("find the tickets a committed ticket.created event belongs to"):
        created = list(
            TicketEntry.objects.filter(pk__in=entry_ids, event="ticket.created")
            .filter(ticket__kind__in=sorted(TRIAGED_KINDS))
            .values_list("msp_id", "ticket_id")
        )
    for msp_id, ticket_id in created:
        triage_new_ticket.enqueue(msp_id, ticket_id)


ticket_event_committed.connect(on_ticket_events, dispatch_uid="noc.triage.on_ticket_events")
