"""Reading delegations: their OLA clocks, the lists the API and pages show, and "my team"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from offload.accounts.models import User
from offload.noc.choices import ACTIVE_STATES, ClockState, DelegationState
from offload.noc.models import Delegation
from offload.servicedesk.models import TimeEntry

S = DelegationState


@dataclass(frozen=True)
class OlaClock:
    """One OLA clock of a delegation; a breach is the provider's."""

    kind: str  # accept, respond, resolve
    due: dt.datetime | None
    stopped_at: dt.datetime | None
    state: str
    remaining_minutes: int | None  # negative once overdue while running

    @property
    def label(self) -> str:
        return self.kind.title()

    @property
    def breached_by(self) -> str | None:
        return "provider" if self.state == ClockState.BREACHED else None


def _clock(
    kind: str, due: dt.datetime | None, stopped: dt.datetime | None, running: bool, now: dt.datetime
) -> OlaClock:
    if due is None:
        return OlaClock(kind, None, stopped, ClockState.NOT_STARTED, None)
    if stopped is not None:
        return OlaClock(kind, due, stopped, ClockState.MET if stopped <= due else ClockState.BREACHED, None)
    remaining = int((due - now).total_seconds() // 60)
    if not running:
        return OlaClock(kind, due, None, ClockState.NOT_STARTED, None)
    return OlaClock(kind, due, None, ClockState.RUNNING if now <= due else ClockState.BREACHED, remaining)


def ola_clocks(delegation: Delegation, *, now: dt.datetime | None = None) -> list[OlaClock]:
    """Accept (from the offer), respond and resolve (from acceptance) clocks, with their state.

    Accepting or declining stops the accept clock; the first completion, a return or a NOC note
    (`responded_at`) stops respond; the first completion or a return stops resolve. A cancelled
    delegation's running clocks stop when it ended, and count against nobody if they were in time.
    """
    now = now or timezone.now()
    d = delegation
    active = d.is_active
    ended = d.ended_at if d.state == S.CANCELLED else None
    accept_stop = d.accepted_at or d.declined_at or ended
    respond_stop = d.responded_at or d.completed_at or d.returned_at or (ended if d.accepted_at else None)
    resolve_stop = d.completed_at or d.returned_at or (ended if d.accepted_at else None)
    return [
        _clock("accept", d.ola_accept_due, accept_stop, active and d.state == S.OFFERED, now),
        _clock("respond", d.ola_respond_due, respond_stop, active and d.accepted_at is not None, now),
        _clock("resolve", d.ola_resolve_due, resolve_stop, active and d.accepted_at is not None, now),
    ]


def ola_summary(delegation: Delegation, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The clock that matters now (running, else the last breached, else met) for compact rows."""
    clocks = ola_clocks(delegation, now=now)
    running = [c for c in clocks if c.state == ClockState.RUNNING]
    breached = [c for c in clocks if c.state == ClockState.BREACHED]
    current = running[0] if running else (breached[-1] if breached else None)
    return {"clocks": clocks, "current": current, "breached": bool(breached)}


def delegation_queryset() -> QuerySet[Delegation]:
    """Delegations in the scope, with what a row shows (one query)."""
    return Delegation.objects.select_related(
        "ticket", "ticket__client", "provider", "offered_by", "agent", "reviewed_by"
    )


def delegation_list(
    *, user: User | None, state: str | None = None, mine: bool = False, active: bool | None = None
) -> QuerySet[Delegation]:
    """Filtered delegations: `mine` means offered by the user (MSP staff) or held by them (NOC)."""
    qs = delegation_queryset()
    if state:
        qs = qs.filter(state=state)
    if active is not None:
        qs = qs.filter(is_active=active)
    if mine and user is not None:
        qs = qs.filter(Q(offered_by=user) | Q(agent=user))
    return qs.order_by("-offered_at", "-id")


def ticket_delegations(ticket_id: int) -> list[Delegation]:
    return list(delegation_queryset().filter(ticket_id=ticket_id).order_by("-offered_at", "-id")[:20])


@dataclass
class MyTeam:
    active: list[Delegation]
    awaiting_review: list[Delegation]
    returns: list[Delegation]
    recent: list[Delegation]
    noc_minutes: dict[int, int]
    total_noc_minutes: int


def my_team(user: User, *, now: dt.datetime | None = None, recent_days: int = 30, limit: int = 200) -> MyTeam:
    """What `user` delegated: in flight, awaiting their review, returned or declined to them (and not
    offered again), finished lately, and the NOC time logged on those tickets. Four queries."""
    now = now or timezone.now()
    newer_active = Delegation.objects.filter(ticket_id=OuterRef("ticket_id"), is_active=True)
    rows = list(
        delegation_queryset().filter(offered_by=user, is_active=True).order_by("-offered_at", "-id")[:limit]
    )
    ended: list[Delegation] = list(
        delegation_queryset()
        .filter(offered_by=user, is_active=False, offered_at__gte=now - dt.timedelta(days=recent_days))
        .annotate(reoffered=Exists(newer_active))
        .order_by("-offered_at", "-id")[:limit]
    )
    returns = [
        d
        for d in ended
        if d.state in {S.RETURNED, S.DECLINED} and not d.reoffered and d.ticket.is_open  # type: ignore[attr-defined]
    ]
    ticket_ids = {d.ticket_id for d in rows} | {d.ticket_id for d in ended}
    noc_minutes: dict[int, int] = {}
    if ticket_ids:
        provider_staff = User.objects.filter(
            pk=OuterRef("user_id"), memberships__provider__isnull=False, memberships__is_active=True
        )
        for ticket_id, minutes in (
            TimeEntry.objects.filter(ticket_id__in=ticket_ids)
            .filter(Exists(provider_staff))
            .values("ticket_id")
            .annotate(minutes=Sum("minutes"))
            .values_list("ticket_id", "minutes")
        ):
            noc_minutes[ticket_id] = int(minutes or 0)
    return MyTeam(
        active=[d for d in rows if d.state != S.COMPLETED],
        awaiting_review=[d for d in rows if d.state == S.COMPLETED],
        returns=returns,
        recent=[d for d in ended if d not in returns],
        noc_minutes=noc_minutes,
        total_noc_minutes=sum(noc_minutes.values()),
    )


__all__ = ["ACTIVE_STATES", "MyTeam", "OlaClock", "delegation_list", "my_team", "ola_clocks", "ola_summary"]
