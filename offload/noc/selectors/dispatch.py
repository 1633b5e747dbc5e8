"""Reads for dispatch: the NOC queue across every MSP served, and the agents page.

Both are a fixed number of queries however many items, MSPs or agents there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.utils import timezone

from offload.accounts.choices import PROVIDER_ROLES
from offload.accounts.models import Membership
from offload.core.businesstime import Calendar, is_open
from offload.noc.choices import WORKING_STATES, DelegationState
from offload.noc.models import AgentProfile, Delegation, Skill, TicketRunbook
from offload.noc.models.agents import DEFAULT_SHIFT
from offload.noc.selectors.instructions import TicketInstructions, instructions_for_tickets
from offload.servicedesk import models as desk_models
from offload.tenancy.models import Brand

QUEUE_STATES = sorted({DelegationState.OFFERED, *WORKING_STATES})
QUEUE_LIMIT = 100
RUNNING = "running"
# The SLA engine's per-ticket clocks, when that part of the service desk is installed.
TicketClock = getattr(desk_models, "TicketClock", None)


@dataclass(frozen=True)
class QueueFilters:
    """What the NOC queue shows: "mine", "unclaimed" or everything; one MSP; one level."""

    show: str = ""
    msp_id: int | None = None
    level: str = ""
    delegation_id: int | None = None  # one row (refreshed after a claim)


@dataclass
class Timer:
    """One due time and whether it has passed."""

    label: str
    due: dt.datetime
    done: bool = False

    def is_breached(self, now: dt.datetime) -> bool:
        return not self.done and self.due <= now

    def distance(self, now: dt.datetime) -> str:
        """ "2d 4h", "3h 59m", "12m": how far `due` is from `now`, compactly (always positive)."""
        minutes = int(abs((self.due - now).total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        if days:
            return f"{days}d {hours}h"
        if hours:
            return f"{hours}h {mins}m"
        return f"{mins}m"


@dataclass
class QueueItem:
    """A row of the NOC queue."""

    delegation: Delegation
    instructions: TicketInstructions
    runbooks: list[str] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def breached(self) -> list[Timer]:
        return [t for t in self.timers if t.is_breached(self.now)]

    @property
    def timer_rows(self) -> list[tuple[Timer, bool, str]]:
        """(timer, breached, distance) for the template."""
        return [(t, t.is_breached(self.now), t.distance(self.now)) for t in self.timers]


def queue_queryset(*, actor_id: int | None, filters: QueueFilters) -> QuerySet[Delegation]:
    """The provider's open delegations in scope, most urgent first (unpaginated)."""
    queryset = Delegation.objects.filter(is_active=True, state__in=QUEUE_STATES)
    if filters.show == "mine":
        queryset = queryset.filter(agent_id=actor_id)
    elif filters.show == "unclaimed":
        queryset = queryset.filter(agent__isnull=True)
    if filters.msp_id is not None:
        queryset = queryset.filter(msp_id=filters.msp_id)
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    if filters.delegation_id is not None:
        queryset = queryset.filter(pk=filters.delegation_id)
    return queryset.order_by(
        F("ola_resolve_due").asc(nulls_last=True), F("ola_accept_due").asc(nulls_last=True), "id"
    )


def _timers(delegation: Delegation) -> list[Timer]:
    timers = []
    if delegation.state == DelegationState.OFFERED and delegation.ola_accept_due:
        timers.append(Timer("Accept", delegation.ola_accept_due))
    if delegation.ola_respond_due:
        timers.append(Timer("Respond", delegation.ola_respond_due, done=delegation.responded_at is not None))
    if delegation.ola_resolve_due:
        timers.append(Timer("Resolve", delegation.ola_resolve_due))
    running = [c for c in getattr(delegation.ticket, "running_clocks", []) if c.deadline]
    if running:
        timers.append(Timer("SLA", min(c.deadline for c in running)))
    return timers


def _queue_prefetches() -> list[Any]:
    prefetches: list[Any] = [
        Prefetch(
            "ticket__runbooks",
            queryset=TicketRunbook._base_manager.order_by("attached_at"),
            to_attr="queue_runbooks",
        )
    ]
    if TicketClock is not None:
        prefetches.append(
            Prefetch(
                "ticket__sla_clocks",
                queryset=TicketClock._base_manager.filter(state=RUNNING).order_by("deadline"),
                to_attr="running_clocks",
            )
        )
    return prefetches


