"""NOC background tasks. Each task is declared next to its service; this module re-exports them so
that the scheduler (which imports every app's `tasks` module) registers the periodic ones.
Add one import line per service module."""

from offload.noc.services.dispatch import auto_assign_all  # noqa: F401  (periodic: pushes unclaimed work)
from offload.noc.services.triage import triage_new_ticket  # noqa: F401  (new tickets: triage, then routing)
