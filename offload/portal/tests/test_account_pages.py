"""A client's account pages in the portal: reset and change the password, set up TOTP — all in the brand."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from allauth.core.context import request_context
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.core import mail

from offload.portal.tests.conftest import ACME_HOST, BRAVO_HOST, Portals
from offload.portal.tests.test_views import assert_only_brand, sign_in
from offload.tenancy.models import Brand

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-Fresh-passw0rd-for-the-portal"


def assert_mail_in_brand(message: mail.EmailMessage, portals: Portals, brand: Brand) -> None:
    """The mail comes from the brand's sender, names the brand, and names nobody else."""
    assert message.from_email == f"{brand.sender_name} <{brand.sender_email}>"
    assert brand.name in message.subject
    assert brand.name in message.body
    for name in portals.foreign_names(brand):
        assert name.lower() not in (message.subject + message.body).lower(), (
            f"{name!r} in {brand.name}'s mail"
        )


def reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_sign_in_page_links_to_the_branded_reset(client, portals: Portals):
    """'Forgot password?' on the sign-in page leads to the portal's own reset page, by host and by path."""
    on_host = client.get("/sign-in/", HTTP_HOST=ACME_HOST).text
    assert 'href="/accounts/password/reset/" data-testid="forgot-password">Forgot password?' in on_host
    by_path = client.get("/portal/acme/sign-in/").text
    assert 'href="/portal/acme/accounts/password/reset/"' in by_path
    page = client.get("/accounts/password/reset/", HTTP_HOST=ACME_HOST)
    assert page.status_code == 200
    assert "Reset your password" in page.text
    assert_only_brand(page.text, portals, portals.acme)


