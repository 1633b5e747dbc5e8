"""Fixtures of the staff ticket page tests: tickets of the world's MSP A, files in a temp dir."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from offload.servicedesk.models import Ticket
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import system_scope


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Attachments written by a test land in its own temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_ticket(world) -> Callable[..., Ticket]:
    """`make_ticket(client="a1", subject=…)`: a ticket of one of the world's clients."""

    def make(client: str = "a1", **fields: Any) -> Ticket:
        with system_scope("test set-up"):
            owner = world.clients[client]
            fields.setdefault("contact", world.contacts[client][0])
            return TicketFactory(client=owner, msp=owner.msp, **fields)

    return make
