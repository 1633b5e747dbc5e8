"""Routing rules: first match wins for the owning team, and a draft rule's dry run."""

from __future__ import annotations

import pytest

from offload.noc.services.routing import (
    RuleSpec,
    create_routing_rule,
    dry_run_routing,
    owning_rule,
    route_ticket,
)
from offload.servicedesk.models import Ticket
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def test_first_matching_rule_sets_the_team(world, catalog, acting_as):
    """Rules run in order; keywords match the subject; the routed ticket gets that team."""
    owner = world.user("msp_owner")
    client = world.clients["a1"]
    with acting_as("msp_owner"):
        servers = create_routing_rule(
            actor=owner,
            msp_id=world.msp_a.pk,
            spec=RuleSpec(
                name="Servers", team_id=catalog["infra"].pk, keywords=["server", "VPN"], position=1
            ),
        )
        everything = create_routing_rule(
            actor=owner,
            msp_id=world.msp_a.pk,
            spec=RuleSpec(name="Rest", team_id=catalog["desk"].pk, position=2),
        )
        vpn = TicketFactory(client=client, subject="The VPN is down")
        mouse = TicketFactory(client=client, subject="Mouse broken")
        assert owning_rule(vpn) == servers
        assert owning_rule(mouse) == everything
    with system_scope("routing is system work", msp_id=world.msp_a.pk):
        route_ticket(ticket=vpn)
        assert Ticket.objects.get(pk=vpn.pk).team == catalog["infra"]


def test_routing_dry_run_counts_teams_with_the_draft(world, catalog, acting_as):
    """A draft rule's dry run shows how many recent tickets would change team, without saving it."""
    owner = world.user("msp_owner")
    client = world.clients["a1"]
    with acting_as("msp_owner"):
        create_routing_rule(
            actor=owner,
            msp_id=world.msp_a.pk,
            spec=RuleSpec(name="Rest", team_id=catalog["desk"].pk, position=5),
        )
        for subject in ("server reboot", "server disk full", "printer jam"):
            TicketFactory(client=client, subject=subject)
        result = dry_run_routing(
            actor=owner,
            msp_id=world.msp_a.pk,
            spec=RuleSpec(name="Servers", team_id=catalog["infra"].pk, keywords=["server"], position=1),
        )
    assert result.total == 3
    assert result.counts == {catalog["infra"].pk: 2, catalog["desk"].pk: 1}
    assert result.changed == {(catalog["desk"].pk, catalog["infra"].pk): 2}
    assert len(result.sample) == 2
