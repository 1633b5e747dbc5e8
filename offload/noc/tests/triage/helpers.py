"""Labelled history for triage tests: closed tickets whose words say their category."""

from __future__ import annotations

from offload.servicedesk.choices import TicketStatus
from offload.servicedesk.tests.factories import TicketFactory

PASSWORD_WORDS = ["password", "reset", "locked", "login", "account", "expired"]
PRINTER_WORDS = ["printer", "toner", "paper", "jam", "print", "queue"]


def history(*, client, catalog, per_category: int = 15) -> None:
    """Closed tickets of two categories, each described with its own words."""
    for i in range(per_category):
        TicketFactory(
            client=client,
            category=catalog["password"],
            priority="p3",
            status=TicketStatus.CLOSED,
            subject=f"{PASSWORD_WORDS[i % 6]} {PASSWORD_WORDS[(i + 1) % 6]} problem",
            description=f"My {PASSWORD_WORDS[(i + 2) % 6]} is {PASSWORD_WORDS[(i + 3) % 6]} again",
        )
        TicketFactory(
            client=client,
            category=catalog["printer"],
            priority="p4",
            status=TicketStatus.CLOSED,
            subject=f"{PRINTER_WORDS[i % 6]} {PRINTER_WORDS[(i + 1) % 6]} broken",
            description=f"The {PRINTER_WORDS[(i + 2) % 6]} has a {PRINTER_WORDS[(i + 3) % 6]} issue",
        )
