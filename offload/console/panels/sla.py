"""The SLA panel on the staff ticket page: each clock's state, deadline, elapsed and remaining
business minutes, achieved minutes and difference, warnings, and the pause ledger."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone

from offload.servicedesk.models import Ticket, TicketClock, TicketPause, TicketSla
from offload.servicedesk.rules import AGENT_ROLES, acting_role
from offload.servicedesk.services.sla import evaluate_ticket_sla

STATE_STYLE = {
    "running": "text-bg-primary",
    "paused": "text-bg-secondary",
    "met": "text-bg-success",
    "breached": "text-bg-danger",
    "stopped": "text-bg-light border",
}
LABELS = {
    "first_response": "First response",
    "plan": "Plan",
    "first_resolution": "First resolution",
    "resolution": "Resolution",
    "update": "Update",
}


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return ""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    hours, rest = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{sign}{days}d {hours}h {rest:02d}m"
    return f"{sign}{hours}h {rest:02d}m" if hours else f"{sign}{rest}m"


def sla_panel(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's clocks (evaluated now if never evaluated), or None without a policy or for non-agents."""
    if acting_role(request.user) not in AGENT_ROLES:
        return None
    state = TicketSla.objects.filter(ticket=ticket).select_related("policy", "calendar").first()
    if state is None:
        evaluate_ticket_sla(ticket_id=ticket.pk)
        state = TicketSla.objects.filter(ticket=ticket).select_related("policy", "calendar").first()
    clocks = list(TicketClock.objects.filter(ticket=ticket).order_by("id"))
    if state is None or state.policy is None or not clocks:
        return None
    zone = ZoneInfo(state.zone or "UTC")
    now = timezone.now()
    rows = []
    for clock in clocks:
        # The first resolution repeats the resolution until a reopen: show it only when it differs.
        if clock.clock == "first_resolution" and not clock.achieved_at:
            continue
        due_in = int((clock.deadline - now).total_seconds() // 60) if clock.deadline else None
        rows.append(
            {
                "clock": clock,
                "label": LABELS.get(clock.clock, clock.clock),
                "style": STATE_STYLE.get(clock.state, "text-bg-light"),
                "deadline": clock.deadline.astimezone(zone) if clock.deadline else None,
                "due_in": _duration(due_in) if due_in is not None and clock.state == "running" else "",
                "overdue": due_in is not None and due_in < 0 and clock.state in {"running", "breached"},
                "elapsed": _duration(clock.elapsed_minutes),
                "remaining": _duration(clock.remaining_minutes),
                "target": _duration(clock.target_minutes),
                "achieved": _duration(clock.achieved_minutes),
                "difference": _duration(clock.difference_minutes),
                "used": min(100, round(100 * clock.elapsed_minutes / clock.target_minutes))
                if clock.target_minutes
                else 0,
                "warned": clock.warned_percents,
            }
        )
    pauses = [
        {
            "pause": p,
            "start": p.started_at.astimezone(zone),
            "end": p.ended_at.astimezone(zone) if p.ended_at else None,
            "minutes": _duration(p.business_minutes),
            "label": p.status.replace("_", " ").capitalize(),
        }
        for p in TicketPause.objects.filter(ticket=ticket)
    ]
    return {
        "sla_state": state,
        "sla_rows": rows,
        "sla_pauses": pauses,
        "sla_zone": state.zone,
        "sla_policy": state.policy,
        "sla_calendar": state.calendar,
    }
