"""The scope matrix: deciding a ticket's scope, saving new versions, and dry runs of drafts.

One `ScopeTable` holds every rule that can apply to an MSP's tickets — each client override's and
the MSP matrix's — ordered most specific first: a client's override before the MSP's matrix, then
the deeper category before its parent, then a rule naming an asset kind before one that does not.
The same ordered list decides one ticket in Python (`decide`) and many tickets in the database
(`case`: one CASE expression), so a dry run over months of tickets is a GROUP BY, not a loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.noc.models import ScopeDecision, ScopeMatrix, ScopeMatrixVersion, ScopeRule
from offload.servicedesk.models import Category, Ticket
from offload.servicedesk.services.guards import require
from offload.tenancy.choices import AssetKind
from offload.tenancy.models import Client

# With no matrix at all nothing is handed over: the MSP keeps its tickets until it says otherwise.
FALLBACK_DECISION = ScopeDecision.ESCALATE
MAX_RULES = 500
MAX_DRY_RUN_DAYS = 366
SAMPLE_SIZE = 25


@dataclass(frozen=True)
class RuleSpec:
    """A rule as drafted or saved: category subtree (None: any), asset kind ("" any) → decision."""

    category_id: int | None
    asset_kind: str
    decision: str


@dataclass(frozen=True)
class CompiledRule:
    """A rule placed in an MSP's table, with what it needs to match without another query."""

    client_id: int | None
    category_id: int | None
    category_path: str | None
    asset_kind: str
    decision: str
    rule_id: int | None = None
    version_id: int | None = None

    @property
    def specificity(self) -> tuple[int, int, int]:
        depth = self.category_path.count(Category.PATH_SEPARATOR) + 1 if self.category_path else 0
        return (0 if self.client_id is not None else 1, -depth, 0 if self.asset_kind else 1)

    def matches(
        self, *, client_id: int, category_id: int | None, category_path: str, asset_kind: str
    ) -> bool:
        if self.client_id is not None and self.client_id != client_id:
            return False
        if self.asset_kind and self.asset_kind != asset_kind:
            return False
        if self.category_id is None:
            return True
        return category_id == self.category_id or (
            bool(category_path) and category_path.startswith(f"{self.category_path}{Category.PATH_SEPARATOR}")
        )

    def q(self, prefix: str = "") -> Q:
        """The same test as `matches`, as a predicate on tickets (or on rows `prefix` away)."""
        predicate = Q()
        if self.client_id is not None:
            predicate &= Q(**{f"{prefix}client_id": self.client_id})
        if self.asset_kind:
            predicate &= Q(**{f"{prefix}asset__kind": self.asset_kind})
        if self.category_id is not None:
            predicate &= Q(**{f"{prefix}category_id": self.category_id}) | Q(
                **{f"{prefix}category__path__startswith": f"{self.category_path}{Category.PATH_SEPARATOR}"}
            )
        return predicate or Q(pk__isnull=False)


@dataclass(frozen=True)
class ScopeResult:
    """A decision and why: the rule that matched (None: the default) and the version it came from."""

    decision: str
    rule: CompiledRule | None
    version_id: int | None


@dataclass
class ScopeTable:
    """Every rule that applies to an MSP's tickets, most specific first, and the default."""

    rules: list[CompiledRule]
    default: str
    default_version_id: int | None = None

    def __post_init__(self) -> None:
        self.rules = sorted(self.rules, key=lambda r: r.specificity)

    def decide(
        self, *, client_id: int, category_id: int | None, category_path: str = "", asset_kind: str = ""
    ) -> ScopeResult:
        for rule in self.rules:
            if rule.matches(
                client_id=client_id,
                category_id=category_id,
                category_path=category_path,
                asset_kind=asset_kind,
            ):
                return ScopeResult(rule.decision, rule, rule.version_id)
        return ScopeResult(self.default, None, self.default_version_id)

    def case(self) -> Case:
        """A CASE expression giving each ticket's decision under this table."""
        return Case(
            *(When(rule.q(), then=Value(rule.decision)) for rule in self.rules),
            default=Value(self.default),
            output_field=CharField(),
        )


# --- Reading ------------------------------------------------------------------------------------


def _compile(
    rules: Iterable[ScopeRule | RuleSpec],
    *,
    client_id: int | None,
    version_id: int | None,
    paths: dict[int, str],
) -> list[CompiledRule]:
    return [
        CompiledRule(
            client_id=client_id,
            category_id=r.category_id,
            category_path=paths.get(r.category_id) if r.category_id else None,
            asset_kind=r.asset_kind,
            decision=r.decision,
            rule_id=r.pk if isinstance(r, ScopeRule) else None,
            version_id=version_id,
        )
        for r in rules
        if r.category_id is None or r.category_id in paths
    ]


