"""SLA clocks as a pure engine: policy targets + calendar + a ticket's timeline → deadlines and states.

No models here: the service desk stores what `evaluate_sla` computes (deadline and elapsed business
time separately, achieved minutes and difference per target, the pause ledger).
"""

from offload.servicedesk.sla.clock import (
    Break,
    ClockResult,
    ClockWarning,
    Pause,
    SlaReport,
    UpdateCycle,
    evaluate_sla,
)
from offload.servicedesk.sla.policy import Clock, ClockState, Policy, Target, TargetSpec
from offload.servicedesk.sla.timeline import (
    AgentReplied,
    AutoAcknowledged,
    Closed,
    Created,
    CustomerMessaged,
    DueOverridden,
    Event,
    FirstResponseRecorded,
    PlanRecorded,
    PolicyChanged,
    Reopened,
    ResolutionCorrected,
    Resolved,
    StatusChanged,
)

__all__ = [
    "AgentReplied",
    "AutoAcknowledged",
    "Break",
    "Clock",
    "ClockResult",
    "ClockState",
    "ClockWarning",
    "Closed",
    "Created",
    "CustomerMessaged",
    "DueOverridden",
    "Event",
    "FirstResponseRecorded",
    "Pause",
    "PlanRecorded",
    "Policy",
    "PolicyChanged",
    "Reopened",
    "ResolutionCorrected",
    "Resolved",
    "SlaReport",
    "StatusChanged",
    "Target",
    "TargetSpec",
    "UpdateCycle",
    "evaluate_sla",
]
