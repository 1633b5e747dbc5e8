"""Which portal a request reaches: by host name (case, port, unknown, inactive) or by path."""

from __future__ import annotations

import pytest

from offload.portal.tests.conftest import ACME_HOST, BRAVO_HOST, Portals
from offload.tenancy.models import MSP, PortalHost
from offload.tenancy.scoping import system_scope
from offload.tenancy.selectors import brand_for_host, brand_for_portal_slug, normalize_host

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Support.ACME-IT.example", "support.acme-it.example"),
        ("support.acme-it.example:8443", "support.acme-it.example"),
        ("support.acme-it.example.", "support.acme-it.example"),
        ("[::1]:8000", "[::1]"),
        ("bad host/", ""),
    ],
)
def test_normalize_host(raw, expected):
    """Host headers are compared without case, port or trailing dot; junk is no host at all."""
    assert normalize_host(raw) == expected


def test_brand_for_host_ignores_case_and_port(portals: Portals):
    """A portal host name matches whatever its case and whichever port the request used."""
    assert brand_for_host("SUPPORT.Acme-IT.Example") == portals.acme
    assert brand_for_host("support.acme-it.example:8000") == portals.acme
    assert brand_for_host(BRAVO_HOST.upper() + ":443") == portals.bravo


def test_brand_for_host_unknown_host_is_none(portals: Portals):
    """A host no brand registered (or a sibling of one) is no portal."""
    assert brand_for_host("acme-it.example") is None
    assert brand_for_host("evil.support.acme-it.example") is None
    assert brand_for_host("") is None


def test_brand_for_host_needs_no_scope(portals: Portals):
    """Resolution happens before anyone is known, so it works with no tenant scope active."""
    assert brand_for_host(ACME_HOST).name == portals.acme.name


def test_inactive_msp_has_no_portal(portals: Portals):
    """When an MSP is deactivated its portal stops answering, by host and by path."""
    with system_scope("test: deactivate MSP A"):
        MSP.objects.filter(pk=portals.world.msp_a.pk).update(is_active=False)
    assert brand_for_host(ACME_HOST) is None
    assert brand_for_portal_slug("acme") is None
    assert brand_for_portal_slug("bravo") == portals.bravo


def test_request_on_portal_host_shows_that_portal(client, portals: Portals):
    """Visiting "/" on an MSP's portal host name (any case, any port) shows that MSP's portal."""
    for host in (ACME_HOST, "Support.Acme-IT.example:8000"):
        response = client.get("/", HTTP_HOST=host, follow=True)
        assert response.redirect_chain[-1][0] == "/sign-in/"
        assert response.status_code == 200
        assert f"<title>{portals.acme.name}</title>" in response.text


def test_portal_host_is_allowed_without_being_in_allowed_hosts(client, portals: Portals, settings):
    """Registered portal hosts pass Django's Host check; other unknown hosts are still refused."""
    assert not any(ACME_HOST.endswith(h.lstrip(".")) for h in settings.ALLOWED_HOSTS)
    assert client.get("/sign-in/", HTTP_HOST=ACME_HOST).status_code == 200
    assert client.get("/", HTTP_HOST="attacker.example").status_code == 400


def test_unknown_allowed_host_gets_the_console(client, portals: Portals):
    """A host that is not a portal host reaches the staff console, not a portal."""
    response = client.get("/", HTTP_HOST="testserver")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_portal_host_reaches_neither_console_nor_other_portals(client, portals: Portals):
    """On a portal host, the console, the admin and other MSPs' portals do not exist."""
    for path in ("/portal/bravo/sign-in/", "/portal/acme/sign-in/", "/admin/", "/api/v1/openapi.json"):
        assert client.get(path, HTTP_HOST=ACME_HOST).status_code == 404, path


def test_path_fallback_serves_each_portal(client, portals: Portals):
    """/portal/<slug>/ serves the MSP's portal on the console's own address, for local use."""
    acme = client.get("/portal/acme/sign-in/")
    bravo = client.get("/portal/bravo/sign-in/")
    assert f"<title>{portals.acme.name}</title>" in acme.text
    assert f"<title>{portals.bravo.name}</title>" in bravo.text
    assert client.get("/portal/acme/", follow=True).redirect_chain[-1][0] == "/portal/acme/sign-in/"


def test_path_fallback_unknown_or_inactive_slug_is_404(client, portals: Portals):
    """A slug no brand has, or the slug of a deactivated MSP, is not found."""
    assert client.get("/portal/nobody/sign-in/").status_code == 404
    with system_scope("test: deactivate MSP B"):
        MSP.objects.filter(pk=portals.world.msp_b.pk).update(is_active=False)
    assert client.get("/portal/bravo/sign-in/").status_code == 404


def test_removed_portal_host_stops_answering_at_once(client, portals: Portals):
    """Deleting a portal host empties the host cache: the next request is refused."""
    assert client.get("/sign-in/", HTTP_HOST=ACME_HOST).status_code == 200
    with system_scope("test: remove a portal host"):
        PortalHost.objects.get(hostname=ACME_HOST).delete()
    assert client.get("/sign-in/", HTTP_HOST=ACME_HOST).status_code == 400


def test_deactivated_msp_host_is_refused(client, portals: Portals):
    """Deactivating an MSP (saved through the model) takes its portal host off the air at once."""
    assert client.get("/sign-in/", HTTP_HOST=BRAVO_HOST).status_code == 200
    with system_scope("test: deactivate MSP B"):
        msp = MSP.objects.get(pk=portals.world.msp_b.pk)
        msp.is_active = False
        msp.save()
    assert client.get("/sign-in/", HTTP_HOST=BRAVO_HOST).status_code == 400
