"""Auto-assignment's rules as a pure function: shift, capacity, level, skill, urgency and spread."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from offload.core.businesstime import Calendar
from offload.noc.assignment import AgentSlot, SkillRule, WorkItem, plan_assignments, skills_for_category

# A Wednesday, 10:00 UTC: inside a weekday 08:00-18:00 shift.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
DAY_SHIFT = Calendar.workdays("UTC", ("08:00", "18:00"))
NIGHT_SHIFT = Calendar.workdays("UTC", ("22:00", "06:00"))
EMAIL = SkillRule(id=1, prefixes=("email",))
NETWORK = SkillRule(id=2, prefixes=("network",))


def agent(
    id: int, *, level: str = "l1", skills=(), capacity: int = 5, load: int = 0, shift=DAY_SHIFT
) -> AgentSlot:
    return AgentSlot(
        id=id, level=level, skill_ids=frozenset(skills), capacity=capacity, load=load, calendar=shift
    )


def items(n: int, **kwargs) -> list[WorkItem]:
    return [WorkItem(id=i, **kwargs) for i in range(1, n + 1)]


def test_off_shift_agents_get_nothing():
    """An agent whose shift is closed right now is never given work."""
    plan = plan_assignments(items(5), [agent(1, shift=NIGHT_SHIFT), agent(2)], [], now=NOW)
    assert {a for _, a in plan} == {2}


def test_full_agents_get_nothing_and_capacity_is_never_exceeded():
    """An agent at capacity gets nothing; the others are filled only up to their capacity."""
    plan = plan_assignments(
        items(10), [agent(1, capacity=3, load=3), agent(2, capacity=4, load=1)], [], now=NOW
    )
    assert Counter(a for _, a in plan) == {2: 3}


def test_load_spreads_across_equal_agents():
    """Twelve items over four equal, idle agents: three each, never one agent flooded."""
    plan = plan_assignments(items(12), [agent(i) for i in range(1, 5)], [], now=NOW)
    assert Counter(a for _, a in plan) == {1: 3, 2: 3, 3: 3, 4: 3}


def test_busier_agent_waits_until_the_others_catch_up():
    """An agent already holding work gets new items only once the others are as loaded."""
    plan = plan_assignments(items(4), [agent(1, load=3), agent(2), agent(3)], [], now=NOW)
    counts = Counter(a for _, a in plan)
    assert counts[1] == 0
    assert counts[2] + counts[3] == 4


def test_skill_match_wins_over_an_idle_unskilled_agent():
    """An e-mail ticket goes to the agent with the e-mail skill, even if another is idle."""
    plan = plan_assignments(
        [WorkItem(id=1, category_path="Email / Exchange")],
        [agent(1, load=2), agent(2, skills=[EMAIL.id], load=2), agent(3)],
        [EMAIL, NETWORK],
        now=NOW,
    )
    assert plan == [(1, 2)]


def test_escalated_items_never_go_below_their_level():
    """L2 work goes to an L2 agent; an L1 agent never receives it."""
    plan = plan_assignments(
        [WorkItem(id=1, level="l2")], [agent(1, level="l1"), agent(2, level="l2")], [], now=NOW
    )
    assert plan == [(1, 2)]


def test_most_urgent_items_are_placed_first_when_room_is_short():
    """With room for two, the two items nearest their OLA due are the ones assigned."""
    work = [
        WorkItem(id=1, due=NOW + dt.timedelta(hours=5)),
        WorkItem(id=2, due=NOW + dt.timedelta(minutes=10)),
        WorkItem(id=3),
        WorkItem(id=4, due=NOW + dt.timedelta(hours=1), priority="p1"),
    ]
    plan = plan_assignments(work, [agent(1, capacity=2)], [], now=NOW)
    assert [i for i, _ in plan] == [2, 4]


def test_same_input_gives_the_same_plan():
    """Assignment is deterministic: ties are broken by load, then agent id, not by chance."""
    work = items(30, category_path="Network / Firewall")

    def run():
        agents = [agent(i, skills=[NETWORK.id] if i % 2 else [], capacity=4) for i in range(1, 11)]
        return plan_assignments(work, agents, [EMAIL, NETWORK], now=NOW)

    assert run() == run()


def test_category_prefixes_match_whole_path_segments():
    """The "email" skill covers "Email / Exchange" but not "Emailing lists"."""
    assert skills_for_category("Email / Exchange", [EMAIL]) == {1}
    assert skills_for_category("Email", [EMAIL]) == {1}
    assert skills_for_category("Emailing lists", [EMAIL]) == frozenset()
    assert skills_for_category("", [EMAIL]) == frozenset()
