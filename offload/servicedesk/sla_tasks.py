"""SLA and webhook background work: re-evaluate a ticket's clocks, the sweeper, webhook deliveries.

`ticket_event_committed` (sent after commit) reaches `on_ticket_event`, which queues a
re-evaluation per ticket and a delivery per matching webhook endpoint. Timers are the same
re-evaluation task queued with `run_after` at the next deadline or warning: a stale timer
re-evaluates and finds nothing new. The sweeper heals timers that never ran.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from offload.core.tasks.decorators import task
from offload.core.tasks.periodic import periodic
from offload.servicedesk.choices import OPEN_STATUSES
from offload.servicedesk.models import Ticket, TicketEntry, TicketSla
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

# A timer that is this late is the sweeper's to heal (the worker may simply be busy until then).
SWEEP_GRACE = dt.timedelta(minutes=2)
SWEEP_BATCH = 500


@task(max_attempts=5, backoff_base=10)
def recompute_ticket_sla(msp_id: int, ticket_id: int) -> str:
    """Re-evaluate one ticket's SLA clocks and store them (idempotent)."""
    from offload.servicedesk.services.sla import evaluate_ticket_sla

    with system_scope("SLA clocks of one ticket", msp_id=msp_id):
        report = evaluate_ticket_sla(ticket_id=ticket_id)
    return "no policy" if report is None else "evaluated"


@task(max_attempts=1)
def deliver_webhook(msp_id: int, delivery_id: int) -> str:
    """POST one webhook delivery; a failure schedules the next attempt with backoff."""
    from offload.servicedesk.services.webhooks import attempt_delivery

    with system_scope("deliver one webhook", msp_id=msp_id):
        return attempt_delivery(delivery_id=delivery_id)


@periodic("*/5 * * * *")
@task(max_attempts=1)
def sweep_sla() -> int:
    """Re-evaluate tickets whose next SLA check has passed without a run, and open tickets never
    evaluated; returns how many were healed."""
    now = timezone.now()
    with system_scope("SLA sweeper: which tickets missed their timer"):
        due = list(
            TicketSla.objects.filter(next_check_at__lte=now - SWEEP_GRACE, is_closed=False)
            .order_by("next_check_at")
            .values_list("msp_id", "ticket_id")[:SWEEP_BATCH]
        )
        never = list(
            Ticket.objects.filter(sla__isnull=True, status__in=sorted(OPEN_STATUSES))
            .filter(created_at__lte=now - SWEEP_GRACE)
            .values_list("msp_id", "id")[:SWEEP_BATCH]
        )
    healed = 0
    for msp_id, ticket_id in dict.fromkeys(due + never):
        try:
            recompute_ticket_sla.call(msp_id, ticket_id)
            healed += 1
        except Exception:  # one broken ticket must not stop the sweep
            log.exception("SLA sweep of ticket %s failed", ticket_id)
    return healed


def on_ticket_event(sender: Any, entry_ids: list[int], events: list[str], **kwargs: Any) -> None:
    """After commit: queue SLA re-evaluation of the tickets concerned and their webhook deliveries."""
    from offload.servicedesk.services.sla import SLA_EVENTS
    from offload.servicedesk.services.webhooks import queue_deliveries

    if not entry_ids:
        return
    refs = kwargs.get("refs")
    if refs is not None:  # as recorded (events.announce): no need to reload the rows
        rows = [(msp_id, ticket_id, name, entry_id) for entry_id, msp_id, ticket_id, name in refs]
    else:
        with system_scope("which tickets committed events belong to"):
            rows = list(
                TicketEntry.objects.filter(pk__in=entry_ids).values_list("msp_id", "ticket_id", "event", "id")
            )
    tickets = {(msp_id, ticket_id) for msp_id, ticket_id, event, _id in rows if event not in SLA_EVENTS}
    for msp_id, ticket_id in sorted(tickets):
        recompute_ticket_sla.enqueue(msp_id, ticket_id)
    by_msp: dict[int, list[int]] = {}
    for msp_id, _ticket_id, _event, entry_id in rows:
        by_msp.setdefault(msp_id, []).append(entry_id)
    for msp_id, ids in by_msp.items():
        with system_scope("webhook deliveries of committed events", msp_id=msp_id):
            queue_deliveries(entry_ids=ids, msp_ids=[msp_id])
