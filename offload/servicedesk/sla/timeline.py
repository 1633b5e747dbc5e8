"""A ticket's history as the SLA engine sees it: timestamped events, oldest first.

The service desk's models translate their own rows into these events; the engine never reads the
database. Every `at` is a timezone-aware instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from offload.core.businesstime import Calendar
from offload.servicedesk.sla.policy import Policy, Target


@dataclass(frozen=True)
class Created:
    """The ticket arrived; `pausing` when it starts in a pausing status (e.g. waiting on client)."""

    at: dt.datetime
    pausing: bool = False


@dataclass(frozen=True)
class StatusChanged:
    """The status changed; `pausing` is the status's flag (waiting on client/vendor stop the clock)."""

    at: dt.datetime
    status: str
    pausing: bool


@dataclass(frozen=True)
class AgentReplied:
    """A public reply by an agent: a first response, and an update (restarts the update clock)."""

    at: dt.datetime


@dataclass(frozen=True)
class FirstResponseRecorded:
    """A first response given outside the thread (a logged phone call): not an update in the thread."""

    at: dt.datetime


@dataclass(frozen=True)
class CustomerMessaged:
    """The customer wrote; the update clock starts again from here."""

    at: dt.datetime


@dataclass(frozen=True)
class AutoAcknowledged:
    """An automatic acknowledgement was sent. It is not a response and stops no clock."""

    at: dt.datetime


@dataclass(frozen=True)
class PlanRecorded:
    """The agent recorded a resolution plan."""

    at: dt.datetime


@dataclass(frozen=True)
class Resolved:
    """The ticket was resolved at `at`."""

    at: dt.datetime


@dataclass(frozen=True)
class ResolutionCorrected:
    """Someone corrected the time of the latest resolution to `resolved_at` (recorded at `at`)."""

    at: dt.datetime
    resolved_at: dt.datetime


@dataclass(frozen=True)
class Reopened:
    """A resolved or closed ticket was reopened."""

    at: dt.datetime


@dataclass(frozen=True)
class Closed:
    """The ticket was closed: escalation stops, measurements are kept. Ends any pause; adds no break."""

    at: dt.datetime


@dataclass(frozen=True)
class PolicyChanged:
    """Another policy applies from `at` on (a priority change picks another policy's targets).

    `calendar` replaces the ticket's business calendar when given (client or site moved).
    """

    at: dt.datetime
    policy: Policy
    calendar: Calendar | None = None


@dataclass(frozen=True)
class DueOverridden:
    """Someone set a target's due date by hand; it sticks through later policy changes.

    For the update target it applies to the update cycle running at `at` only.
    """

    at: dt.datetime
    target: Target
    due: dt.datetime


Event = (
    Created
    | StatusChanged
    | AgentReplied
    | FirstResponseRecorded
    | CustomerMessaged
    | AutoAcknowledged
    | PlanRecorded
    | Resolved
    | ResolutionCorrected
    | Reopened
    | Closed
    | PolicyChanged
    | DueOverridden
)
