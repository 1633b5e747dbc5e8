"""Dispatch: NOC agents claim, release and escalate delegations; auto-assignment pushes the rest.

Claims take a row lock on the delegation (SELECT … FOR UPDATE), so two agents clicking "claim" at
the same moment cannot both hold it: the second waits for the first commit, then sees the holder
and is refused. Auto-assignment writes with a guarded UPDATE (`agent IS NULL`), so it never takes
an item an agent claimed in the meantime. Every move is an event on the ticket's timeline.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, Case, Count, Value, When
from django.tasks import task
from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.core.businesstime import Calendar
from offload.core.errors import DomainError, NotFound, PermissionDenied
from offload.core.tasks.periodic import periodic
from offload.noc import assignment
from offload.noc.choices import WORKING_STATES, DelegationLevel, ReturnReason
from offload.noc.models import AgentProfile, Delegation, Skill
from offload.noc.models.agents import DEFAULT_SHIFT
from offload.noc.services import delegation as delegation_services
from offload.servicedesk import events
from offload.servicedesk.choices import Visibility
from offload.servicedesk.events import build_event
from offload.servicedesk.services.guards import require
from offload.tenancy.models import Provider
from offload.tenancy.scoping import current_scope, system_scope

CLAIMED = "delegation.claimed"
RELEASED = "delegation.released"
ASSIGNED = "delegation.assigned"
ESCALATED = "delegation.escalated"

NEXT_LEVEL = {DelegationLevel.L1: DelegationLevel.L2, DelegationLevel.L2: DelegationLevel.LEAD}
LEADS = frozenset({Role.NOC_LEAD})
# How many unclaimed items one auto-assignment run looks at (most urgent first).
BATCH = 500


class AlreadyClaimed(DomainError):
    code = "already_claimed"
    status = 409


@dataclass(frozen=True)
class AssignmentRun:
    """What one auto-assignment run did."""

    considered: int
    assigned: list[tuple[int, int]]


def _provider_id(actor: User | None = None) -> int:
    """The acting provider (NOC agents and leads only)."""
    scope = current_scope()
    if actor is not None:
        require(actor, "noc.work_delegation")
    if scope.kind != "provider" or scope.provider_id is None:
        raise PermissionDenied("Only the NOC's staff dispatch delegations.")
    return scope.provider_id


def _is_lead() -> bool:
    scope = current_scope()
    return scope.is_system or scope.role in LEADS


def _locked(delegation_id: int) -> Delegation:
    """The delegation, row-locked until the transaction ends (404 when not visible)."""
    delegation = (
        Delegation.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .filter(pk=delegation_id, is_active=True)
        .first()
    )
    if delegation is None:
        raise NotFound("No such delegation.")
    return delegation


def _event(delegation: Delegation, actor: Any, name: str, **data: Any) -> None:
    """A NOC-internal timeline row on the delegation's ticket (the MSP's own staff do not need it)."""
    entry = build_event(
        ticket=delegation.ticket, actor=actor, event=name, data={"delegation": delegation.pk, **data}
    )
    entry.visibility = Visibility.PROVIDER_INTERNAL
    entry.save(force_insert=True)
    events.announce([entry])


def _check_workable(delegation: Delegation) -> None:
    if delegation.state not in WORKING_STATES:
        raise DomainError(
            f"This delegation is {delegation.get_state_display().lower()}; only accepted work is claimed.",
            code="not_claimable",
        )


def _check_agent(provider_id: int, user: User) -> None:
    """`user` must be active staff of `provider_id` (the agent a lead hands work to)."""
    if not Membership.objects.filter(
        user=user, provider_id=provider_id, is_active=True, role__in=[Role.NOC_AGENT, Role.NOC_LEAD]
    ).exists():
        raise DomainError(f"{user} is not one of this NOC's agents.", code="not_an_agent", field="agent")


def claim_delegation(*, actor: User, delegation_id: int) -> Delegation:
    """The actor takes the delegation (`already_claimed` when someone holds it); records CLAIMED."""
    provider_id = _provider_id(actor)
    with transaction.atomic():
        delegation = _locked(delegation_id)
        if delegation.provider_id != provider_id:
            raise NotFound("No such delegation.")
        _check_workable(delegation)
        if delegation.agent_id == actor.pk:
            return delegation
        if delegation.agent_id is not None:
            raise AlreadyClaimed("Someone else has already claimed this delegation.")
        delegation.agent = actor
        delegation.claimed_at = timezone.now()
        delegation.save(update_fields=["agent", "claimed_at"])
        _event(delegation, actor, CLAIMED, agent=actor.pk)
    return delegation


def release_delegation(*, actor: User, delegation_id: int) -> Delegation:
    """The holder (or a lead) puts the delegation back in the queue; records RELEASED."""
    provider_id = _provider_id(actor)
    with transaction.atomic():
        delegation = _locked(delegation_id)
        if delegation.provider_id != provider_id:
            raise NotFound("No such delegation.")
        if delegation.agent_id is None:
            return delegation
        if delegation.agent_id != actor.pk and not _is_lead():
            raise PermissionDenied("Only its holder or a NOC lead releases a claimed delegation.")
        previous = delegation.agent_id
        delegation.agent = None
        delegation.claimed_at = None
        delegation.save(update_fields=["agent", "claimed_at"])
        _event(delegation, actor, RELEASED, agent=previous)
    return delegation


def assign_delegation(*, actor: User, delegation_id: int, agent: User) -> Delegation:
    """A NOC lead hands the delegation to `agent` (even over another holder); records ASSIGNED."""
    provider_id = _provider_id(actor)
    if not _is_lead():
        raise PermissionDenied("Only a NOC lead assigns work to others.")
    _check_agent(provider_id, agent)
    with transaction.atomic():
        delegation = _locked(delegation_id)
        if delegation.provider_id != provider_id:
            raise NotFound("No such delegation.")
        _check_workable(delegation)
        delegation.agent = agent
        delegation.claimed_at = timezone.now()
        delegation.save(update_fields=["agent", "claimed_at"])
        _event(delegation, actor, ASSIGNED, agent=agent.pk, by="lead")
    return delegation


def escalate_delegation(*, actor: User, delegation_id: int, note: str) -> Delegation:
    """Move the delegation one level up (L1 → L2 → NOC lead) with a handoff note; records ESCALATED.

    Past the NOC lead the next level is the MSP's technician: the delegation is returned to the
    MSP as "beyond skill" with the note (the delegation service records that return).
    """
    provider_id = _provider_id(actor)
    note = note.strip()
    if not note:
        raise DomainError(
            "Say what you did and why it goes up: a handoff note is required.",
            code="note_required",
            field="note",
        )
    with transaction.atomic():
        delegation = _locked(delegation_id)
        if delegation.provider_id != provider_id:
            raise NotFound("No such delegation.")
        _check_workable(delegation)
        if delegation.agent_id not in (None, actor.pk) and not _is_lead():
            raise PermissionDenied("Only its holder or a NOC lead escalates a claimed delegation.")
        current = DelegationLevel(delegation.level)
        target = NEXT_LEVEL.get(current)
        if target is None:
            return _escalate_to_msp(actor=actor, delegation=delegation, note=note)
        delegation.level = target
        delegation.agent = None
        delegation.claimed_at = None
        delegation.save(update_fields=["level", "agent", "claimed_at"])
        _event(delegation, actor, ESCALATED, from_level=str(current), to_level=str(target), note=note)
    return delegation


def _escalate_to_msp(*, actor: User, delegation: Delegation, note: str) -> Delegation:
    _event(delegation, actor, ESCALATED, from_level=str(delegation.level), to_level="msp", note=note)
    return delegation_services.return_delegation(
        actor=actor, delegation=delegation, reason=ReturnReason.BEYOND_SKILL, note=note
    )


# --- auto-assignment ----------------------------------------------------------------------------


def _agent_slots(provider_id: int) -> tuple[list[assignment.AgentSlot], list[assignment.SkillRule]]:
    """Active agents with their current load, and the provider's skills (four flat queries)."""
    profiles = list(
        AgentProfile.objects.filter(
            provider_id=provider_id, is_active=True, user__is_active=True
        ).values_list("id", "user_id", "level", "capacity", "shift")
    )
    skill_pairs = AgentProfile.skills.through.objects.filter(
        agentprofile__provider_id=provider_id
    ).values_list("agentprofile_id", "skill_id")
    skills_of: dict[int, set[int]] = {}
    for profile_id, skill_id in skill_pairs:
        skills_of.setdefault(profile_id, set()).add(skill_id)
    loads = dict(
        Delegation.objects.filter(provider_id=provider_id, is_active=True, agent__isnull=False)
        .filter(state__in=sorted(WORKING_STATES))
        .order_by()
        .values_list("agent_id")
        .annotate(n=Count("id"))
    )
    calendars: dict[str, Calendar | None] = {}

    def calendar_of(spec: dict[str, Any]) -> Calendar | None:
        key = json.dumps(spec or DEFAULT_SHIFT, sort_keys=True)
        if key not in calendars:
            try:
                calendars[key] = Calendar.from_spec(spec or DEFAULT_SHIFT)
            except (KeyError, ValueError, TypeError):
                calendars[key] = None  # a broken shift never gets work
        return calendars[key]

    slots = [
        assignment.AgentSlot(
            id=user_id,
            level=level,
            skill_ids=frozenset(skills_of.get(profile_id, ())),
            capacity=capacity,
            load=loads.get(user_id, 0),
            calendar=calendar_of(shift),
        )
        for profile_id, user_id, level, capacity, shift in profiles
    ]
    skills = [
        assignment.SkillRule(id=pk, prefixes=tuple(str(x).strip().lower() for x in paths if str(x).strip()))
        for pk, paths in Skill.objects.filter(provider_id=provider_id).values_list("id", "category_paths")
    ]
    return slots, skills


