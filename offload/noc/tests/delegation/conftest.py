"""Fixtures of the delegation tests: act as a world user, and a ticket of Acme's first client."""

from __future__ import annotations

import pytest

from offload.accounts.testing import World
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Ticket
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import system_scope


@pytest.fixture
def ticket(world: World) -> Ticket:
    """An open P2 ticket of Alpha One (Acme IT), which Acme's agreement with Northwind covers."""
    with system_scope("test setup"):
        return TicketFactory(
            client=world.clients["a1"], contact=world.contacts["a1"][0], priority=Priority.P2,
            subject="Reset the VPN token of the sales team",
        )  # fmt: skip
