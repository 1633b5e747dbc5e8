"""The console's client, site, contact and asset pages: search, paging, access, writes, history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from offload.tenancy.filtersets import PAGE_SIZE, encode_cursor
from offload.tenancy.models import Asset, Client, Site
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests import factories as tf

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(world, settings):
    """A test client signed in as the world's user for a role key (MFA enrolment tested elsewhere)."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False

    def sign_in(key: str) -> HttpClient:
        http = HttpClient()
        http.force_login(world.user(key))
        return http

    return sign_in


def names(response) -> list[str]:
    return [str(row) for row in response.context["page"].rows]


def test_client_search_matches_every_word(as_role):
    """Searching 'alpha two' finds the client whose name has both words, case-insensitively."""
    assert names(as_role("msp_owner").get("/clients/", {"q": "ALPHA two"})) == ["Alpha Two"]


def test_search_as_you_type_answers_rows_only(as_role):
    """htmx requests get just the table rows, not the whole page."""
    response = as_role("msp_owner").get("/clients/", {"q": "one"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<tr>" in html
    assert "Alpha One" in html
    assert "<html" not in html
    assert "Alpha Two" not in html


def test_search_never_finds_another_tenants_rows(as_role):
    """Searching for a foreign client's name finds nothing, in every list."""
    http = as_role("msp_owner")
    for path in ("/clients/", "/sites/", "/contacts/", "/assets/"):
        response = http.get(path, {"q": "Charlie"})  # every row of MSP C says "FOREIGN Charlie"
        assert names(response) == [], path
        assert "FOREIGN" not in response.content.decode(), path


def test_keyset_pages_walk_every_client_once_at_a_fixed_query_cost(as_role, world):
    """Paging through many clients shows each exactly once, and page 3 costs what page 1 costs."""
    for i in range(PAGE_SIZE * 2 + 5):
        tf.ClientFactory(msp=world.msp_a, name=f"Client {i:03d}")
    http = as_role("msp_owner")
    http.get("/clients/")
    seen, cursor, costs = [], "", []
    while True:
        with CaptureQueriesContext(connection) as queries:
            response = http.get("/clients/", {"after": cursor} if cursor else {})
        costs.append(len(queries))
        seen += names(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    with system_scope("test assertion"):
        expected = list(
            Client.objects.filter(msp=world.msp_a).order_by("name", "id").values_list("name", flat=True)
        )
    assert seen == expected
    assert len(costs) == 3
    assert len(set(costs)) == 1, costs


def test_show_more_returns_the_next_rows_and_its_own_button(as_role, world):
    """The 'show more' request answers the next page's rows followed by a new 'show more' row."""
    for i in range(PAGE_SIZE + 3):
        tf.ClientFactory(msp=world.msp_a, name=f"Client {i:03d}")
    http = as_role("msp_owner")
    first = http.get("/clients/")
    assert 'id="show-more"' in first.content.decode()
    more = http.get("/clients/", {"after": first.context["page"].next_cursor}, HTTP_HX_REQUEST="true")
    assert len(more.context["page"].rows) == 5
    assert 'id="show-more"' not in more.content.decode()


def test_a_tampered_cursor_starts_from_the_first_page(as_role):
    """A malformed or hostile cursor is ignored rather than failing."""
    http = as_role("msp_owner")
    for cursor in ("!!!", encode_cursor(["a"]), encode_cursor([{"x": 1}, 2]), "e30"):
        assert names(http.get("/clients/", {"after": cursor})) == ["Alpha One", "Alpha Two"]


def test_foreign_and_missing_objects_are_the_same_404(as_role, world):
    """Another MSP's client, site, contact or asset answers 404 like an id that does not exist."""
    http = as_role("msp_owner")
    foreign = world.clients["c1"]
    with system_scope("test assertion"):
        site = Site.objects.get(client=foreign)
        asset = Asset.objects.filter(client=foreign).first()
    contact = world.contacts["c1"][0]
    for path in (
        f"/clients/{foreign.pk}/",
        f"/clients/{foreign.pk}/edit/",
        f"/clients/{foreign.pk}/?tab=history",
        f"/sites/{site.pk}/",
        f"/contacts/{contact.pk}/",
        f"/assets/{asset.pk}/",
        f"/assets/{asset.pk}/edit/",
        "/clients/999999/",
        f"/sites/?client={foreign.pk}",
        "/sites/?client=abc",
    ):
        assert http.get(path).status_code == 404, path


def test_limited_technician_cannot_open_other_clients_of_their_msp(as_role, world):
    """A technician limited to Alpha One gets 404 for Alpha Two, which they are not assigned to."""
    http = as_role("technician_limited")
    assert http.get(f"/clients/{world.clients['a1'].pk}/").status_code == 200
    assert http.get(f"/clients/{world.clients['a2'].pk}/").status_code == 404


def test_provider_staff_see_only_covered_clients(as_role, world):
    """A NOC agent sees MSP B's covered client but not its uncovered one."""
    http = as_role("noc_agent")
    assert http.get(f"/clients/{world.clients['b1'].pk}/").status_code == 200
    assert http.get(f"/clients/{world.clients['b2'].pk}/").status_code == 404


def test_owner_adds_a_client_and_it_is_in_their_msp(as_role, world):
    """An MSP owner adds a client; it belongs to their MSP and opens on its own page."""
    response = as_role("msp_owner").post(
        "/clients/new/",
        {"name": "Gamma GmbH", "email_domains": "gamma.example, @gamma.de", "is_active": "on"},
    )
    assert response.status_code == 302
    with system_scope("test assertion"):
        client = Client.objects.get(name="Gamma GmbH")
    assert client.msp_id == world.msp_a.pk
    assert client.email_domains == ["gamma.example", "gamma.de"]
    assert response["Location"] == f"/clients/{client.pk}/"


def test_duplicate_client_name_is_a_form_error(as_role):
    """Two clients of one MSP cannot share a name (case-insensitive); the form says so."""
    response = as_role("msp_owner").post("/clients/new/", {"name": "alpha one"})
    assert response.status_code == 400
    assert "already has this name" in response.content.decode()


@pytest.mark.parametrize("key", ["technician", "finance", "noc_lead"])
def test_roles_without_client_management_cannot_add_or_edit_clients(as_role, world, key):
    """Technicians, finance and provider staff cannot add or change clients, even by posting directly."""
    http = as_role(key)
    a1 = world.clients["a1"]
    assert http.post("/clients/new/", {"name": "Sneaky"}).status_code == 403
    assert http.post(f"/clients/{a1.pk}/edit/", {"name": "Renamed"}).status_code == 403
    a1.refresh_from_db()
    assert a1.name == "Alpha One"
    assert 'id="edit-button"' not in http.get(f"/clients/{a1.pk}/").content.decode()


def test_technician_adds_a_site_and_an_asset(as_role, world):
    """Technicians maintain sites and assets of the clients they see."""
    http = as_role("technician")
    a1 = world.clients["a1"]
    response = http.post("/sites/new/", {"client": a1.pk, "name": "Warehouse", "country": "DE"})
    assert response.status_code == 302
    with system_scope("test assertion"):
        site = Site.objects.get(name="Warehouse")
    assert (site.client_id, site.msp_id) == (a1.pk, world.msp_a.pk)
    response = http.post(
        "/assets/new/", {"client": a1.pk, "site": site.pk, "name": "WH-PRN-01", "kind": "printer"}
    )
    assert response.status_code == 302


def test_finance_cannot_change_records(as_role, world):
    """Finance staff read sites, contacts and assets but cannot change them."""
    http = as_role("finance")
    contact = world.contacts["a1"][0]
    assert http.get(f"/contacts/{contact.pk}/").status_code == 200
    assert http.post(f"/contacts/{contact.pk}/edit/", {"first_name": "X"}).status_code == 403
    assert (
        http.post("/contacts/new/", {"client": world.clients["a1"].pk, "first_name": "X"}).status_code == 403
    )


def test_an_asset_cannot_point_at_another_clients_site(as_role, world):
    """Choosing a site of Alpha Two for an asset of Alpha One is refused with a form error."""
    with system_scope("test assertion"):
        other_site = Site.objects.get(client=world.clients["a2"])
    response = as_role("msp_owner").post(
        "/assets/new/",
        {"client": world.clients["a1"].pk, "site": other_site.pk, "name": "Mixed", "kind": "server"},
    )
    assert response.status_code == 400
    assert "belongs to another client" in response.content.decode()


def test_a_record_cannot_be_created_for_a_foreign_client(as_role, world):
    """Posting another MSP's client id is refused like an unknown choice."""
    response = as_role("msp_owner").post("/sites/new/", {"client": world.clients["c1"].pk, "name": "Evil"})
    assert response.status_code == 400
    with system_scope("test assertion"):
        assert not Site.objects.filter(name="Evil").exists()


def test_history_shows_who_changed_which_field(as_role, world):
    """After an edit, the History tab names the person and shows the old and new value."""
    http = as_role("service_manager")
    a1 = world.clients["a1"]
    response = http.post(f"/clients/{a1.pk}/edit/", {"name": "Alpha One AG", "phone": "+41 44 000 00 00"})
    assert response.status_code == 302
    history = http.get(f"/clients/{a1.pk}/", {"tab": "history"})
    latest = history.context["history"][0]
    assert latest.who == str(world.user("service_manager"))
    assert latest.action == "Changed"
    changes = {c.label: (c.old, c.new) for c in latest.changes}
    assert changes["Name"] == ("Alpha One", "Alpha One AG")
    assert changes["Phone"] == ("—", "+41 44 000 00 00")
    assert history.context["history"][-1].action == "Created"


def test_history_names_related_records(as_role, world):
    """A changed site on an asset shows site names, not ids."""
    http = as_role("technician")
    a1 = world.clients["a1"]
    with system_scope("test assertion"):
        asset = Asset.objects.filter(client=a1, site__isnull=False).first()
    new_site = tf.SiteFactory(client=a1, name="Annex")
    response = http.post(
        f"/assets/{asset.pk}/edit/", {"name": asset.name, "kind": asset.kind, "site": new_site.pk}
    )
    assert response.status_code == 302
    latest = http.get(f"/assets/{asset.pk}/", {"tab": "history"}).context["history"][0]
    assert {c.label: (c.old, c.new) for c in latest.changes}["Site"] == ("Alpha One HQ", "Annex")


def test_client_detail_tabs_list_its_records(as_role, world):
    """A client's page lists its sites, contacts and assets on their tabs."""
    http = as_role("msp_owner")
    a1 = world.clients["a1"]
    assert names(http.get(f"/clients/{a1.pk}/", {"tab": "sites"})) == ["Alpha One HQ"]
    assert names(http.get(f"/clients/{a1.pk}/", {"tab": "contacts"})) == [
        str(c) for c in sorted(world.contacts["a1"], key=lambda c: (c.last_name, c.first_name, c.pk))
    ]
    assert set(names(http.get(f"/clients/{a1.pk}/", {"tab": "assets"}))) == {
        "Alpha One Laptop",
        "Alpha One Server",
    }


@pytest.mark.parametrize("key", ["client_admin", "client_user"])
def test_client_people_never_see_audit_history(as_role, world, key):
    """History is for staff: a client's own people cannot open it, not even for their own client."""
    a1 = world.clients["a1"]
    contact = world.contacts["a1"][0]
    http = as_role(key)
    assert http.get(f"/clients/{a1.pk}/", {"tab": "history"}).status_code == 403
    assert http.get(f"/contacts/{contact.pk}/", {"tab": "history"}).status_code == 403
