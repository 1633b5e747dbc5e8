"""The NOC's models, one module per aggregate; each module's classes are re-exported here."""

from offload.noc.models.agents import AgentLevel, AgentProfile, Skill
from offload.noc.models.agreements import AgreementTerms
from offload.noc.models.delegation import Delegation
from offload.noc.models.instructions import (
    InstructionAcknowledgement,
    InstructionLevel,
    InstructionVersion,
    StandingInstruction,
)
from offload.noc.models.maintenance import MaintenanceOccurrence, MaintenanceSchedule
from offload.noc.models.routing import RoutingRule, RoutingState, TicketRouting
from offload.noc.models.runbooks import LibraryRunbook, Runbook, RunbookStepDone, TicketRunbook
from offload.noc.models.scope import ScopeDecision, ScopeMatrix, ScopeMatrixVersion, ScopeRule
from offload.noc.models.triage import TriageModel, TriageStatus, TriageSuggestion

__all__ = [
    "AgentLevel",
    "AgentProfile",
    "AgreementTerms",
    "Delegation",
    "InstructionAcknowledgement",
    "InstructionLevel",
    "InstructionVersion",
    "LibraryRunbook",
    "MaintenanceOccurrence",
    "MaintenanceSchedule",
    "RoutingRule",
    "RoutingState",
    "Runbook",
    "RunbookStepDone",
    "ScopeDecision",
    "ScopeMatrix",
    "ScopeMatrixVersion",
    "ScopeRule",
    "Skill",
    "StandingInstruction",
    "TicketRouting",
    "TicketRunbook",
    "TriageModel",
    "TriageStatus",
    "TriageSuggestion",
]
