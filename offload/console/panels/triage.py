"""The triage panel of the staff ticket page: the model's suggestion (with its confidence and the
words behind it) and where routing sent the ticket, with approve/keep when it awaits approval."""

from __future__ import annotations

from typing import Any

import rules
from django.http import HttpRequest

from offload.noc.models import RoutingState
from offload.noc.selectors.scope import ticket_triage
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Category, Ticket


def triage_panel(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    if not rules.has_perm("noc.view_routing", request.user):
        return None
    found = ticket_triage(ticket.pk)
    if found["suggestion"] is None and found["routing"] is None:
        return None
    suggestion, routing = found["suggestion"], found["routing"]
    can_triage = rules.has_perm("noc.triage_ticket", request.user)
    pending = suggestion is not None and suggestion.status == "pending" and can_triage
    return {
        **found,
        "ticket": ticket,
        "can_decide": pending,
        "can_approve": routing is not None and routing.state == RoutingState.AWAITING_APPROVAL and can_triage,
        "categories": Category.objects.filter(msp_id=ticket.msp_id, is_active=True).order_by("path")
        if pending
        else [],
        "priorities": Priority.choices,
        "next": request.get_full_path(),
    }
