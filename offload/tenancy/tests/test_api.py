"""The clients, sites, contacts and assets API: roles, isolation, filters, pagination."""

from __future__ import annotations

import pytest

from offload.api.testing import api_as
from offload.tenancy.models import Asset, Client, Contact, Site
from offload.tenancy.tests import factories as tf

pytestmark = pytest.mark.django_db

COLLECTIONS = ["clients", "sites", "contacts", "assets"]
MANAGERS = ["msp_owner", "service_manager"]
READ_ONLY_ON_CLIENTS = ["technician", "finance", "provider_admin", "noc_lead", "noc_agent", "client_admin"]
READ_ONLY_ON_RECORDS = ["finance", "provider_admin", "noc_lead", "noc_agent", "client_admin", "client_user"]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    return [i.get("name") or f"{i.get('first_name')} {i.get('last_name')}" for i in items]


def _all_pages(api, path: str, params: dict) -> list[dict]:
    items, cursor = [], None
    while True:
        body = api.get(path, {**params, **({"cursor": cursor} if cursor else {})}).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.parametrize(
    "role", ["msp_owner", "technician", "finance", "provider_admin", "client_admin", "client_user"]
)
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_lists_never_show_foreign_rows(world, role, collection):
    """No role ever lists a row of another MSP or of a client it does not serve."""
    names = _names(api_as(world.user(role)).get(f"/{collection}", {"limit": 200}))
    if (role, collection) != ("client_user", "assets"):  # no asset is assigned to the client user
        assert names, f"{role} sees no {collection} at all"
    assert not [n for n in names if "FOREIGN" in n]


def test_msp_owner_lists_exactly_their_clients(world):
    """An MSP owner sees all of their MSP's clients, and only those."""
    assert _names(api_as(world.user("msp_owner")).get("/clients")) == ["Alpha One", "Alpha Two"]


def test_provider_sees_only_covered_clients(world):
    """Provider staff see the clients their agreements cover: all of A, only B1 of B."""
    names = _names(api_as(world.user("noc_agent")).get("/clients"))
    assert names == ["Alpha One", "Alpha Two", "Bravo One"]


def test_limited_technician_sees_only_their_clients(world):
    """A technician limited to Alpha One sees neither Alpha Two nor its assets."""
    api = api_as(world.user("technician_limited"))
    assert _names(api.get("/clients")) == ["Alpha One"]
    assert _names(api.get("/assets")) == ["Alpha One Laptop", "Alpha One Server"]


def test_client_user_sees_only_own_contact_and_assets(world):
    """A client user sees their own contact row and the assets assigned to them."""
    api = api_as(world.user("client_user"))
    assert _names(api.get("/contacts")) == [world.contacts["a1"][1].full_name]
    assert _names(api.get("/assets")) == []


@pytest.mark.parametrize(
    ("collection", "model"),
    [
        ("clients", Client),
        ("sites", Site),
        ("contacts", Contact),
        ("assets", Asset),
    ],
)
def test_foreign_ids_answer_404_like_missing_ones(world, system, collection, model):
    """Another tenant's id answers exactly like an id that does not exist."""
    foreign = model.objects.filter(msp=world.msp_c).first()
    missing_id = model.objects.order_by("-pk").first().pk + 1000
    api = api_as(world.user("msp_owner"))
    foreign_response = api.get(f"/{collection}/{foreign.pk}")
    missing_response = api.get(f"/{collection}/{missing_id}")
    assert foreign_response.status_code == missing_response.status_code == 404
    assert foreign_response.json() == missing_response.json()
    assert api.patch(f"/{collection}/{foreign.pk}", {"name": "hijacked"}).status_code == 404
    assert "hijacked" not in str(model.objects.filter(pk=foreign.pk).values().first())


def test_own_rows_can_be_retrieved(world, system):
    """A visible row is returned in full."""
    client = world.clients["a1"]
    body = api_as(world.user("finance")).get(f"/clients/{client.pk}").json()
    assert body["name"] == "Alpha One"
    assert body["email_domains"] == ["alpha-one.example"]