def test_client_resets_password_on_portal_host(client, portals: Portals):
    """A client asks for a link, gets a brand mail linking to the portal host, and sets a new password."""
    user = portals.world.user("client_user")
    response = client.post("/accounts/password/reset/", {"email": user.email}, HTTP_HOST=ACME_HOST)
    assert response["Location"] == "/accounts/password/reset/done/"
    done = client.get(response["Location"], HTTP_HOST=ACME_HOST)
    assert "Check your email" in done.text
    assert_only_brand(done.text, portals, portals.acme)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert_mail_in_brand(message, portals, portals.acme)
    link = reset_link(message)
    assert link.startswith(f"http://{ACME_HOST}/accounts/password/reset/key/")

    path = urlsplit(link).path
    step = client.get(path, HTTP_HOST=ACME_HOST)
    # allauth moves the key out of the address before showing the form.
    assert step["Location"].endswith("-set-password/")
    form = client.get(step["Location"], HTTP_HOST=ACME_HOST)
    assert form.status_code == 200
    assert "Choose a new password" in form.text
    assert_only_brand(form.text, portals, portals.acme)
    saved = client.post(
        step["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, HTTP_HOST=ACME_HOST
    )
    assert saved["Location"] == "/accounts/password/reset/key/done/"
    assert_only_brand(client.get(saved["Location"], HTTP_HOST=ACME_HOST).text, portals, portals.acme)

    assert sign_in(client, portals, "client_user", password=NEW_PASSWORD)["Location"] == "/"
    # The link works once.
    assert client.get(path, HTTP_HOST=ACME_HOST).status_code == 404


def test_client_resets_password_by_path(client, portals: Portals):
    """On /portal/<slug>/ the reset page, the mail's link and the new-password form stay on that portal."""
    user = portals.world.user("client_admin")
    response = client.post("/portal/bravo/accounts/password/reset/", {"email": user.email})
    assert response["Location"] == "/portal/bravo/accounts/password/reset/done/"
    # client_admin is a client of MSP A only: Bravo's portal sends nothing, and says the same.
    assert mail.outbox == []

    response = client.post("/portal/acme/accounts/password/reset/", {"email": user.email})
    assert response["Location"] == "/portal/acme/accounts/password/reset/done/"
    message = mail.outbox[0]
    assert_mail_in_brand(message, portals, portals.acme)
    link = reset_link(message)
    assert link.startswith("http://testserver/portal/acme/accounts/password/reset/key/")
    step = client.get(urlsplit(link).path)
    form = client.get(step["Location"])
    assert_only_brand(form.text, portals, portals.acme)
    saved = client.post(step["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert saved["Location"] == "/portal/acme/accounts/password/reset/key/done/"
    login = {"login": user.email, "password": NEW_PASSWORD}
    assert client.post("/portal/acme/sign-in/", login)["Location"] == "/portal/acme/"


def test_portal_sends_no_reset_mail_to_staff_or_unknown_addresses(client, portals: Portals):
    """Staff and unknown addresses get the same 'check your email' page, and no mail in the brand."""
    for email in (portals.world.user("msp_owner").email, "nobody@nowhere.example"):
        response = client.post("/accounts/password/reset/", {"email": email}, HTTP_HOST=ACME_HOST)
        assert response["Location"] == "/accounts/password/reset/done/"
    assert all(portals.acme.name not in m.subject for m in mail.outbox)
    assert all(
        m.from_email != f"{portals.acme.sender_name} <{portals.acme.sender_email}>" for m in mail.outbox
    )


def test_made_up_reset_link_is_a_branded_404(client, portals: Portals):
    """A wrong or expired link answers 404 in the brand, with a way to ask for a new one."""
    response = client.get("/accounts/password/reset/key/2-not-a-token/", HTTP_HOST=BRAVO_HOST)
    assert response.status_code == 404
    assert "This link no longer works" in response.text
    assert 'href="/accounts/password/reset/"' in response.text
    assert_only_brand(response.text, portals, portals.bravo)


def test_client_changes_password_in_the_brand(client, portals: Portals):
    """A signed-in client changes the password on the portal host and signs in with the new one."""
    sign_in(client, portals, "client_user")
    home = client.get("/", HTTP_HOST=ACME_HOST).text
    assert 'href="/accounts/password/change/"' in home
    page = client.get("/accounts/password/change/", HTTP_HOST=ACME_HOST)
    assert page.status_code == 200
    assert_only_brand(page.text, portals, portals.acme)
    wrong = client.post(
        "/accounts/password/change/",
        {"oldpassword": "nope", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_HOST=ACME_HOST,
    )
    assert wrong.status_code == 400
    done = client.post(
        "/accounts/password/change/",
        {"oldpassword": portals.world.password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_HOST=ACME_HOST,
    )
    assert done["Location"] == "/"
    client.post("/sign-out/", HTTP_HOST=ACME_HOST)
    assert sign_in(client, portals, "client_user", password=NEW_PASSWORD)["Location"] == "/"


def test_password_change_is_for_signed_in_clients_of_this_msp(client, portals: Portals):
    """Signed out → sign-in page; staff → the staff notice; another MSP's client → refused."""
    assert client.get("/accounts/password/change/", HTTP_HOST=ACME_HOST)["Location"] == "/sign-in/"
    client.force_login(portals.world.user("technician"))
    assert 'data-testid="staff-notice"' in client.get("/portal/acme/accounts/password/change/").text
    client.force_login(portals.world.user("client_user"))
    assert client.get("/portal/bravo/accounts/password/change/").status_code == 403


def test_client_sets_up_totp_with_the_brand_as_issuer(client, portals: Portals):
    """The authenticator app shows the MSP's brand (not Offload); a right code and password turn it on."""
    sign_in(client, portals, "client_user")
    page = client.get("/accounts/2fa/totp/activate/", HTTP_HOST=ACME_HOST)
    assert page.status_code == 200
    assert_only_brand(page.text, portals, portals.acme)
    totp_url = page.context["totp_url"]
    query = parse_qs(urlsplit(totp_url).query)
    assert query["issuer"] == [portals.acme.name]
    assert "offload" not in unquote(totp_url).lower()
    secret = page.context["form"].secret

    refused = client.post(
        "/accounts/2fa/totp/activate/",
        {"code": pyotp.TOTP(secret).now(), "password": "not-it"},
        HTTP_HOST=ACME_HOST,
    )
    assert refused.status_code == 400
    user = portals.world.user("client_user")
    assert not Authenticator.objects.filter(user=user).exists()

    done = client.post(
        "/accounts/2fa/totp/activate/",
        {"code": pyotp.TOTP(secret).now(), "password": portals.world.password},
        HTTP_HOST=ACME_HOST,
    )
    assert done.status_code == 200
    assert "Two-step verification is on" in done.text
    assert 'data-testid="recovery-codes"' in done.text
    assert_only_brand(done.text, portals, portals.acme)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_totp_issuer_stays_offload_outside_portals(rf, portals: Portals):
    """Outside a portal (the console), the authenticator app still shows the configured issuer."""
    user = portals.world.user("msp_owner")
    with request_context(rf.get("/accounts/2fa/totp/activate/")):
        url = get_mfa_adapter().build_totp_url(user, pyotp.random_base32())
    assert parse_qs(urlsplit(url).query)["issuer"] == ["Offload"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_other_allauth_pages_on_portal_host_lead_into_the_portal(client, portals: Portals, signed_in):
    """allauth pages a client has no use for redirect into the portal; none answers an error."""
    if signed_in:
        sign_in(client, portals, "client_user")
    expected = {
        "/accounts/email/": "/",
        "/accounts/signup/": "/",
        "/accounts/reauthenticate/": "/",
        "/accounts/logout/": "/",
        "/accounts/password/set/": "/accounts/password/reset/",
        "/accounts/2fa/": "/accounts/2fa/totp/activate/",
        "/accounts/2fa/recovery-codes/": "/",
        "/accounts/confirm-email/some-key/": "/",
    }
    for path, location in expected.items():
        response = client.get(path, HTTP_HOST=ACME_HOST)
        assert response.status_code == 302, path
        assert response["Location"] == location, path


def test_totp_setup_limits_password_guesses(client, portals: Portals, settings):
    """Guessing the current password on the TOTP page is rate-limited like allauth's re-authentication."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reauthenticate": "2/m/user"}
    sign_in(client, portals, "client_user")
    statuses = [
        client.post(
            "/accounts/2fa/totp/activate/", {"code": "000000", "password": "guess"}, HTTP_HOST=ACME_HOST
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
    refused = client.get("/accounts/2fa/totp/activate/", HTTP_HOST=ACME_HOST)
    assert refused.status_code == 200  # looking at the page is not a guess


def test_reset_requests_are_rate_limited_in_the_brand(client, portals: Portals, settings):
    """Too many reset requests for one address get a branded 'too many attempts' page and no more mail."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/key"}
    email = portals.world.user("client_user").email
    client.post("/accounts/password/reset/", {"email": email}, HTTP_HOST=ACME_HOST)
    again = client.post("/accounts/password/reset/", {"email": email}, HTTP_HOST=ACME_HOST)
    assert again.status_code == 429
    assert "Too many attempts" in again.text
    assert_only_brand(again.text, portals, portals.acme)
    assert len(mail.outbox) == 1
