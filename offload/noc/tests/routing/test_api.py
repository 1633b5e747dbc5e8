"""The routing API: save and read the scope matrix, dry runs, versions with diffs, overrides, rules."""

from __future__ import annotations

import pytest

from offload.api.testing import api_as
from offload.servicedesk.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_owner_saves_dry_runs_and_reads_versions(world, catalog):
    """An owner saves two versions, dry-runs a draft, and reads what the second version changed."""
    api = api_as(world.user("msp_owner"))
    TicketFactory(client=world.clients["a1"], category=catalog["server"])
    first = api.post(
        "/scope-matrix",
        {"rules": [{"category_id": catalog["server"].pk, "decision": "needs_approval"}], "note": "start"},
    )
    assert first.status_code == 201, first.content
    draft = {"rules": [{"category_id": catalog["server"].pk, "decision": "in_scope"}], "days": 7}
    dry = api.post("/scope-matrix/dry-run", draft)
    assert dry.status_code == 200, dry.content
    assert dry.json()["changed"] == [{"current": "needs_approval", "draft": "in_scope", "tickets": 1}]
    second = api.post("/scope-matrix", {**draft, "note": "servers to the NOC"})
    assert second.json()["number"] == 2
    current = api.get("/scope-matrix").json()
    assert current["rules"][0]["decision"] == "in_scope"
    versions = api.get("/scope-matrix/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    detail = api.get(f"/scope-matrix/versions/{second.json()['id']}").json()
    assert detail["changes"] == [
        {
            "change": "changed",
            "category_id": catalog["server"].pk,
            "category": "Server change",
            "asset_kind": "",
            "before": "needs_approval",
            "after": "in_scope",
        }
    ]


def test_client_override_is_listed(world, catalog):
    """A client's override is saved with client_id and listed under overrides."""
    api = api_as(world.user("service_manager"))
    body = {
        "client_id": world.clients["a2"].pk,
        "rules": [{"category_id": catalog["printer"].pk, "decision": "escalate"}],
    }
    assert api.post("/scope-matrix", body).status_code == 201
    assert api.get("/scope-matrix/overrides").json()[0]["client_name"] == "Alpha Two"


def test_technician_reads_but_cannot_save_and_clients_cannot_read(world, catalog):
    """Technicians read the matrix but may not change it; client people never see it."""
    body = {"rules": [{"category_id": catalog["printer"].pk, "decision": "in_scope"}]}
    assert api_as(world.user("technician")).get("/scope-matrix").status_code == 200
    assert api_as(world.user("technician")).post("/scope-matrix", body).status_code == 403
    assert api_as(world.user("client_admin")).get("/scope-matrix").status_code == 403


def test_foreign_ids_are_refused(world, catalog):
    """Another MSP's category in a body is a 422; another MSP's rule in a path is a 404."""
    foreign = CategoryFactory(msp=world.msp_c, name="FOREIGN", path="FOREIGN")
    api = api_as(world.user("msp_owner"))
    refused = api.post("/scope-matrix", {"rules": [{"category_id": foreign.pk, "decision": "in_scope"}]})
    assert refused.status_code in (400, 422)
    assert api.get("/routing-rules/999999").status_code == 404


def test_routing_rules_round_trip(world, catalog):
    """A routing rule is created, listed, dry-run and deleted through the API."""
    api = api_as(world.user("msp_owner"))
    TicketFactory(client=world.clients["a1"], subject="server down")
    rule = {"name": "Servers", "team_id": catalog["infra"].pk, "keywords": ["server"]}
    created = api.post("/routing-rules", rule)
    assert created.status_code == 201, created.content
    assert [r["name"] for r in api.get("/routing-rules").json()["items"]] == ["Servers"]
    dry = api.post(
        "/routing-rules/dry-run", {**rule, "name": "Desk", "team_id": catalog["desk"].pk, "position": 0}
    )
    assert dry.json()["counts"] == {str(catalog["desk"].pk): 1}
    assert api.client.delete(f"/api/v1/routing-rules/{created.json()['id']}").status_code == 204
