"""How long a failed task waits before its next attempt, and how a task says "do not retry"."""

from __future__ import annotations

import random


class NoRetry(Exception):
    """Raise from a task body when trying again cannot help (bad input): the task fails at once."""


class WorkerLost(Exception):
    """Recorded as the error of an attempt whose worker died or stopped heartbeating mid-task."""


class Interrupted(Exception):
    """Recorded as the error of an attempt cut short by the worker being told to stop at once."""


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    jitter: bool = True,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 = the first run).

    Exponential: base, 2·base, 4·base, … capped at `cap`. With jitter ("equal jitter"), the delay
    is drawn uniformly from [d/2, d], so that tasks which failed together (a mail server outage)
    do not all come back in the same second, while the wait still grows with each attempt.
    """
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    delay = min(cap, base * (2 ** (attempt - 1)))
    if not jitter or delay <= 0:
        return delay
    return (rng or random).uniform(delay / 2, delay)
