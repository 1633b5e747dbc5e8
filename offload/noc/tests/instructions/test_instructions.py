"""Standing instructions: where they apply, versions on every change, acknowledgement per version."""

from __future__ import annotations

import datetime as dt

import pytest

from offload.core.errors import DomainError, PermissionDenied
from offload.noc.models import InstructionVersion, StandingInstruction
from offload.noc.selectors.instructions import instructions_for_ticket, no_reboot_now
from offload.noc.services.instructions import (
    InstructionFlags,
    Target,
    acknowledge_instruction,
    create_instruction,
    update_instruction,
)
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.models import Asset, Site
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests import factories as tf

pytestmark = pytest.mark.django_db


def ticket_of(world, key="a1", **fields) -> Ticket:
    with system_scope("test setup"):
        fields.setdefault("contact", world.contacts[key][1])
        return TicketFactory(client=world.clients[key], **fields)


def titles(ticket: Ticket) -> list[str]:
    with system_scope("test assertions"):
        ticket = Ticket.objects.select_related("asset", "contact").get(pk=ticket.pk)
        return sorted(i.title for i in instructions_for_ticket(ticket).instructions)


MSP_WIDE = Target()


def write(acting_as, world, title, target=MSP_WIDE, **flags) -> StandingInstruction:
    with acting_as("service_manager"):
        return create_instruction(
            actor=world.user("service_manager"), target=target, title=title, flags=InstructionFlags(**flags)
        )


def test_a_site_instruction_shows_on_tickets_at_that_site_only(world, acting_as):
    """A site's instruction shows on its tickets (also through the ticket's asset), not elsewhere."""
    with system_scope("test setup"):
        hq = Site.objects.get(client=world.clients["a1"])
        branch = tf.SiteFactory(client=world.clients["a1"], msp=world.msp_a, name="Branch")
        server = Asset.objects.filter(client=world.clients["a1"], name__endswith="Server").get()
    write(acting_as, world, "Badge needed at HQ", Target(site=hq))
    assert titles(ticket_of(world, site=hq)) == ["Badge needed at HQ"]
    assert titles(ticket_of(world, site=None, contact=None, asset=server)) == ["Badge needed at HQ"]
    with system_scope("test setup"):
        elsewhere = TicketFactory(client=world.clients["a1"], contact=None, site=branch)
    assert titles(elsewhere) == []


def test_an_asset_instruction_shows_on_that_assets_tickets(world, acting_as):
    """An asset's instruction shows on tickets about that asset and no other."""
    with system_scope("test setup"):
        laptop, server = Asset.objects.filter(client=world.clients["a1"]).order_by("name")
    write(
        acting_as,
        world,
        "Never reboot the server",
        Target(asset=server),
        no_reboot_start=dt.time(8),
        no_reboot_end=dt.time(18),
    )
    assert titles(ticket_of(world, asset=server)) == ["Never reboot the server"]
    assert titles(ticket_of(world, asset=laptop)) == []


def test_levels_combine_msp_client_contact(world, acting_as):
    """MSP-wide, client and contact instructions show on that contact's ticket; another client's sees one."""
    write(acting_as, world, "Sign replies with the MSP name")
    write(acting_as, world, "Alpha One is on a strict change freeze", Target(client=world.clients["a1"]))
    write(acting_as, world, "The CEO", Target(contact=world.contacts["a1"][1]), is_vip=True)
    assert titles(ticket_of(world)) == [
        "Alpha One is on a strict change freeze",
        "Sign replies with the MSP name",
        "The CEO",
    ]
    assert titles(ticket_of(world, "a2")) == ["Sign replies with the MSP name"]


def test_noc_staff_see_msp_wide_instructions_on_partially_covered_msps(world, acting_as):
    """Bravo's NOC agreement covers one client only; its MSP-wide instruction still shows there."""
    with system_scope("Bravo writes one"):
        StandingInstruction.objects.create(
            msp=world.msp_b, level="msp", title="Bravo: call before any change"
        )
    ticket = ticket_of(world, "b1")
    with acting_as("noc_agent"):
        ticket = Ticket.objects.select_related("asset", "contact").get(pk=ticket.pk)
        assert [i.title for i in instructions_for_ticket(ticket).instructions] == [
            "Bravo: call before any change"
        ]


