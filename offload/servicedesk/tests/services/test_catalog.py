"""The MSP's category tree, and the audit trail of ticket changes."""

from __future__ import annotations

import pytest

from offload.core.errors import DomainError, PermissionDenied
from offload.servicedesk.choices import Transition
from offload.servicedesk.models import Category, Ticket
from offload.servicedesk.services import catalog
from offload.servicedesk.services.tickets import open_ticket, transition_ticket

pytestmark = pytest.mark.django_db


def test_category_paths_make_a_subtree_one_prefix_query(world, acting_as):
    """A child's path is its parent's path plus its name, so a subtree is one prefix filter."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        hardware = catalog.create_category(actor=owner, msp=world.msp_a, name="Hardware")
        laptops = catalog.create_category(actor=owner, msp=world.msp_a, name="  Laptops ", parent=hardware)
        catalog.create_category(actor=owner, msp=world.msp_a, name="Software")
        subtree = Category.objects.filter(path__startswith=hardware.path + Category.PATH_SEPARATOR)
        assert laptops.path == "Hardware / Laptops"
        assert list(subtree) == [laptops]
        with pytest.raises(DomainError) as duplicate:
            catalog.create_category(actor=owner, msp=world.msp_a, name="Laptops", parent=hardware)
        assert duplicate.value.code == "duplicate"


def test_categories_are_per_msp_and_managed_by_the_desk_leads(world, acting_as):
    """Another MSP's category tree is invisible, and technicians do not edit the tree."""
    with acting_as("msp_owner"):
        catalog.create_category(actor=world.user("msp_owner"), msp=world.msp_a, name="Network")
    with acting_as("technician"), pytest.raises(PermissionDenied):
        catalog.create_category(actor=world.user("technician"), msp=world.msp_a, name="Printers")
    with acting_as("client_user"):
        assert Category.objects.count() == 1  # the MSP's categories are offered in its portal
    with acting_as("provider_admin"):
        assert Category.objects.count() == 1  # MSP A via the agreement; MSP C's would not be


def test_ticket_history_names_who_changed_it(world, acting_as):
    """Every saved change of a ticket leaves a history row naming the acting user."""
    tech = world.user("technician")
    with acting_as("technician"):
        ticket = open_ticket(actor=tech, client=world.clients["a1"], subject="Audit me")
        transition_ticket(actor=tech, ticket=ticket, transition=Transition.RESOLVE)
        history = list(Ticket.history.filter(id=ticket.pk).order_by("history_date"))
    assert [(h.status, h.history_user) for h in history] == [("new", tech), ("resolved", tech)]
