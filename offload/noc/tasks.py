"""NOC background tasks. Each task is declared next to its service; this module re-exports them so
that the scheduler (which imports every app's `tasks` module) registers the periodic ones.
Add one import line per service module."""

from offload.noc.services.dispatch import auto_assign_all
from offload.noc.services.maintenance import generate_maintenance_tickets
from offload.noc.services.runbooks import attach_runbooks_task
from offload.noc.services.triage import triage_new_ticket

__all__ = [
    "attach_runbooks_task",
    "auto_assign_all",
    "generate_maintenance_tickets",
    "triage_new_ticket",
]
