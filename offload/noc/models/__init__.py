"""The NOC's models, one module per aggregate; each module's classes are re-exported here."""

from offload.noc.models.maintenance import MaintenanceOccurrence, MaintenanceSchedule
from offload.noc.models.runbooks import LibraryRunbook, Runbook, RunbookStepDone, TicketRunbook

__all__ = [
    "LibraryRunbook",
    "MaintenanceOccurrence",
    "MaintenanceSchedule",
    "Runbook",
    "RunbookStepDone",
    "TicketRunbook",
]
