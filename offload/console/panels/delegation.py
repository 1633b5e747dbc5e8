"""The delegation panel of the staff ticket page: the ticket's hand-off to the NOC, its OLA clocks,
the buttons the acting user may press now, who held the ticket's clock, and (for the NOC) the
provider notes that could be shared with the MSP."""

from __future__ import annotations

from typing import Any

import rules
from django.http import HttpRequest
from django.utils import timezone

from offload.accounts.choices import PROVIDER_ROLES
from offload.noc.choices import ACTIVE_STATES, DelegationState, ReturnReason
from offload.noc.selectors.clocks import holder_split
from offload.noc.selectors.delegation import ola_clocks, ticket_delegations
from offload.noc.services.agreements import covering_agreement
from offload.servicedesk.choices import EntryKind, Visibility
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.querysets import SHARED_WITH_MSP
from offload.servicedesk.rules import acting_role

S = DelegationState
CLOCK_STYLE = {
    "running": "text-bg-primary",
    "met": "text-bg-success",
    "breached": "text-bg-danger",
    "not_started": "text-bg-light border",
}
STATE_STYLE: dict[str, str] = {
    S.OFFERED: "text-bg-info",
    S.ACCEPTED: "text-bg-primary",
    S.REJECTED: "text-bg-warning",
    S.COMPLETED: "text-bg-success",
    S.RETURNED: "text-bg-warning",
    S.DECLINED: "text-bg-secondary",
    S.APPROVED: "text-bg-success",
    S.CANCELLED: "text-bg-light border",
}
HOLDER_STYLE = {"msp": "bg-primary", "noc": "bg-info", "client": "bg-warning", "vendor": "bg-secondary"}
HOLDER_COLOR = {"msp": "#0d6efd", "noc": "#0dcaf0", "client": "#ffc107", "vendor": "#6c757d"}


def split_bar(split: Any) -> list[dict[str, Any]]:
    """Rows of a holder split with their share of a stacked bar (x and width in percent)."""
    total = split.total or 1
    rows, x = [], 0.0
    for row in split.rows():
        width = round(100 * int(row["minutes"]) / total, 2)
        holder = str(row["holder"])
        rows.append(
            {
                **row,
                "x": x,
                "width": width,
                "style": HOLDER_STYLE[holder],
                "color": HOLDER_COLOR[holder],
                "duration": minutes_label(int(row["minutes"])),
            }
        )
        x += width
    return rows


def minutes_label(minutes: int | None) -> str:
    if minutes is None:
        return ""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{sign}{days}d {hours}h"
    return f"{sign}{hours}h {rest:02d}m" if hours else f"{sign}{rest}m"


def allowed_actions(user: Any, delegation: Any) -> list[str]:
    """The transitions `user` may make on `delegation` now (role and state)."""
    if delegation is None or not delegation.is_active:
        return []
    actions: list[str] = []
    if rules.has_perm("noc.work_delegation", user):
        if delegation.state == S.OFFERED:
            actions += ["accept", "decline"]
        if delegation.state in {S.ACCEPTED, S.REJECTED}:
            actions += ["complete", "return"]
    if rules.has_perm("noc.review_delegation", user):
        if delegation.state == S.COMPLETED:
            actions += ["approve", "reject"]
        if delegation.state in ACTIVE_STATES:
            actions.append("cancel")
    return actions


def clock_rows(delegation: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "clock": c,
            "style": CLOCK_STYLE.get(c.state, "text-bg-light"),
            "remaining": minutes_label(c.remaining_minutes),
            "overdue": c.remaining_minutes is not None and c.remaining_minutes < 0,
        }
        for c in ola_clocks(delegation, now=now)
    ]


def delegation_panel(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The panel for staff who offer or work delegations; None for anyone else."""
    user = request.user
    can_offer = rules.has_perm("noc.offer_delegation", user)
    is_noc = acting_role(user) in PROVIDER_ROLES
    if not (can_offer or is_noc or rules.has_perm("noc.review_delegation", user)):
        return None
    history = ticket_delegations(ticket.pk)
    current = next((d for d in history if d.is_active), history[0] if history else None)
    if current is None and not (can_offer and ticket.is_open):
        return None
    offerable = can_offer and ticket.is_open and (current is None or not current.is_active)
    agreement = covering_agreement(ticket) if offerable else None
    split = holder_split(ticket)
    shareable: list[TicketEntry] = []
    if is_noc:
        shareable = [
            e
            for e in TicketEntry.objects.filter(
                ticket=ticket, kind=EntryKind.NOTE, visibility=Visibility.PROVIDER_INTERNAL
            ).order_by("-created_at")[:10]
            if not e.data.get(SHARED_WITH_MSP)
        ]
    earlier = [d for d in history if d is not current][:5]
    for d in earlier:
        d.state_class = STATE_STYLE.get(d.state, "")  # type: ignore[attr-defined]
    return {
        "ticket": ticket,
        "delegation": current,
        "history": earlier,
        "state_class": STATE_STYLE.get(current.state, "") if current is not None else "",
        "clocks": clock_rows(current) if current is not None else [],
        "actions": allowed_actions(user, current),
        "can_offer": offerable and agreement is not None,
        "no_agreement": offerable and agreement is None,
        "agreement": agreement,
        "reasons": ReturnReason.choices,
        "split_rows": split_bar(split),
        "split_total": minutes_label(split.total),
        "split_business": split.business_minutes,
        "breaches": split.breaches,
        "shareable": shareable,
        "is_noc": is_noc,
    }
