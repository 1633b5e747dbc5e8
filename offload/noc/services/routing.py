"""Routing a triaged ticket: the owning team by rules, then the scope matrix decides who works it.

- in scope → offered to the NOC by routing (`offer_delegation(actor=None, …)`);
- needs approval → a timeline event and the "awaiting MSP approval to delegate" state, until a
  technician approves (then it is offered) or declines (the MSP keeps it);
- escalate → the MSP keeps it.
Every decision is a `TicketRouting` row and an event on the ticket's timeline. Routing rules are
evaluated first match wins, in Python for one ticket and as one CASE expression for a dry run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.noc import routing_permissions  # noqa: F401 - registers the permissions used here
from offload.noc.models import RoutingRule, RoutingState, ScopeDecision, TicketRouting
from offload.noc.services.delegation import offer_delegation
from offload.noc.services.scope import ScopeResult, decide_scope, recent_tickets
from offload.servicedesk import events
from offload.servicedesk.choices import Priority, TicketKind
from offload.servicedesk.models import Category, Team, Ticket
from offload.servicedesk.services.guards import require
from offload.servicedesk.services.tickets import update_ticket_fields
from offload.tenancy.models import Client

ROUTED = "routing.decided"
AWAITING_APPROVAL = "routing.awaiting_approval"
APPROVED = "routing.approved"
DECLINED = "routing.declined"
MAX_KEYWORDS = 20


# --- Rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule as drafted: every empty condition matches any ticket."""

    name: str
    team_id: int
    kinds: Sequence[str] = ()
    category_id: int | None = None
    client_id: int | None = None
    priorities: Sequence[str] = ()
    keywords: Sequence[str] = ()
    position: int = 0
    is_active: bool = True


def _clean(*, msp_id: int, spec: RuleSpec) -> RuleSpec:
    name = " ".join(spec.name.split())[:120]
    if not name:
        raise DomainError("A rule needs a name.", code="required", field="name")
    if not Team.objects.filter(msp_id=msp_id, pk=spec.team_id).exists():
        raise DomainError("No such team.", code="foreign_reference", field="team_id")
    if (
        spec.category_id is not None
        and not Category.objects.filter(msp_id=msp_id, pk=spec.category_id).exists()
    ):
        raise DomainError("No such category.", code="foreign_reference", field="category_id")
    if spec.client_id is not None and not Client.objects.filter(msp_id=msp_id, pk=spec.client_id).exists():
        raise DomainError("No such client.", code="foreign_reference", field="client_id")
    for value, choices, name_ in (
        (spec.kinds, TicketKind, "kinds"),
        (spec.priorities, Priority, "priorities"),
    ):
        if any(v not in choices.values for v in value):
            raise DomainError(f"Unknown value in {name_}.", code="invalid_choice", field=name_)
    keywords = sorted({k.strip().lower() for k in spec.keywords if k.strip()})
    if len(keywords) > MAX_KEYWORDS:
        raise DomainError(f"At most {MAX_KEYWORDS} keywords.", code="too_many_keywords", field="keywords")
    return RuleSpec(
        name=name,
        team_id=spec.team_id,
        kinds=sorted(set(spec.kinds)),
        category_id=spec.category_id,
        client_id=spec.client_id,
        priorities=sorted(set(spec.priorities)),
        keywords=[k[:60] for k in keywords],
        position=max(0, spec.position),
        is_active=spec.is_active,
    )


def create_routing_rule(*, actor: User | None, msp_id: int, spec: RuleSpec) -> RoutingRule:
    """Add a routing rule at `spec.position` (lower runs first)."""
    require(actor, "noc.manage_routing")
    spec = _clean(msp_id=msp_id, spec=spec)
    return RoutingRule.objects.create(msp_id=msp_id, updated_by=_user(actor), **_fields(spec))


def update_routing_rule(*, actor: User | None, rule: RoutingRule, spec: RuleSpec) -> RoutingRule:
    """Replace a routing rule's conditions, team, position and whether it is active."""
    require(actor, "noc.manage_routing")
    spec = _clean(msp_id=rule.msp_id, spec=spec)
    for name, value in _fields(spec).items():
        setattr(rule, name, value)
    rule.updated_by = _user(actor)
    rule.save()
    return rule


def delete_routing_rule(*, actor: User | None, rule: RoutingRule) -> None:
    """Remove a routing rule; tickets it routed keep their team."""
    require(actor, "noc.manage_routing")
    rule.delete()


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


def _fields(spec: RuleSpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "team_id": spec.team_id,
        "kinds": list(spec.kinds),
        "category_id": spec.category_id,
        "client_id": spec.client_id,
        "priorities": list(spec.priorities),
        "keywords": list(spec.keywords),
        "position": spec.position,
        "is_active": spec.is_active,
    }


