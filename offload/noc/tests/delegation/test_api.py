"""The delegation API: offer and transitions with the services' codes, filters, terms, sharing."""

from __future__ import annotations

import pytest

from offload.api.testing import api_as
from offload.tenancy.models import ServiceAgreement
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def test_offer_transitions_and_list_over_the_api(ticket, world):
    """A technician offers, the NOC accepts and completes, the technician approves; codes on refusals."""
    tech, noc = api_as(world.user("technician")), api_as(world.user("noc_agent"))
    response = tech.post("/delegations", {"ticket_id": ticket.pk, "note": "Please"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "offered"
    assert [c["kind"] for c in body["clocks"]] == ["accept", "respond", "resolve"]
    d = body["id"]
    again = tech.post("/delegations", {"ticket_id": ticket.pk})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "already_delegated"
    refused = tech.post(f"/delegations/{d}/transitions", {"transition": "accept"})
    assert refused.status_code == 403
    assert noc.post(f"/delegations/{d}/transitions", {"transition": "accept"}).json()["state"] == "accepted"
    bad = noc.post(f"/delegations/{d}/transitions", {"transition": "return", "note": "x"})
    assert bad.json()["error"]["code"] == "invalid_reason"
    noc.post(f"/delegations/{d}/transitions", {"transition": "complete", "note": "done"})
    assert tech.get("/delegations", {"state": "completed", "mine": "true"}).json()["items"][0]["id"] == d
    assert noc.get("/delegations", {"mine": "true"}).json()["items"] == []
    approved = tech.post(f"/delegations/{d}/transitions", {"transition": "approve"})
    assert approved.json()["state"] == "approved"
    assert api_as(world.user("client_admin")).get(f"/delegations/{d}").status_code == 404


def test_terms_read_and_update(world):
    """Provider admins change terms; MSP managers read them; others may not change them."""
    with system_scope("test"):
        agreement = ServiceAgreement.objects.get(msp=world.msp_a)
    url = f"/agreements/{agreement.pk}/terms"
    admin = api_as(world.user("provider_admin"))
    assert admin.get(url).json()["ola_targets"]["p1"]["accept"] == 15
    changed = admin.patch(
        url, {"coverage": "24x7", "auto_accept": True, "ola_targets": {"p1": {"accept": 5}}}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["ola_targets"]["p1"] == {"accept": 5, "respond": 30, "resolve": 240}
    assert api_as(world.user("service_manager")).get(url).json()["coverage"] == "24x7"
    assert api_as(world.user("noc_agent")).patch(url, {"auto_accept": False}).status_code == 403
    assert api_as(world.user("technician")).get(url).status_code == 403