def noc_queue(
    *,
    actor_id: int | None,
    filters: QueueFilters,
    limit: int = QUEUE_LIMIT,
    now: dt.datetime | None = None,
    ids: list[int] | None = None,
) -> list[QueueItem]:
    """The first `limit` queue rows with brand, client, instructions, runbooks and timers (six queries)."""
    now = now or timezone.now()
    queryset = queue_queryset(actor_id=actor_id, filters=filters)
    if ids is not None:
        queryset, limit = queryset.filter(pk__in=ids), len(ids)
    rows = list(
        queryset.select_related(
            "msp",
            "msp__brand",
            "agent",
            "ticket",
            "ticket__client",
            "ticket__site",
            "ticket__contact",
            "ticket__asset",
            "ticket__category",
        ).prefetch_related(*_queue_prefetches())[:limit]
    )
    per_ticket = instructions_for_tickets([d.ticket for d in rows], now=now)
    return [
        QueueItem(
            delegation=d,
            instructions=per_ticket[d.ticket_id],
            runbooks=[r.name for r in d.ticket.queue_runbooks],  # type: ignore[attr-defined]
            timers=_timers(d),
            now=now,
        )
        for d in rows
    ]


def queue_count(*, actor_id: int | None, filters: QueueFilters) -> int:
    return queue_queryset(actor_id=actor_id, filters=filters).count()


# --- agents ---------------------------------------------------------------------------------------


@dataclass
class AgentRow:
    """An agent on the agents page: profile (None until a lead creates one), load and shift now."""

    membership: Membership
    profile: AgentProfile | None
    load: int
    on_shift: bool

    @property
    def user(self) -> Any:
        return self.membership.user

    @property
    def shift_summary(self) -> str:
        return shift_summary(self.profile.shift if self.profile else {})


def shift_summary(spec: dict) -> str:
    """ "Mon-Fri 08:00-18:00 UTC" style text for a calendar spec."""
    spec = spec or DEFAULT_SHIFT
    if spec.get("always_open"):
        return f"24x7 {spec.get('zone', 'UTC')}"
    parts: dict[str, list[str]] = {}
    for day, frames in spec.get("week", {}).items():
        text = ", ".join(f"{a}-{b}" for a, b in frames)
        parts.setdefault(text, []).append(day.title())
    shown = "; ".join(
        f"{'/'.join(days) if len(days) < 5 else days[0] + '-' + days[-1]} {hours}"
        for hours, days in parts.items()
    )
    return f"{shown} {spec.get('zone', 'UTC')}"


def agent_rows(provider_id: int, *, now: dt.datetime | None = None) -> list[AgentRow]:
    """The provider's staff with dispatch profile, skills and current load (four queries)."""
    now = now or timezone.now()
    memberships = list(
        Membership.objects.filter(provider_id=provider_id, role__in=sorted(PROVIDER_ROLES), is_active=True)
        .select_related("user")
        .order_by("role", "user__first_name", "user__email")
    )
    profiles = {
        p.user_id: p
        for p in AgentProfile.objects.filter(provider_id=provider_id).prefetch_related(
            Prefetch("skills", queryset=Skill.objects.order_by("name"))
        )
    }
    loads = dict(
        Delegation.objects.filter(provider_id=provider_id, is_active=True, state__in=sorted(WORKING_STATES))
        .exclude(agent__isnull=True)
        .order_by()
        .values_list("agent_id")
        .annotate(n=Count("id"))
    )
    rows = []
    for membership in memberships:
        profile = profiles.get(membership.user_id)
        try:
            calendar = Calendar.from_spec((profile.shift if profile else None) or DEFAULT_SHIFT)
            on_shift = bool(profile and profile.is_active) and is_open(calendar, now)
        except (KeyError, ValueError, TypeError):
            on_shift = False
        rows.append(AgentRow(membership, profile, loads.get(membership.user_id, 0), on_shift))
    return rows


def provider_skills(provider_id: int) -> list[Skill]:
    return list(Skill.objects.filter(provider_id=provider_id).order_by("name"))


def served_msps() -> list[tuple[int, str, str]]:
    """(MSP id, brand name, brand colour) of the MSPs in the acting scope (one query)."""
    return list(Brand.objects.order_by("name").values_list("msp_id", "name", "primary_color"))