def test_editing_creates_a_version_and_unchanged_edits_do_not(world, acting_as):
    """Each real change is a new version with its author; saving the same content writes nothing."""
    instruction = write(acting_as, world, "Call Dana before onsite", call_before_onsite_name="Dana")
    with acting_as("technician"):
        updated = update_instruction(
            actor=world.user("technician"),
            instruction=instruction,
            title="Call Dana before onsite",
            text="Mobile only",
            flags=InstructionFlags(call_before_onsite_name="Dana", call_before_onsite_phone="+49 170 1"),
        )
        again = update_instruction(
            actor=world.user("technician"), instruction=updated, title=updated.title, text=updated.text,
            flags=InstructionFlags(call_before_onsite_name="Dana", call_before_onsite_phone="+49 170 1"),
        )  # fmt: skip
    assert again.version == 2
    with system_scope("test assertions"):
        versions = list(InstructionVersion.objects.filter(instruction=instruction).order_by("number"))
    assert [(v.number, v.author, v.text) for v in versions] == [
        (1, world.user("service_manager"), ""),
        (2, world.user("technician"), "Mobile only"),
    ]
    assert versions[1].flags["call_before_onsite_phone"] == "+49 170 1"


def test_only_msp_staff_write_instructions(world, acting_as):
    """NOC agents and client users read instructions but may not write them."""
    for key in ("noc_agent", "client_admin"):
        with acting_as(key), pytest.raises(PermissionDenied):
            create_instruction(actor=world.user(key), target=Target(client=world.clients["a1"]), title="x")


def test_a_window_needs_both_ends(world, acting_as):
    """A no-reboot window with only a start is refused."""
    with pytest.raises(DomainError):
        write(acting_as, world, "Half a window", no_reboot_start=dt.time(9))


def test_acknowledgement_is_per_version(world, acting_as):
    """An agent's acknowledgement counts until the instruction changes; then it is unacknowledged again."""
    instruction = write(
        acting_as, world, "VIP: the CEO", Target(contact=world.contacts["a1"][1]), is_vip=True
    )
    ticket = ticket_of(world)
    with acting_as("noc_agent"):
        ticket = Ticket.objects.select_related("asset", "contact").get(pk=ticket.pk)
        assert [i.title for i in instructions_for_ticket(ticket).unacknowledged] == ["VIP: the CEO"]
        acknowledge_instruction(actor=world.user("noc_agent"), instruction=instruction, ticket=ticket)
        acknowledge_instruction(actor=world.user("noc_agent"), instruction=instruction, ticket=ticket)
        assert instructions_for_ticket(ticket).unacknowledged == []
    with acting_as("service_manager"):
        update_instruction(
            actor=world.user("service_manager"), instruction=instruction, title="VIP: the CEO and the CFO",
            text="", flags=InstructionFlags(is_vip=True),
        )  # fmt: skip
    with acting_as("noc_agent"):
        state = instructions_for_ticket(ticket)
        assert [i.title for i in state.unacknowledged] == ["VIP: the CEO and the CFO"]
    with system_scope("test assertions"):
        events = TicketEntry.objects.filter(ticket=ticket, event="instruction.acknowledged").count()
    assert events == 1


def test_an_instruction_of_another_ticket_cannot_be_acknowledged(world, acting_as):
    """Acknowledging an instruction on a ticket it does not apply to is refused."""
    instruction = write(acting_as, world, "Alpha Two only", Target(client=world.clients["a2"]))
    ticket = ticket_of(world)
    with acting_as("noc_agent"), pytest.raises(DomainError):
        acknowledge_instruction(actor=world.user("noc_agent"), instruction=instruction, ticket=ticket)


def test_no_reboot_window_wraps_past_midnight_in_its_zone():
    """A 22:00-06:00 Berlin window is open at 23:30 and 05:00 Berlin time, closed at noon."""
    rule = StandingInstruction(
        no_reboot_start=dt.time(22), no_reboot_end=dt.time(6), no_reboot_zone="Europe/Berlin"
    )
    berlin_winter = dt.timezone(dt.timedelta(hours=1))
    assert no_reboot_now(rule, dt.datetime(2026, 1, 5, 23, 30, tzinfo=berlin_winter))
    assert no_reboot_now(rule, dt.datetime(2026, 1, 6, 5, 0, tzinfo=berlin_winter))
    assert not no_reboot_now(rule, dt.datetime(2026, 1, 6, 12, 0, tzinfo=berlin_winter))
