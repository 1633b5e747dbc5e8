"""Fixtures of the delegation tests: act as a world user, and a ticket of Acme's first client."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from offload.accounts.acting import acting_for_user
from offload.accounts.testing import World
from offload.servicedesk.choices import Priority
from offload.servicedesk.models import Ticket
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import Scope, activate, system_scope


@pytest.fixture
def acting_as(world: World) -> Callable[[str], contextlib.AbstractContextManager[Scope]]:
    """`with acting_as("technician"):` runs the block in that user's scope, as a request would."""

    @contextlib.contextmanager
    def enter(key: str) -> Iterator[Scope]:
        with activate(acting_for_user(world.user(key)).scope) as scope:
            yield scope

    return enter


@pytest.fixture
def ticket(world: World) -> Ticket:
    """An open P2 ticket of Alpha One (Acme IT), which Acme's agreement with Northwind covers."""
    with system_scope("test setup"):
        return TicketFactory(
            client=world.clients["a1"], contact=world.contacts["a1"][0], priority=Priority.P2,
            subject="Reset the VPN token of the sales team",
        )  # fmt: skip