def _unclaimed(provider_id: int, limit: int) -> list[tuple[Delegation, assignment.WorkItem]]:
    """The most urgent unclaimed working delegations, row-locked; rows being claimed right now are
    skipped (SKIP LOCKED), so a run never waits on an agent's click and never takes their item."""
    rows = list(
        Delegation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(provider_id=provider_id, is_active=True, agent__isnull=True, state__in=sorted(WORKING_STATES))
        .select_related("ticket__category")
        .order_by("ola_resolve_due", "id")[:limit]
    )
    items = []
    for d in rows:
        respond = d.ola_respond_due if d.responded_at is None else None
        dues = [x for x in (respond, d.ola_resolve_due) if x]
        category = d.ticket.category.path if d.ticket.category is not None else ""
        item = assignment.WorkItem(
            id=d.pk,
            level=d.level,
            category_path=category,
            priority=d.priority,
            due=min(dues) if dues else None,
        )
        items.append((d, item))
    return items


def auto_assign(
    *, actor: User | None, provider_id: int, limit: int = BATCH, now: dt.datetime | None = None
) -> AssignmentRun:
    """Push unclaimed accepted delegations to the best agents on shift; records ASSIGNED per item.

    Runs for a provider's lead ("assign next", `limit=1`) or for the system (periodic task). The
    batch is read under SKIP LOCKED row locks and written with one UPDATE, so a run costs the same
    handful of queries whether it places one item or five hundred.
    """
    now = now or timezone.now()
    slots, skills = _agent_slots(provider_id)
    with transaction.atomic():
        pairs = _unclaimed(provider_id, limit)
        plan = assignment.plan_assignments([item for _, item in pairs], slots, skills, now=now)
        if plan:
            holder = Case(*(When(pk=d, then=Value(a)) for d, a in plan), output_field=BigIntegerField())
            Delegation.objects.filter(pk__in=[d for d, _ in plan]).update(agent_id=holder, claimed_at=now)
        by_id = {d.pk: d for d, _ in pairs}
        entries = []
        for delegation_id, agent_id in plan:
            entry = build_event(
                ticket=by_id[delegation_id].ticket,
                actor=actor,
                event=ASSIGNED,
                data={"delegation": delegation_id, "agent": agent_id, "by": "auto"},
                at=now,
            )
            entry.visibility = Visibility.PROVIDER_INTERNAL
            entries.append(entry)
        events.record_events(entries)
    return AssignmentRun(considered=len(pairs), assigned=plan)


def assign_next(*, actor: User) -> AssignmentRun:
    """A lead's "assign next": the single most urgent unclaimed item goes to the best agent."""
    provider_id = _provider_id(actor)
    if not _is_lead():
        raise PermissionDenied("Only a NOC lead pushes work to agents.")
    return auto_assign(actor=actor, provider_id=provider_id, limit=1)


def providers_with_agents() -> Sequence[int]:
    return list(
        Provider.objects.filter(agent_profiles__is_active=True).distinct().values_list("id", flat=True)
    )


@periodic("*/2 * * * *")
@task
def auto_assign_all() -> int:
    """Every two minutes: push each provider's unclaimed work to its agents on shift."""
    total = 0
    for provider_id in providers_with_agents():
        with system_scope("auto-assignment of a provider's unclaimed delegations"):
            total += len(auto_assign(actor=None, provider_id=provider_id).assigned)
    return total
