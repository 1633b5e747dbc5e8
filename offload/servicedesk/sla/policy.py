"""What an SLA promises: targets in minutes, each on business hours or calendar hours."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Target(StrEnum):
    """A promise a policy can make (the stages a ticket moves through)."""

    FIRST_RESPONSE = "first_response"
    PLAN = "plan"
    RESOLUTION = "resolution"
    UPDATE = "update"


class Clock(StrEnum):
    """A measured clock. The resolution target drives two clocks: the first and the total resolution."""

    FIRST_RESPONSE = "first_response"
    PLAN = "plan"
    FIRST_RESOLUTION = "first_resolution"
    RESOLUTION = "resolution"
    UPDATE = "update"

    @property
    def target(self) -> Target:
        if self is Clock.FIRST_RESOLUTION:
            return Target.RESOLUTION
        return Target(self.value)


class ClockState(StrEnum):
    """Where a clock stands at the moment of evaluation."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    STOPPED = "stopped"  # the ticket was resolved or closed before the event happened, in time


@dataclass(frozen=True)
class TargetSpec:
    """One target: so many minutes, on the ticket's business calendar or around the clock (24x7)."""

    minutes: int
    business_hours: bool = True

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ValueError("a target is a positive number of minutes")


@dataclass(frozen=True)
class Policy:
    """The targets that apply to a ticket (usually chosen by its priority), with warning thresholds.

    `warn_at` are percentages of a target's time at which a warning is due; with
    `notify_in_business_hours` the warning is delivered at the next open business minute.
    """

    name: str = ""
    first_response: TargetSpec | None = None
    plan: TargetSpec | None = None
    resolution: TargetSpec | None = None
    update: TargetSpec | None = None
    warn_at: tuple[int, ...] = (75, 90)
    notify_in_business_hours: bool = False

    def __post_init__(self) -> None:
        if any(not 0 < percent < 100 for percent in self.warn_at):
            raise ValueError("warning thresholds are percentages between 0 and 100")

    def spec(self, target: Target) -> TargetSpec | None:
        return {
            Target.FIRST_RESPONSE: self.first_response,
            Target.PLAN: self.plan,
            Target.RESOLUTION: self.resolution,
            Target.UPDATE: self.update,
        }[target]

    @classmethod
    def of(
        cls,
        name: str = "",
        *,
        first_response: int | None = None,
        plan: int | None = None,
        resolution: int | None = None,
        update: int | None = None,
        business_hours: bool = True,
        warn_at: tuple[int, ...] = (75, 90),
        notify_in_business_hours: bool = False,
    ) -> Policy:
        """Shorthand: minutes per target, all on business hours (or all 24x7)."""

        def spec(minutes: int | None) -> TargetSpec | None:
            return TargetSpec(minutes, business_hours) if minutes is not None else None

        return cls(
            name=name,
            first_response=spec(first_response),
            plan=spec(plan),
            resolution=spec(resolution),
            update=spec(update),
            warn_at=warn_at,
            notify_in_business_hours=notify_in_business_hours,
        )
