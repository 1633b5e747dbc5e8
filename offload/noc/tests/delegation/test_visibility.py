"""Who reads what on a delegated ticket: provider notes, MSP notes, delegation events, clients."""

from __future__ import annotations

import pytest

from offload.core.errors import DomainError
from offload.noc.services import delegation as svc
from offload.servicedesk.choices import Visibility
from offload.servicedesk.models import TicketEntry
from offload.servicedesk.services import entries

pytestmark = pytest.mark.django_db


def bodies(acting_as, key, ticket) -> set[str]:
    with acting_as(key):
        return set(TicketEntry.objects.filter(ticket=ticket).exclude(body="").values_list("body", flat=True))


def test_notes_stay_with_their_side_unless_shared(acting_as, ticket, world):
    """MSP notes never reach the NOC; NOC notes reach the MSP only once shared; clients see neither."""
    with acting_as("technician"):
        entries.add_note(actor=world.user("technician"), ticket=ticket, body="MSP only: client owes us money")
        svc.offer_delegation(actor=world.user("technician"), ticket=ticket, note="Reset the token")
    with acting_as("noc_agent"):
        noc_note = entries.add_note(
            actor=world.user("noc_agent"), ticket=ticket, body="NOC: used the runbook"
        )
        kept = entries.add_note(
            actor=world.user("noc_agent"),
            ticket=ticket,
            body="NOC only: shift handover",
            visibility=Visibility.PROVIDER_INTERNAL,
        )
    assert noc_note.visibility == Visibility.PROVIDER_INTERNAL
    assert kept.visibility == Visibility.PROVIDER_INTERNAL

    assert bodies(acting_as, "noc_agent", ticket) == {"NOC: used the runbook", "NOC only: shift handover"}
    assert bodies(acting_as, "technician", ticket) == {"MSP only: client owes us money"}
    with acting_as("noc_agent"):
        entries.share_note(actor=world.user("noc_agent"), entry=noc_note)
    assert bodies(acting_as, "technician", ticket) == {
        "MSP only: client owes us money",
        "NOC: used the runbook",
    }
    assert bodies(acting_as, "noc_agent", ticket) == {"NOC: used the runbook", "NOC only: shift handover"}
    assert bodies(acting_as, "client_admin", ticket) == set()


def test_delegation_events_reach_both_staff_sides_but_never_the_client(acting_as, ticket, world):
    """The NOC and the MSP both read the delegation timeline; the client reads nothing of it."""
    with acting_as("technician"):
        svc.offer_delegation(actor=world.user("technician"), ticket=ticket, note="Please look")
    for key, expected in [("technician", 1), ("noc_agent", 1), ("client_admin", 0)]:
        with acting_as(key):
            seen = TicketEntry.objects.filter(ticket=ticket, event="delegation.offered").count()
        assert seen == expected, key


def test_only_provider_staff_share_and_only_provider_notes(acting_as, ticket, world):
    """The MSP cannot share (or write) provider notes, and an MSP note cannot be shared."""
    with acting_as("technician"):
        msp_note = entries.add_note(actor=world.user("technician"), ticket=ticket, body="internal")
        with pytest.raises(DomainError) as exc:
            entries.add_note(
                actor=world.user("technician"),
                ticket=ticket,
                body="x",
                visibility=Visibility.PROVIDER_INTERNAL,
            )
        assert exc.value.code == "invalid_visibility"
        with pytest.raises(DomainError) as exc:
            entries.share_note(actor=world.user("technician"), entry=msp_note)
        assert exc.value.code == "permission_denied"
