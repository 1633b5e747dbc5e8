"""Ticket numbers stay unique and gap-free when many openers race, on a real database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from offload.servicedesk.models import Ticket, TicketCounter
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests import factories as tf

THREADS = 8
PER_THREAD = 5

needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database (SQLite's in-memory test database is one writer)",
)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_openers_get_unique_consecutive_numbers():
    """Eight threads opening tickets at once for the same MSP (whose counter does not exist yet)
    get numbers 1..40 exactly once, while another MSP's numbering is unaffected."""
    with system_scope("test data"):
        client = tf.ClientFactory(msp=tf.MSPFactory(ticket_prefix="RACE"))
        other = tf.ClientFactory(msp=tf.MSPFactory(ticket_prefix="CALM"))
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            start.wait()
            with system_scope("a concurrent opener"):
                for i in range(PER_THREAD):
                    open_ticket(actor=None, client=client, subject=f"Race {i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=opener) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    with system_scope("the calm MSP opens one ticket meanwhile"):
        calm = open_ticket(actor=None, client=other, subject="Calm")
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with system_scope("check the numbers"):
        numbers = sorted(Ticket.objects.filter(msp=client.msp).values_list("number", flat=True))
        references = set(Ticket.objects.filter(msp=client.msp).values_list("reference", flat=True))
        counter = TicketCounter.objects.get(msp=client.msp).last_number
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
    assert len(references) == THREADS * PER_THREAD
    assert counter == THREADS * PER_THREAD
    assert calm.reference == "CALM-1"