def test_provider_cannot_open_uncovered_client_of_served_msp(world):
    """B2 belongs to an MSP the provider serves, but its agreement does not cover B2: 404."""
    api = api_as(world.user("provider_admin"))
    assert api.get(f"/clients/{world.clients['b2'].pk}").status_code == 404
    assert api.get(f"/clients/{world.clients['b1'].pk}").status_code == 200


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_create_and_update_clients(world, system, role):
    """Owners and service managers add clients to their own MSP and rename them."""
    api = api_as(world.user(role))
    response = api.post("/clients", {"name": f"New by {role}", "email_domains": ["new.example"]})
    assert response.status_code == 201, response.content
    client = Client.objects.get(pk=response.json()["id"])
    assert client.msp_id == world.msp_a.pk
    response = api.patch(f"/clients/{client.pk}", {"name": "Renamed", "is_active": False})
    assert response.status_code == 200
    client.refresh_from_db()
    assert (client.name, client.is_active) == ("Renamed", False)
    assert client.history.first().history_user == world.user(role)


@pytest.mark.parametrize("role", READ_ONLY_ON_CLIENTS)
def test_other_roles_cannot_create_or_change_clients(world, system, role):
    """Technicians, finance, provider staff and client roles only read clients."""
    api = api_as(world.user(role))
    assert api.post("/clients", {"name": f"Sneaky {role}"}).status_code == 403
    response = api.patch(f"/clients/{world.clients['a1'].pk}", {"name": "Changed"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Client.objects.filter(name__startswith="Sneaky").exists()
    assert Client.objects.get(pk=world.clients["a1"].pk).name == "Alpha One"


@pytest.mark.parametrize("role", ["msp_owner", "service_manager", "technician", "technician_limited"])
def test_staff_who_keep_records_create_sites_contacts_assets(world, system, role):
    """Managers and technicians add sites, contacts and assets to clients they see."""
    api = api_as(world.user(role))
    client_id = world.clients["a1"].pk
    site = api.post(
        "/sites", {"client_id": client_id, "name": "Branch", "country": "DE", "time_zone": "Europe/Berlin"}
    )
    assert site.status_code == 201, site.content
    site_id = site.json()["id"]
    contact = api.post(
        "/contacts",
        {
            "client_id": client_id,
            "site_id": site_id,
            "first_name": "Carol",
            "email": "carol@alpha-one.example",
        },
    )
    assert contact.status_code == 201, contact.content
    asset = api.post(
        "/assets",
        {
            "client_id": client_id,
            "site_id": site_id,
            "contact_id": contact.json()["id"],
            "name": "Carol's laptop",
            "kind": "laptop",
            "ip_address": "10.0.0.7",
        },
    )
    assert asset.status_code == 201, asset.content
    assert Asset.objects.get(pk=asset.json()["id"]).msp_id == world.msp_a.pk
    assert api.patch(f"/sites/{site_id}", {"city": "Berlin"}).json()["city"] == "Berlin"
    assert api.patch(f"/contacts/{contact.json()['id']}", {"job_title": "CFO"}).json()["job_title"] == "CFO"
    assert (
        api.patch(f"/assets/{asset.json()['id']}", {"hostname": "carol-lt"}).json()["hostname"] == "carol-lt"
    )


@pytest.mark.parametrize("role", READ_ONLY_ON_RECORDS)
def test_read_only_roles_cannot_write_records(world, system, role):
    """Finance, provider staff and client roles cannot add or edit sites, contacts or assets."""
    api = api_as(world.user(role))
    client_id = world.clients["a1"].pk
    assert api.post("/sites", {"client_id": client_id, "name": "Nope"}).status_code in {403, 422}
    assert api.post("/assets", {"client_id": client_id, "name": "Nope"}).status_code in {403, 422}
    assert not Site.objects.filter(name="Nope").exists()
    assert not Asset.objects.filter(name="Nope").exists()
    contact = world.contacts["a1"][1]
    assert api.patch(f"/contacts/{contact.pk}", {"job_title": "Hacker"}).status_code in {403, 404}
    assert Contact.objects.get(pk=contact.pk).job_title == ""


@pytest.mark.parametrize("collection", ["sites", "contacts", "assets"])
def test_creating_under_a_foreign_client_never_creates(world, system, collection):
    """A client id of another tenant is refused like an unknown one, and nothing is written."""
    before = {m: m.objects.count() for m in (Site, Contact, Asset)}
    body = {"client_id": world.clients["c1"].pk, "name": "Planted", "first_name": "Planted"}
    response = api_as(world.user("msp_owner")).post(f"/{collection}", body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"client_id": ["No such client."]}
    assert {m: m.objects.count() for m in (Site, Contact, Asset)} == before


def test_limited_technician_cannot_create_under_hidden_client(world, system):
    """A technician limited to Alpha One cannot add an asset to Alpha Two."""
    response = api_as(world.user("technician_limited")).post(
        "/assets", {"client_id": world.clients["a2"].pk, "name": "Planted"}
    )
    assert response.status_code == 422
    assert not Asset.objects.filter(name="Planted").exists()


def test_asset_cannot_point_at_another_clients_site(world, system):
    """An asset's site and contact must belong to the asset's client."""
    api = api_as(world.user("msp_owner"))
    other_site = world.clients["a2"].sites.first()
    response = api.post(
        "/assets", {"client_id": world.clients["a1"].pk, "site_id": other_site.pk, "name": "Odd"}
    )
    assert response.status_code == 422
    assert "site_id" in response.json()["error"]["fields"]
    foreign_site = world.clients["c1"].sites.first()
    response = api.post(
        "/assets", {"client_id": world.clients["a1"].pk, "site_id": foreign_site.pk, "name": "Odd"}
    )
    assert response.status_code == 422
    assert not Asset.objects.filter(name="Odd").exists()


def test_filters_and_search(world, system):
    """Lists filter by client, site, kind and activity, and search by text."""
    api = api_as(world.user("msp_owner"))
    a1, a2 = world.clients["a1"], world.clients["a2"]
    assert _names(api.get("/assets", {"client": a2.pk})) == ["Alpha Two Laptop", "Alpha Two Server"]
    assert _names(api.get("/assets", {"site": a1.sites.first().pk, "q": "server"})) == ["Alpha One Server"]
    assert _names(api.get("/sites", {"client": a1.pk})) == ["Alpha One HQ"]
    assert len(_names(api.get("/contacts", {"client": a1.pk}))) == 2
    assert _names(api.get("/clients", {"q": "two"})) == ["Alpha Two"]
    Client.objects.filter(pk=a2.pk).update(is_active=False)
    assert _names(api.get("/clients", {"is_active": "false"})) == ["Alpha Two"]
    tf.AssetFactory(client=a1, msp=world.msp_a, name="Edge firewall", kind="firewall")
    assert _names(api.get("/assets", {"kind": "firewall"})) == ["Edge firewall"]


def test_filtering_by_a_foreign_client_shows_nothing(world):
    """Naming another tenant's client in a filter or search finds nothing."""
    api = api_as(world.user("msp_owner"))
    assert _names(api.get("/assets", {"client": world.clients["c1"].pk})) == []
    assert _names(api.get("/clients", {"q": "FOREIGN"})) == []
    assert _names(api.get("/contacts", {"q": "Charlie"})) == []


def test_cursor_pagination_is_stable_and_complete(world, system):
    """Pages ordered by (name, id) list every row once, even with duplicate names and inserts."""
    client = world.clients["a1"]
    for i in range(7):
        tf.AssetFactory(client=client, msp=world.msp_a, name="Same name" if i % 2 else f"Box {i:02d}")
    api = api_as(world.user("msp_owner"))
    expected = list(Asset.objects.filter(msp=world.msp_a).order_by("name", "pk").values_list("pk", flat=True))

    first = api.get("/assets", {"limit": 3}).json()
    assert len(first["items"]) == 3
    assert first["next_cursor"]
    assert "cursor=" in first["next"]
    # A row inserted before the cursor does not shift the later pages.
    tf.AssetFactory(client=client, msp=world.msp_a, name="AAA inserted meanwhile")
    rest = _all_pages(api, "/assets", {"limit": 3, "cursor": first["next_cursor"]})
    assert [i["id"] for i in first["items"] + rest] == expected

    backwards = _all_pages(api, "/assets", {"limit": 4, "order": "-name"})
    expected_desc = list(
        Asset.objects.filter(msp=world.msp_a).order_by("-name", "-pk").values_list("pk", flat=True)
    )
    assert [i["id"] for i in backwards] == expected_desc


def test_cursor_of_another_ordering_is_refused(world):
    """A cursor made for one ordering cannot be replayed against another."""
    api = api_as(world.user("msp_owner"))
    cursor = api.get("/clients", {"limit": 1}).json()["next_cursor"]
    response = api.get("/clients", {"limit": 1, "cursor": cursor, "order": "-created_at"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_list_query_count_is_fixed(world, django_assert_max_num_queries):
    """A page costs a fixed number of queries whatever its size, and never a COUNT."""
    api = api_as(world.user("msp_owner"))
    api.get("/me")
    with django_assert_max_num_queries(12) as captured:
        api.get("/contacts", {"limit": 200})
    sql = [q["sql"].upper() for q in captured.captured_queries]
    # (The throttle's database cache culls with a COUNT of its own small table; that is not a list.)
    assert not [s for s in sql if "COUNT(" in s and "TENANCY_" in s]