def scope_table(*, msp_id: int, draft: Draft | None = None) -> ScopeTable:
    """The MSP's current table (three queries), or the table it would have with `draft` saved."""
    matrices = list(
        ScopeMatrix.objects.filter(msp_id=msp_id, current_version__isnull=False).select_related(
            "current_version"
        )
    )
    version_ids = [m.current_version_id for m in matrices]
    saved = list(ScopeRule.objects.filter(version_id__in=version_ids).order_by("id"))
    wanted = {r.category_id for r in saved if r.category_id} | (
        {r.category_id for r in draft.rules if r.category_id} if draft else set()
    )
    paths = (
        dict(Category.objects.filter(msp_id=msp_id, pk__in=wanted).values_list("pk", "path"))
        if wanted
        else {}
    )
    compiled: list[CompiledRule] = []
    default, default_version = FALLBACK_DECISION.value, None
    for matrix in matrices:
        if draft is not None and matrix.client_id == draft.client_id:
            continue  # the draft replaces this matrix
        version = matrix.current_version
        assert version is not None
        own = [r for r in saved if r.version_id == version.pk]
        compiled += _compile(own, client_id=matrix.client_id, version_id=version.pk, paths=paths)
        if matrix.client_id is None:
            default, default_version = version.default_decision or FALLBACK_DECISION, version.pk
    if draft is not None:
        compiled += _compile(draft.rules, client_id=draft.client_id, version_id=None, paths=paths)
        if draft.client_id is None:
            default, default_version = draft.default_decision, None
    return ScopeTable(rules=compiled, default=default, default_version_id=default_version)


def decide_scope(ticket: Ticket, *, table: ScopeTable | None = None) -> ScopeResult:
    """Where the scope matrix sends `ticket`: in scope for the NOC, needs approval, or escalate."""
    table = table or scope_table(msp_id=ticket.msp_id)
    category = ticket.category if ticket.category_id else None
    asset = ticket.asset if ticket.asset_id else None
    return table.decide(
        client_id=ticket.client_id,
        category_id=ticket.category_id,
        category_path=category.path if category else "",
        asset_kind=asset.kind if asset else "",
    )


# --- Saving -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """An unsaved matrix: the MSP's (client_id None) or one client's override."""

    client_id: int | None
    rules: Sequence[RuleSpec]
    default_decision: str = ScopeDecision.ESCALATE


def clean_draft(*, msp_id: int, draft: Draft) -> Draft:
    """Check a draft's references and vocabulary; raise DomainError naming the first problem."""
    if len(draft.rules) > MAX_RULES:
        raise DomainError(f"At most {MAX_RULES} rules.", code="too_many_rules", field="rules")
    if draft.client_id is not None and not Client.objects.filter(msp_id=msp_id, pk=draft.client_id).exists():
        raise DomainError("No such client.", code="foreign_reference", field="client_id")
    if draft.client_id is None and draft.default_decision not in ScopeDecision.values:
        raise DomainError("Choose a default decision.", code="invalid_choice", field="default_decision")
    categories = {r.category_id for r in draft.rules if r.category_id is not None}
    known = set(Category.objects.filter(msp_id=msp_id, pk__in=categories).values_list("pk", flat=True))
    seen: set[tuple[int | None, str]] = set()
    for rule in draft.rules:
        if rule.decision not in ScopeDecision.values:
            raise DomainError(f"Unknown decision {rule.decision!r}.", code="invalid_choice", field="rules")
        if rule.asset_kind and rule.asset_kind not in AssetKind.values:
            raise DomainError(
                f"Unknown asset kind {rule.asset_kind!r}.", code="invalid_choice", field="rules"
            )
        if rule.category_id is not None and rule.category_id not in known:
            raise DomainError("A rule names an unknown category.", code="foreign_reference", field="rules")
        if rule.category_id is None and not rule.asset_kind:
            raise DomainError(
                "A rule needs a category or an asset kind (the default covers the rest).",
                code="empty_rule",
                field="rules",
            )
        key = (rule.category_id, rule.asset_kind)
        if key in seen:
            raise DomainError(
                "Two rules for the same category and asset kind.", code="duplicate_rule", field="rules"
            )
        seen.add(key)
    return Draft(
        client_id=draft.client_id,
        rules=list(draft.rules),
        default_decision="" if draft.client_id is not None else draft.default_decision,
    )