@dataclass(frozen=True)
class _Compiled:
    rule_id: int | None
    team_id: int
    kinds: frozenset[str]
    category_id: int | None
    category_path: str
    client_id: int | None
    priorities: frozenset[str]
    keywords: tuple[str, ...]

    def matches(self, ticket: Ticket, category_path: str) -> bool:
        if self.kinds and ticket.kind not in self.kinds:
            return False
        if self.priorities and ticket.priority not in self.priorities:
            return False
        if self.client_id is not None and ticket.client_id != self.client_id:
            return False
        if self.category_id is not None and not (
            ticket.category_id == self.category_id
            or category_path.startswith(f"{self.category_path}{Category.PATH_SEPARATOR}")
        ):
            return False
        subject = ticket.subject.lower()
        return not self.keywords or any(k in subject for k in self.keywords)

    def q(self) -> Q:
        predicate = Q()
        if self.kinds:
            predicate &= Q(kind__in=sorted(self.kinds))
        if self.priorities:
            predicate &= Q(priority__in=sorted(self.priorities))
        if self.client_id is not None:
            predicate &= Q(client_id=self.client_id)
        if self.category_id is not None:
            predicate &= Q(category_id=self.category_id) | Q(
                category__path__startswith=f"{self.category_path}{Category.PATH_SEPARATOR}"
            )
        if self.keywords:
            any_word = Q()
            for word in self.keywords:
                any_word |= Q(subject__icontains=word)
            predicate &= any_word
        # A rule with no condition matches every ticket (CASE needs a condition to say so).
        return predicate or Q(pk__isnull=False)


def _compiled(rules: Sequence[RoutingRule | RuleSpec], paths: dict[int, str]) -> list[_Compiled]:
    return [
        _Compiled(
            rule_id=r.pk if isinstance(r, RoutingRule) else None,
            team_id=r.team_id,
            kinds=frozenset(r.kinds),
            category_id=r.category_id,
            category_path=paths.get(r.category_id, "") if r.category_id else "",
            client_id=r.client_id,
            priorities=frozenset(r.priorities),
            keywords=tuple(k.lower() for k in r.keywords),
        )
        for r in rules
        if r.is_active
    ]


def _paths(msp_id: int, rules: Sequence[RoutingRule | RuleSpec]) -> dict[int, str]:
    ids = {r.category_id for r in rules if r.category_id}
    return dict(Category.objects.filter(msp_id=msp_id, pk__in=ids).values_list("pk", "path")) if ids else {}


def active_rules(msp_id: int) -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(msp_id=msp_id, is_active=True).order_by("position", "id"))


def owning_rule(ticket: Ticket) -> RoutingRule | None:
    """The first active routing rule that matches `ticket`, or None."""
    rules = active_rules(ticket.msp_id)
    path = ticket.category.path if ticket.category_id and ticket.category else ""
    for rule, compiled in zip(rules, _compiled(rules, _paths(ticket.msp_id, rules)), strict=True):
        if compiled.matches(ticket, path):
            return rule
    return None


@dataclass
class RoutingDryRun:
    """Team counts over the last `days` of tickets with the draft rule inserted, against today's rules."""

    days: int
    total: int
    counts: dict[int | None, int]  # team id (None: no rule) → tickets with the draft
    current_counts: dict[int | None, int]
    changed: dict[tuple[int | None, int | None], int]
    teams: dict[int, str] = field(default_factory=dict)
    sample: list[dict[str, object]] = field(default_factory=list)


def dry_run_routing(
    *, actor: User | None, msp_id: int, spec: RuleSpec, replaces: RoutingRule | None = None, days: int = 30
) -> RoutingDryRun:
    """What a draft routing rule (new, or replacing `replaces`) would have done to recent tickets."""
    require(actor, "noc.view_routing")
    spec = _clean(msp_id=msp_id, spec=spec)
    current = active_rules(msp_id)
    draft: list[RoutingRule | RuleSpec] = [r for r in current if replaces is None or r.pk != replaces.pk]
    draft.append(spec)
    draft.sort(key=lambda r: (r.position, r.pk if isinstance(r, RoutingRule) else 0))
    paths = _paths(msp_id, [*current, spec])

    def case(rules: Sequence[RoutingRule | RuleSpec]) -> Case:
        whens = [When(c.q(), then=Value(c.team_id)) for c in _compiled(rules, paths)]
        return Case(*whens, default=Value(None), output_field=IntegerField())

    tickets = recent_tickets(msp_id=msp_id, days=days).annotate(now=case(current), then=case(draft))
    counts: dict[int | None, int] = {}
    current_counts: dict[int | None, int] = {}
    changed: dict[tuple[int | None, int | None], int] = {}
    total = 0
    for row in tickets.order_by().values("now", "then").annotate(n=Count("id")):
        counts[row["then"]] = counts.get(row["then"], 0) + row["n"]
        current_counts[row["now"]] = current_counts.get(row["now"], 0) + row["n"]
        total += row["n"]
        if row["now"] != row["then"]:
            changed[(row["now"], row["then"])] = row["n"]
    sampled = tickets.exclude(now=F("then")) if changed else tickets
    sample = [
        dict(row)
        for row in sampled.order_by("-created_at", "-id").values("id", "reference", "subject", "now", "then")[
            :25
        ]
    ]
    teams = dict(Team.objects.filter(msp_id=msp_id).values_list("pk", "name"))
    return RoutingDryRun(
        days=max(1, min(days, 366)),
        total=total,
        counts=counts,
        current_counts=current_counts,
        changed=changed,
        teams=teams,
        sample=sample,
    )


