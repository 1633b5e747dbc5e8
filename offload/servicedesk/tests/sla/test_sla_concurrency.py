"""Timer task and sweeper racing on a real database: the breach is recorded exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from offload.servicedesk.models import TicketEntry
from offload.servicedesk.services import sla
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.scoping import system_scope

THREADS = 6

needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database (SQLite's in-memory test database is one writer)",
)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_record_one_breach(world):
    """Six evaluations of a breached ticket at once (timers, sweeper, listener) write one sla.breached."""
    msp = world.msp_a
    with system_scope("setup", msp_id=msp.pk):
        sla.create_policy(
            actor=None,
            msp=msp,
            name="Fast",
            is_default=True,
            targets={"p3": {"first_response": {"minutes": 5, "business_hours": False}}},
        )
        ticket = open_ticket(
            actor=None,
            client=world.clients["a1"],
            subject="Race",
            priority="p3",
            at=timezone.now() - dt.timedelta(hours=1),
        )
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def evaluate() -> None:
        try:
            start.wait()
            with system_scope("a racing evaluation", msp_id=msp.pk):
                sla.evaluate_ticket_sla(ticket_id=ticket.pk)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with system_scope("check", msp_id=msp.pk):
        breaches = TicketEntry.objects.filter(ticket=ticket, event=sla.SLA_BREACHED).count()
    assert breaches == 1
