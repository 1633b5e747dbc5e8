"""The standing-instructions panel: first on the staff ticket page, above the thread.

Shows every instruction that applies to the ticket (MSP, client, site, contact, asset), with its
flags — VIP, a no-reboot window open right now, call before onsite work, approval needed — and,
for the current version, who acknowledged it; staff who work tickets get an "Acknowledge" button.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from offload.noc.selectors.instructions import instructions_for_ticket
from offload.noc.services.instructions import ACKNOWLEDGER_ROLES
from offload.servicedesk.models import Ticket
from offload.servicedesk.rules import acting_role


def panel_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's instructions, or None when none applies (the panel is then hidden)."""
    state = instructions_for_ticket(ticket)
    if not state.instructions:
        return None
    user = request.user
    rows = [
        {
            "instruction": instruction,
            "acks": acks,
            "window_open": window_open,
            "mine": any(a.user_id == user.pk for a in acks),
        }
        for instruction, acks, window_open in state.rows()
    ]
    return {
        "instruction_rows": rows,
        "unacknowledged": len(state.unacknowledged),
        "can_acknowledge": acting_role(user) in ACKNOWLEDGER_ROLES,
    }