# --- Routing one ticket -------------------------------------------------------------------------


def route_ticket(*, ticket: Ticket) -> TicketRouting:
    """Set the owning team and act on the scope decision (system work: call inside the MSP's scope).

    Idempotent: a ticket already routed keeps its first decision.
    """
    existing = TicketRouting.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    ticket = Ticket.objects.select_related("category", "asset").get(pk=ticket.pk)
    rule = owning_rule(ticket)
    if rule is not None and rule.team_id != ticket.team_id:
        ticket = update_ticket_fields(actor=None, ticket=ticket, changes={"team": rule.team})
        ticket = Ticket.objects.select_related("category", "asset").get(pk=ticket.pk)
    result = decide_scope(ticket)
    now = timezone.now()
    state = {
        ScopeDecision.IN_SCOPE: RoutingState.DELEGATED,
        ScopeDecision.NEEDS_APPROVAL: RoutingState.AWAITING_APPROVAL,
    }.get(ScopeDecision(result.decision), RoutingState.KEPT)
    with transaction.atomic():
        routing = TicketRouting.objects.create(
            msp_id=ticket.msp_id,
            ticket=ticket,
            team_rule=rule,
            decision=result.decision,
            version_id=result.version_id,
            rule_id=result.rule.rule_id if result.rule else None,
            state=state,
            decided_at=now,
        )
        events.record_event(
            ticket=ticket,
            actor=None,
            event=AWAITING_APPROVAL if state == RoutingState.AWAITING_APPROVAL else ROUTED,
            data=_evidence(result, rule),
        )
        if state == RoutingState.DELEGATED:
            _offer(routing, ticket, actor=None, note=f"Routed to the NOC: {_because(result)}.")
    return routing


def _evidence(result: ScopeResult, rule: RoutingRule | None) -> dict[str, object]:
    return {
        "decision": result.decision,
        "scope_version": result.version_id,
        "scope_rule": result.rule.rule_id if result.rule else None,
        "because": _because(result),
        "team_rule": rule.name if rule else None,
    }


def _because(result: ScopeResult) -> str:
    if result.rule is None:
        return "the scope matrix's default"
    r = result.rule
    parts = [r.category_path or "any category"]
    if r.asset_kind:
        parts.append(r.asset_kind)
    where = "client override" if r.client_id else "scope matrix"
    return f"{where} rule {' / '.join(parts)}"


def _offer(routing: TicketRouting, ticket: Ticket, *, actor: User | None, note: str) -> None:
    """Offer to the NOC; a refusal (no agreement, already delegated) leaves the MSP holding it, noted."""
    try:
        with transaction.atomic():
            offer_delegation(actor=actor, ticket=ticket, note=note)
    except DomainError as exc:
        routing.state = RoutingState.KEPT
        routing.save(update_fields=["state"])
        events.record_event(
            ticket=ticket, actor=actor, event=ROUTED, data={"not_offered": exc.code, "message": str(exc)}
        )


def approve_delegation_request(
    *, actor: User | None, routing: TicketRouting, note: str = ""
) -> TicketRouting:
    """An MSP technician approves handing a "needs approval" ticket to the NOC; it is then offered."""
    require(actor, "noc.triage_ticket")
    with transaction.atomic():
        routing = TicketRouting.objects.select_for_update().select_related("ticket").get(pk=routing.pk)
        if routing.state != RoutingState.AWAITING_APPROVAL:
            raise DomainError("This ticket is not awaiting approval.", code="not_awaiting_approval")
        routing.state = RoutingState.APPROVED
        routing.approved_by = actor
        routing.approved_at = timezone.now()
        routing.save(update_fields=["state", "approved_by", "approved_at"])
        events.record_event(ticket=routing.ticket, actor=actor, event=APPROVED, data={"note": note[:500]})
        offer_delegation(actor=actor, ticket=routing.ticket, note=note or "Approved for the NOC.")
    return routing


def decline_delegation_request(
    *, actor: User | None, routing: TicketRouting, note: str = ""
) -> TicketRouting:
    """An MSP technician keeps a "needs approval" ticket with the MSP."""
    require(actor, "noc.triage_ticket")
    with transaction.atomic():
        routing = TicketRouting.objects.select_for_update().select_related("ticket").get(pk=routing.pk)
        if routing.state != RoutingState.AWAITING_APPROVAL:
            raise DomainError("This ticket is not awaiting approval.", code="not_awaiting_approval")
        routing.state = RoutingState.DECLINED
        routing.approved_by = actor
        routing.approved_at = timezone.now()
        routing.save(update_fields=["state", "approved_by", "approved_at"])
        events.record_event(ticket=routing.ticket, actor=actor, event=DECLINED, data={"note": note[:500]})
    return routing
