"""Portal pages: the brand shows, nothing else's name does, and only the MSP's clients get in."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.base import ContentFile
from PIL import Image

from offload.accounts.acting import SESSION_KEY
from offload.accounts.choices import Role
from offload.accounts.tests.factories import MembershipFactory, UserFactory
from offload.portal.resolver import brand_css_version
from offload.portal.tests.conftest import ACME_HOST, BRAVO_HOST, Portals
from offload.tenancy.models import Brand, Contact
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def assert_only_brand(html: str, portals: Portals, brand: Brand) -> None:
    """The page is in `brand` and never names the provider, Offload or another MSP's brand."""
    assert f"<title>{brand.name}</title>" in html
    for name in portals.foreign_names(brand):
        assert name.lower() not in html.lower(), f"{name!r} appears on {brand.name}'s portal"
    assert "FOREIGN" not in html


def sign_in(client, portals: Portals, user_key: str, *, host: str = ACME_HOST, password: str | None = None):
    return client.post(
        "/sign-in/",
        {"login": portals.world.user(user_key).email, "password": password or portals.world.password},
        HTTP_HOST=host,
    )


def test_sign_in_page_is_in_the_brand(client, portals: Portals):
    """The sign-in page carries the brand's name, colours stylesheet and support contacts."""
    for host, brand in ((ACME_HOST, portals.acme), (BRAVO_HOST, portals.bravo)):
        html = client.get("/sign-in/", HTTP_HOST=host).text
        assert_only_brand(html, portals, brand)
        assert brand.support_email in html
        assert brand.support_phone in html
        assert f"/brand.css?v={brand_css_version(brand)}" in html
        assert 'name="login"' in html
        assert 'name="password"' in html


def test_client_user_signs_in_and_lands_on_home(client, portals: Portals):
    """A client user of MSP A signs in on A's portal host and sees their details and A's support."""
    response = sign_in(client, portals, "client_user")
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/", HTTP_HOST=ACME_HOST)
    assert home.status_code == 200
    html = home.text
    assert_only_brand(html, portals, portals.acme)
    contact = portals.world.contacts["a1"][1]
    assert contact.full_name in html
    assert portals.world.clients["a1"].name in html
    assert "Your requests" in html
    assert portals.acme.support_email in html
    assert portals.acme.support_phone in html


def test_client_admin_signs_in_by_path(client, portals: Portals):
    """The path-based portal signs a client admin in and lands on /portal/<slug>/."""
    response = client.post(
        "/portal/acme/sign-in/",
        {"login": portals.world.user("client_admin").email, "password": portals.world.password},
    )
    assert response["Location"] == "/portal/acme/"
    html = client.get("/portal/acme/").text
    assert_only_brand(html, portals, portals.acme)
    assert portals.world.contacts["a1"][0].full_name in html


def test_client_of_another_msp_is_refused(client, portals: Portals):
    """A client user of MSP A cannot sign in on MSP B's portal: a clear refusal, and no session."""
    response = sign_in(client, portals, "client_user", host=BRAVO_HOST)
    assert response.status_code == 403
    assert "This account cannot sign in to the Bravo MSP Service Desk portal" in response.text
    assert_only_brand(response.text, portals, portals.bravo)
    assert "_auth_user_id" not in client.session
    assert client.get("/", HTTP_HOST=BRAVO_HOST)["Location"] == "/sign-in/"


def test_signed_in_client_of_another_msp_sees_not_yours(client, portals: Portals):
    """A client signed in on A's path portal who opens B's path portal sees a refusal, not B's data."""
    client.force_login(portals.world.user("client_user"))
    response = client.get("/portal/bravo/")
    assert response.status_code == 403
    assert_only_brand(response.text, portals, portals.bravo)
    assert portals.world.contacts["a1"][1].full_name not in response.text


def test_wrong_password_is_refused(client, portals: Portals):
    """A wrong password shows the form again with an error and signs nobody in."""
    response = sign_in(client, portals, "client_user", password="not-the-password")
    assert response.status_code == 400
    assert "is-invalid" in response.text or "alert-danger" in response.text
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_are_throttled_like_everywhere(client, portals: Portals, settings):
    """The portal uses allauth's rate limits: after too many failures, even the right password waits."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    for _ in range(3):
        sign_in(client, portals, "client_user", password="not-the-password")
    response = sign_in(client, portals, "client_user")
    assert response.status_code == 400
    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_client_with_totp_must_pass_second_factor(client, portals: Portals):
    """A client who enrolled TOTP passes allauth's second-factor step, shown in the brand."""
    secret = pyotp.random_base32()
    TOTP.activate(portals.world.user("client_user"), secret)
    response = sign_in(client, portals, "client_user")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    step = client.get("/accounts/2fa/authenticate/", HTTP_HOST=ACME_HOST)
    assert step.status_code == 200
    assert "Two-step verification" in step.text
    assert_only_brand(step.text, portals, portals.acme)
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"}, HTTP_HOST=ACME_HOST)
    assert "_auth_user_id" not in client.session
    assert "is-invalid" in wrong.text
    done = client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()}, HTTP_HOST=ACME_HOST)
    assert done["Location"] == "/"
    assert client.get("/", HTTP_HOST=ACME_HOST).status_code == 200