def save_scope_matrix(*, actor: User | None, msp_id: int, draft: Draft, note: str = "") -> ScopeMatrixVersion:
    """Save `draft` as the next version of the MSP's matrix (or a client's override) and make it current."""
    require(actor, "noc.manage_routing")
    draft = clean_draft(msp_id=msp_id, draft=draft)
    with transaction.atomic():
        matrix, _ = ScopeMatrix.objects.get_or_create(msp_id=msp_id, client=_client(draft.client_id))
        matrix = ScopeMatrix.objects.select_for_update().get(pk=matrix.pk)
        last = matrix.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = ScopeMatrixVersion.objects.create(
            msp_id=msp_id,
            matrix=matrix,
            number=last + 1,
            author=actor if actor is not None and actor.pk else None,
            created_at=timezone.now(),
            note=note.strip()[:500],
            default_decision=draft.default_decision,
        )
        ScopeRule.objects.bulk_create(
            ScopeRule(
                msp_id=msp_id,
                version=version,
                category_id=r.category_id,
                asset_kind=r.asset_kind,
                decision=r.decision,
            )
            for r in draft.rules
        )
        matrix.current_version = version
        matrix.save(update_fields=["current_version"])
    return version


def _client(client_id: int | None) -> Client | None:
    return Client.objects.get(pk=client_id) if client_id is not None else None


# --- Version history ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleChange:
    """One line of a diff between two versions: a rule added, removed or changed."""

    change: str  # "added", "removed", "changed", "default"
    category_id: int | None
    category: str
    asset_kind: str
    before: str
    after: str


def diff_versions(older: ScopeMatrixVersion | None, newer: ScopeMatrixVersion) -> list[RuleChange]:
    """What `newer` changed against `older` (None: everything is added); categories named by path."""
    before = {(r.category_id, r.asset_kind): r for r in older.rules.all()} if older else {}
    after = {(r.category_id, r.asset_kind): r for r in newer.rules.all()}
    ids = {k[0] for k in (*before, *after) if k[0] is not None}
    paths = dict(Category.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    changes: list[RuleChange] = []
    old_default = older.default_decision if older else ""
    if newer.default_decision != old_default:
        changes.append(RuleChange("default", None, "(default)", "", old_default, newer.default_decision))
    for key in sorted({*before, *after}, key=lambda k: (paths.get(k[0] or 0, ""), k[1])):
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and old.decision == new.decision:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        changes.append(
            RuleChange(
                kind,
                key[0],
                paths.get(key[0], "any category") if key[0] else "any category",
                key[1],
                old.decision if old else "",
                new.decision if new else "",
            )
        )
    return changes


# --- Dry run ------------------------------------------------------------------------------------


@dataclass
class DryRun:
    """What a draft would have done to the last `days` of tickets, against the current matrix."""

    days: int
    total: int
    counts: dict[str, int]  # draft decision → tickets
    current_counts: dict[str, int]
    # (current decision, draft decision) → tickets, only where they differ
    changed: dict[tuple[str, str], int]
    sample: list[dict[str, object]] = field(default_factory=list)

    @property
    def changed_total(self) -> int:
        return sum(self.changed.values())


def recent_tickets(*, msp_id: int, days: int) -> QuerySet[Ticket]:
    days = max(1, min(days, MAX_DRY_RUN_DAYS))
    return Ticket.objects.filter(msp_id=msp_id, created_at__gte=timezone.now() - timedelta(days=days))


def dry_run_scope(*, actor: User | None, msp_id: int, draft: Draft, days: int = 30) -> DryRun:
    """Apply `draft` (unsaved) to the MSP's recent tickets: counts per decision, changes, a sample.

    Five queries whatever the volume: the two tables, one GROUP BY over (current, draft), and the sample.
    """
    require(actor, "noc.view_routing")
    draft = clean_draft(msp_id=msp_id, draft=draft)
    current = scope_table(msp_id=msp_id)
    proposed = scope_table(msp_id=msp_id, draft=draft)
    days = max(1, min(days, MAX_DRY_RUN_DAYS))
    tickets = recent_tickets(msp_id=msp_id, days=days).annotate(now=current.case(), then=proposed.case())
    grouped = tickets.order_by().values("now", "then").annotate(n=Count("id"))
    counts: dict[str, int] = dict.fromkeys(ScopeDecision.values, 0)
    current_counts: dict[str, int] = dict.fromkeys(ScopeDecision.values, 0)
    changed: dict[tuple[str, str], int] = {}
    total = 0
    for row in grouped:
        counts[row["then"]] += row["n"]
        current_counts[row["now"]] += row["n"]
        total += row["n"]
        if row["now"] != row["then"]:
            changed[(row["now"], row["then"])] = row["n"]
    # A sample of what changes; when nothing changes, a sample of what the draft does.
    sampled = tickets.exclude(now=F("then")) if changed else tickets
    sample_rows = sampled.order_by("-created_at", "-id").values(
        "id", "reference", "subject", "client__name", "category__path", "asset__kind", "now", "then"
    )[:SAMPLE_SIZE]
    return DryRun(
        days=days,
        total=total,
        counts=counts,
        current_counts=current_counts,
        changed=changed,
        sample=[dict(row) for row in sample_rows],
    )
