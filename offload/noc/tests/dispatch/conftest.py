"""Fixtures of the dispatch tests: act as a world user, agent profiles and accepted delegations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from offload.accounts.testing import World
from offload.noc.choices import DelegationState
from offload.noc.models import AgentProfile, Delegation
from offload.servicedesk.models import Ticket
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.models import Client, ServiceAgreement
from offload.tenancy.scoping import system_scope

ALWAYS = {"zone": "UTC", "always_open": True}


def make_delegation(
    world: World,
    *,
    client_key: str = "a1",
    state: str = DelegationState.ACCEPTED,
    level: str = "l1",
    subject: str = "Mailbox full",
    due_in: dt.timedelta | None = dt.timedelta(hours=4),
    ticket: Ticket | None = None,
    **fields,
) -> Delegation:
    """A delegation of a new ticket of `client_key` to Northwind, in `state` (written directly)."""
    with system_scope("test setup"):
        client = Client.objects.get(pk=world.clients[client_key].pk)
        ticket = ticket or TicketFactory(
            client=client, contact=world.contacts[client_key][0], subject=subject
        )
        agreement = ServiceAgreement.objects.get(msp_id=client.msp_id, provider=world.provider)
        now = timezone.now()
        return Delegation.objects.create(
            msp_id=client.msp_id,
            ticket=ticket,
            agreement=agreement,
            provider=world.provider,
            state=state,
            level=level,
            offered_at=now,
            accepted_at=now if state != DelegationState.OFFERED else None,
            ola_resolve_due=now + due_in if due_in else None,
            **fields,
        )


@pytest.fixture
def delegation(world: World) -> Delegation:
    return make_delegation(world)


def make_profile(world: World, key: str, **fields) -> AgentProfile:
    with system_scope("test setup"):
        defaults = {"shift": ALWAYS, "capacity": 5, "level": "l1"}
        defaults.update(fields)
        profile, _ = AgentProfile.objects.update_or_create(
            provider=world.provider, user=world.user(key), defaults=defaults
        )
        return profile
