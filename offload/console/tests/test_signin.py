"""Sign-in: staff must enrol a second factor, codes are asked at sign-in, failures are throttled,
passwords are reset by email."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.test import Client as HttpClient

from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


def enrol_totp(user) -> str:
    secret = generate_totp_secret()
    with system_scope("test set-up"):
        TOTP.activate(user, secret)
    return secret


def post_login(http: HttpClient, email: str, password: str):
    return http.post("/accounts/login/", {"login": email, "password": password})


def test_staff_without_second_factor_are_sent_to_enrol(world, client):
    """Staff who have not set up an authenticator reach only the enrolment page, not the console."""
    client.force_login(world.user("technician"))
    response = client.get("/clients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    # The enrolment page itself is reachable (allauth first asks to confirm the password).
    enrol = client.get("/accounts/2fa/totp/activate/")
    assert enrol.status_code == 302
    assert enrol["Location"].startswith("/accounts/reauthenticate/")


def test_the_staff_mfa_requirement_can_be_relaxed(world, client, settings):
    """With OFFLOAD_REQUIRE_STAFF_MFA off (the demo), staff use the console without a second factor."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False
    client.force_login(world.user("technician"))
    assert client.get("/clients/").status_code == 200


def test_client_users_need_no_second_factor(world, client):
    """MFA is optional for client users: they sign in with a password alone."""
    response = post_login(client, world.user("client_user").email, world.password)
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # on to the portal, not to enrolment
    assert not client.get("/")["Location"].startswith("/accounts/2fa/")


def test_staff_with_an_authenticator_are_asked_for_a_code(world, client):
    """Password alone does not sign staff in: a code from their app completes the sign-in."""
    user = world.user("msp_owner")
    secret = enrol_totp(user)
    response = post_login(client, user.email, world.password)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in yet
    response = client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["acting"].user == user


def test_a_wrong_code_does_not_sign_in(world, client):
    """A wrong authenticator code leaves the user signed out."""
    user = world.user("msp_owner")
    enrol_totp(user)
    post_login(client, user.email, world.password)
    response = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert client.get("/").status_code == 302


def test_failed_sign_ins_are_throttled_in_the_database_cache(world, client, settings):
    """After five wrong passwords for one account, even the right password is refused for a while."""
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    email = world.user("finance").email
    for _ in range(5):
        assert post_login(client, email, "wrong-password-123").status_code == 200
    response = post_login(client, email, world.password)
    assert response.status_code in {200, 429}
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/").status_code == 302  # still signed out
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM offload_cache")
        assert cursor.fetchone()[0] > 0


def test_throttling_one_account_leaves_others_alone(world, client):
    """Another account from the same address can still sign in (the per-account limit is separate)."""
    for _ in range(5):
        post_login(client, world.user("finance").email, "wrong-password-123")
    response = post_login(HttpClient(), world.user("client_user").email, world.password)
    assert response.status_code == 302


def test_password_reset_by_email(world, client):
    """A user who forgot their password gets a link by email and can set a new one and sign in."""
    user = world.user("client_admin")
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new_password = "a-much-better-passphrase-42"
    done = client.post(action, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    assert post_login(HttpClient(), user.email, new_password).status_code == 302


def test_password_reset_does_not_reveal_unknown_addresses(world, client):
    """Asking for a reset of an unknown address looks the same as for a known one."""
    response = client.post("/accounts/password/reset/", {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/done/"]
)
def test_sign_in_pages_render_in_the_offload_layout(client, path):
    """allauth's pages use Offload's layout and styles, with no inline script."""
    html = client.get(path).content.decode()
    assert "vendor/bootstrap/css/bootstrap.min.css" in html
    assert "ofl-entrance" in html
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html) is None
