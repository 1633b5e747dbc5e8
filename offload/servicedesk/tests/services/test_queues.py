"""Saving queues."""

from __future__ import annotations

import pytest

from offload.core.errors import DomainError, PermissionDenied
from offload.servicedesk import selectors
from offload.servicedesk.services.queues import save_view

pytestmark = pytest.mark.django_db


def test_agent_saves_a_personal_queue_that_only_they_see(world, acting_as):
    """A technician's own queue is listed for them and not for a colleague."""
    with acting_as("technician"):
        view = save_view(
            actor=world.user("technician"),
            msp=world.msp_a,
            name="Mine",
            filters={"assignee": ["me"], "open": True},
        )
        assert view in selectors.saved_views_for(user_id=world.user("technician").pk)
    with acting_as("service_manager"):
        assert view not in selectors.saved_views_for(user_id=world.user("service_manager").pk)


def test_only_desk_leads_share_queues(world, acting_as):
    """Sharing a queue with the whole MSP is for owners and service managers."""
    with acting_as("technician"), pytest.raises(PermissionDenied):
        save_view(actor=world.user("technician"), msp=world.msp_a, name="All", filters={}, is_shared=True)
    with acting_as("service_manager"):
        shared = save_view(
            actor=world.user("service_manager"), msp=world.msp_a, name="All", filters={}, is_shared=True
        )
    with acting_as("technician"):
        assert shared in selectors.saved_views_for(user_id=world.user("technician").pk)


def test_bad_filters_are_refused_before_saving(world, acting_as):
    """A filter outside the allow-list is refused with invalid_filter."""
    with acting_as("technician"), pytest.raises(DomainError) as refused:
        save_view(actor=world.user("technician"), msp=world.msp_a, name="x", filters={"msp": 2})
    assert refused.value.code == "invalid_filter"


def test_a_foreign_msp_cannot_get_a_queue(world, acting_as):
    """An MSP outside the actor's scope is refused."""
    with acting_as("technician"), pytest.raises(DomainError):
        save_view(actor=world.user("technician"), msp=world.msp_c, name="x", filters={})
