"""Panels on the staff ticket page, contributed by the domains (SLA timers, delegation, instructions…).

The console is a face: it may read every domain, and no domain imports it. Each panel is a
template plus a function that returns its context for one ticket — or None when the panel has
nothing to say (the panel is then not rendered). Order is the order of `TICKET_PANELS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from offload.console.panels import delegation, instructions, runbooks, sla, triage
from offload.servicedesk.models import Ticket

PanelContext = Callable[[HttpRequest, Ticket], dict[str, Any] | None]


@dataclass(frozen=True)
class TicketPanel:
    name: str
    template: str
    context: PanelContext
    # "main" panels sit above the thread; "side" panels in the right-hand column.
    column: str = "side"


# Each domain adds its panel here, in the order they should appear (one line each).
TICKET_PANELS: list[TicketPanel] = [
    TicketPanel(
        "instructions", "console/panels/_instructions.html", instructions.panel_context, column="main"
    ),
    TicketPanel("runbooks", "console/panels/_runbooks.html", runbooks.runbook_panel, column="main"),
    TicketPanel("sla", "console/panels/_sla.html", sla.sla_panel, column="main"),
    TicketPanel("delegation", "console/panels/_delegation.html", delegation.delegation_panel, column="main"),
    TicketPanel("triage", "console/panels/_triage.html", triage.triage_panel, column="side"),
]


def panels_for(request: HttpRequest, ticket: Ticket, column: str) -> list[tuple[TicketPanel, dict[str, Any]]]:
    """The panels of `column` that have something to show for `ticket`, with their contexts."""
    shown = []
    for panel in TICKET_PANELS:
        if panel.column != column:
            continue
        context = panel.context(request, ticket)
        if context is not None:
            shown.append((panel, context))
    return shown
