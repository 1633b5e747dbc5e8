"""Auto-assignment as a pure function: which agent should work which unclaimed delegation.

No database here: `plan_assignments` takes plain values and returns the pairs, so the rules are
tested exhaustively and benchmarked without I/O. The rules:

- an agent who is off shift, inactive or at capacity gets nothing;
- an agent below the item's level gets nothing (escalated L2 work never goes back to L1);
- the most urgent items are placed first: earliest OLA due, then priority, then oldest id;
- each item goes to the eligible agent with the best score — a matching skill weighs most, then
  how much of their capacity is free, then how closely their level fits — and every placement
  raises that agent's load, so the next item sees it (load spreads; nobody is flooded);
- ties are broken by current load, then by agent id: the same input gives the same plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from offload.core.businesstime import Calendar, is_open

LEVEL_RANK = {"l1": 0, "l2": 1, "lead": 2}
PRIORITY_RANK = {"p1": 0, "p2": 1, "p3": 2, "p4": 3, "p5": 4}

SKILL_WEIGHT = 3.0
FREE_WEIGHT = 2.0
LEVEL_WEIGHT = 1.0
# An item with no category (or one no skill covers) treats every agent's skills as half a match.
NEUTRAL_SKILL = 0.5


@dataclass(frozen=True)
class SkillRule:
    """A skill and the category path prefixes (lower-case) it covers."""

    id: int
    prefixes: tuple[str, ...]


@dataclass
class AgentSlot:
    """An agent as assignment sees them; `load` is mutated as the plan places items."""

    id: int
    level: str
    skill_ids: frozenset[int]
    capacity: int
    load: int
    calendar: Calendar | None = None
    is_active: bool = True
    on_shift: bool | None = field(default=None, repr=False)

    @property
    def has_room(self) -> bool:
        return self.load < self.capacity


@dataclass(frozen=True)
class WorkItem:
    """An unclaimed delegation: its level, its ticket's category path, priority and OLA due."""

    id: int
    level: str = "l1"
    category_path: str = ""
    priority: str = "p3"
    due: dt.datetime | None = None


def skills_for_category(path: str, skills: Iterable[SkillRule]) -> frozenset[int]:
    """The skills whose prefixes cover `path` ("Email / Exchange" is covered by "email")."""
    key = path.strip().lower()
    if not key:
        return frozenset()
    return frozenset(
        s.id for s in skills if any(key == p or key.startswith(p.rstrip(" /") + " /") for p in s.prefixes)
    )


def urgency_key(item: WorkItem) -> tuple[bool, dt.datetime, int, int]:
    """Sort key: items with a due time first, earliest due, then priority, then id."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (item.due is None, item.due or far, PRIORITY_RANK.get(item.priority, 9), item.id)


def score(agent: AgentSlot, item: WorkItem, needed: frozenset[int]) -> float | None:
    """How well `agent` fits `item` now (higher is better), or None when they may not take it."""
    if not agent.is_active or not agent.on_shift or not agent.has_room:
        return None
    gap = LEVEL_RANK.get(agent.level, 0) - LEVEL_RANK.get(item.level, 0)
    if gap < 0:
        return None
    skill = (1.0 if agent.skill_ids & needed else 0.0) if needed else NEUTRAL_SKILL
    free = 1.0 - agent.load / agent.capacity
    fit = 1.0 / (1 + gap)
    return SKILL_WEIGHT * skill + FREE_WEIGHT * free + LEVEL_WEIGHT * fit


def mark_shifts(agents: Iterable[AgentSlot], now: dt.datetime) -> None:
    """Decide once per run who is on shift at `now` (agents without a calendar never are)."""
    for agent in agents:
        agent.on_shift = agent.calendar is not None and is_open(agent.calendar, now)


def plan_assignments(
    items: Sequence[WorkItem],
    agents: Sequence[AgentSlot],
    skills: Sequence[SkillRule],
    *,
    now: dt.datetime,
) -> list[tuple[int, int]]:
    """(item id, agent id) pairs for as many items as eligible agents have room for, most urgent first.

    Agents' `load` is raised for every placement, so callers see where the plan leaves them.
    """
    mark_shifts(agents, now)
    pool = sorted((a for a in agents if a.is_active and a.on_shift and a.has_room), key=lambda a: a.id)
    needed_by_path: dict[str, frozenset[int]] = {}
    plan: list[tuple[int, int]] = []
    for item in sorted(items, key=urgency_key):
        if not pool:
            break
        needed = needed_by_path.get(item.category_path)
        if needed is None:
            needed = needed_by_path[item.category_path] = skills_for_category(item.category_path, skills)
        best: AgentSlot | None = None
        best_key: tuple[float, int, int] | None = None
        for agent in pool:
            value = score(agent, item, needed)
            if value is None:
                continue
            key = (-value, agent.load, agent.id)
            if best_key is None or key < best_key:
                best, best_key = agent, key
        if best is None:
            continue
        best.load += 1
        plan.append((item.id, best.id))
        if not best.has_room:
            pool.remove(best)
    return plan
