"""Each role's home, the navigation it sees, and the membership switcher."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offload.accounts.acting import SESSION_KEY
from offload.accounts.choices import Role
from offload.accounts.tests.factories import MembershipFactory
from offload.tenancy.tests import factories as tf

pytestmark = pytest.mark.django_db


def test_provider_home_lists_msps_served_with_covered_client_counts(as_role):
    """Provider staff see the MSPs they serve, each agreement's status and how many clients it covers."""
    page = as_role("noc_agent").get("/")
    served = {row.agreement.msp.name: row for row in page.context["served"]}
    assert set(served) == {"Acme IT", "Bravo MSP"}
    assert served["Acme IT"].covered_clients == 2  # covers all of A's clients
    assert served["Bravo MSP"].covered_clients == 1  # covers B1 only
    html = page.content.decode()
    assert "FOREIGN" not in html
    assert "NOC queue" in html
    assert "Agents" in html
    assert "API tokens" not in html


def test_msp_home_counts_each_clients_sites_contacts_and_assets(as_role, world):
    """MSP staff land on a dashboard listing their clients with site, contact and asset counts."""
    page = as_role("service_manager").get("/")
    rows = {c.name: (c.site_count, c.contact_count, c.asset_count) for c in page.context["page"].rows}
    assert rows == {"Alpha One": (1, 2, 2), "Alpha Two": (1, 2, 2)}
    assert page.context["totals"] == {"clients": 2, "sites": 2, "contacts": 4, "assets": 4}
    html = page.content.decode()
    assert "FOREIGN" not in html
    assert "Bravo" not in html
    assert "API tokens" in html
    assert "NOC queue" not in html


def test_msp_home_costs_the_same_queries_for_many_clients(as_role, world):
    """The dashboard's query count does not grow with the number of clients, sites or contacts."""
    http = as_role("msp_owner")
    http.get("/")  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as few:
        http.get("/")
    for i in range(8):
        client = tf.ClientFactory(msp=world.msp_a, name=f"Extra {i}")
        tf.SiteFactory(client=client)
        tf.ContactFactory(client=client)
        tf.AssetFactory(client=client)
    with CaptureQueriesContext(connection) as many:
        page = http.get("/")
    assert len(page.context["page"].rows) == 10
    assert len(many) == len(few)


def test_limited_technician_home_shows_only_their_clients(as_role):
    """A technician limited to some clients sees only those on the dashboard."""
    page = as_role("technician_limited").get("/")
    assert [c.name for c in page.context["page"].rows] == ["Alpha One"]


@pytest.mark.parametrize("key", ["client_admin", "client_user"])
def test_client_roles_are_sent_to_their_portal(as_role, world, key):
    """Client users never get the staff console: home redirects to their MSP's portal."""
    response = as_role(key).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/{world.msp_a.brand.portal_slug}/"


@pytest.mark.parametrize("path", ["/clients/", "/assets/", "/noc/", "/settings/"])
def test_client_roles_cannot_open_console_pages(as_role, path):
    """Console pages refuse client users even when they type the address."""
    assert as_role("client_admin").get(path).status_code == 403


def test_provider_pages_refuse_msp_staff_and_msp_pages_refuse_provider_staff(as_role):
    """Provider-only and MSP-only pages check the acting role on the server."""
    assert as_role("msp_owner").get("/agents/").status_code == 403
    assert as_role("noc_lead").get("/settings/").status_code == 403
    agents = as_role("noc_lead").get("/agents/")
    assert agents.status_code == 200
    assert {m.user.email for m in agents.context["agents"]} == {
        "provider_admin@people.example",
        "noc_lead@people.example",
        "noc_agent@people.example",
    }


def test_switching_to_another_own_membership_changes_the_console(as_role, world):
    """A user with two memberships picks one; the console then shows that role's home."""
    user = world.user("msp_owner")
    agent = MembershipFactory(user=user, role=Role.NOC_AGENT, provider=world.provider)
    http = as_role("msp_owner")
    assert "Dashboard" in http.get("/").content.decode()
    response = http.post("/acting/switch/", {"membership": agent.pk})
    assert response.status_code == 302
    assert http.session[SESSION_KEY] == agent.pk
    home = http.get("/")
    assert home.context["acting"].membership == agent
    assert "MSPs served" in home.content.decode()


def test_switching_to_someone_elses_membership_is_refused(as_role, world):
    """The switcher only accepts the user's own memberships; another user's id is not found."""
    other = world.user("noc_agent").memberships.get()
    http = as_role("msp_owner")
    assert http.post("/acting/switch/", {"membership": other.pk}).status_code == 404
    assert http.post("/acting/switch/", {"membership": "x"}).status_code == 404
    assert SESSION_KEY not in http.session
    assert http.get("/").context["acting"].membership.role == Role.MSP_OWNER


def test_switch_requires_post(as_role, world):
    """The switcher changes state, so a GET (a link, a prefetch) does nothing."""
    assert as_role("msp_owner").get("/acting/switch/").status_code == 405
