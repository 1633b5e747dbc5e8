"""Who may manage alert integrations and maintenance windows (reading is decided by the scope)."""

from __future__ import annotations

import rules

from offload.servicedesk.rules import is_agent, is_desk_manager

# Tokens let a monitoring tool open tickets in the MSP's name: desk managers hand them out.
rules.add_perm("alerts.manage_integrations", is_desk_manager)
# Anybody who works tickets may plan a maintenance window and look at alerts.
rules.add_perm("alerts.manage_maintenance", is_agent)
rules.add_perm("alerts.view_alerts", is_agent)