def test_allauth_sign_in_page_on_portal_host_is_the_portal_one(client, portals: Portals):
    """allauth's own sign-in address on a portal host leads to the branded portal sign-in."""
    response = client.get("/accounts/login/", HTTP_HOST=ACME_HOST)
    assert response["Location"] == "/sign-in/"


def test_staff_signing_in_on_portal_are_sent_to_console(client, portals: Portals):
    """Staff credentials on a portal show the notice with a console link and sign nobody in."""
    for key in ("msp_owner", "noc_agent"):
        response = sign_in(client, portals, key)
        assert response.status_code == 200
        assert "This portal is for Acme IT Service Desk's clients" in response.text
        assert 'href="http://127.0.0.1:8000/"' in response.text
        assert_only_brand(response.text, portals, portals.acme)
        assert "_auth_user_id" not in client.session


def test_signed_in_staff_visiting_portal_see_notice(client, portals: Portals):
    """A signed-in staff member opening the path portal sees the notice linking to the console."""
    client.force_login(portals.world.user("technician"))
    response = client.get("/portal/acme/")
    assert response.status_code == 200
    assert 'data-testid="staff-notice"' in response.text
    assert 'href="/"' in response.text
    assert_only_brand(response.text, portals, portals.acme)


def test_inactive_contact_cannot_sign_in(client, portals: Portals):
    """A client user whose contact was deactivated is refused."""
    with system_scope("test: deactivate a contact"):
        Contact.objects.filter(pk=portals.world.contacts["a1"][1].pk).update(is_active=False)
    assert sign_in(client, portals, "client_user").status_code == 403


def test_person_with_memberships_at_two_msps_uses_the_right_one(client, portals: Portals):
    """Someone who is a contact at clients of A and B sees B's client on B's portal, A's on A's."""
    user = UserFactory(email="both@people.example")
    bravo_contact = ContactFactory(
        client=portals.world.clients["b1"], msp=portals.world.msp_b, first_name="Dual"
    )
    MembershipFactory(
        user=user, role=Role.CLIENT_USER, msp=portals.world.msp_a, contact=portals.world.contacts["a2"][0]
    )
    MembershipFactory(user=user, role=Role.CLIENT_USER, msp=portals.world.msp_b, contact=bravo_contact)
    client.post("/sign-in/", {"login": user.email, "password": portals.world.password}, HTTP_HOST=BRAVO_HOST)
    html = client.get("/", HTTP_HOST=BRAVO_HOST).text
    assert portals.world.clients["b1"].name in html
    assert portals.world.clients["a2"].name not in html
    assert_only_brand(html, portals, portals.bravo)
    assert client.session[SESSION_KEY] != portals.world.user("client_user").pk


def test_sign_out(client, portals: Portals):
    """Signing out ends the session and returns to the portal's sign-in page."""
    sign_in(client, portals, "client_user")
    assert client.get("/", HTTP_HOST=ACME_HOST).status_code == 200
    response = client.post("/sign-out/", HTTP_HOST=ACME_HOST)
    assert response["Location"] == "/sign-in/"
    assert "_auth_user_id" not in client.session
    assert client.get("/", HTTP_HOST=ACME_HOST)["Location"] == "/sign-in/"


def test_brand_css_carries_the_colours_and_is_cacheable(client, portals: Portals):
    """brand.css sets the brand's colours as CSS variables and is cached for a year when versioned."""
    version = brand_css_version(portals.bravo)
    response = client.get(f"/brand.css?v={version}", HTTP_HOST=BRAVO_HOST)
    assert response["Content-Type"].startswith("text/css")
    assert "--portal-primary: #0f766e;" in response.text
    assert "--portal-accent: #134e4a;" in response.text
    assert "immutable" in response["Cache-Control"]
    assert "immutable" not in client.get("/portal/bravo/brand.css?v=stale")["Cache-Control"]


def test_brand_css_never_injects_a_bad_colour(client, portals: Portals):
    """A colour saved without validation falls back to a default instead of reaching the stylesheet."""
    with system_scope("test: corrupt a colour"):
        Brand.objects.filter(pk=portals.acme.pk).update(primary_color="red;}*{")
    css = client.get("/portal/acme/brand.css").text
    assert "red;" not in css
    assert re.search(r"--portal-primary: #[0-9a-f]{6};", css)


def test_favicon_defaults_to_brand_initial(client, portals: Portals):
    """Without an uploaded favicon, the portal draws the brand's initial in its primary colour."""
    response = client.get("/favicon", HTTP_HOST=ACME_HOST)
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "#c2410c" in svg
    assert ">A</text>" in svg


def test_uploaded_logo_is_served_on_the_portal_host(client, portals: Portals, settings, tmp_path):
    """An uploaded logo is shown in the header and served from the portal host itself."""
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#c2410c").save(buffer, format="PNG")
    with system_scope("test: upload a logo"):
        brand = Brand.objects.get(pk=portals.acme.pk)
        brand.logo.save("acme.png", ContentFile(buffer.getvalue()))
    html = client.get("/sign-in/", HTTP_HOST=ACME_HOST).text
    assert '<img class="portal-logo" src="/logo"' in html
    response = client.get("/logo", HTTP_HOST=ACME_HOST)
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()
    assert client.get("/logo", HTTP_HOST=BRAVO_HOST).status_code == 404
