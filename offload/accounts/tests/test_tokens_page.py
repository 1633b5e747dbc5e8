"""The console page where people create, see and revoke their API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from offload.accounts.models import ApiToken
from offload.accounts.services.tokens import authenticate_api_token, create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static(settings):
    # Page tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_needs_sign_in():
    """Anonymous visitors are sent to the sign-in page."""
    response = Client().get("/account/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_create_shows_the_secret_once(world):
    """Creating a token shows its secret on that response only; the list then shows its prefix."""
    user = world.user("technician")
    client = _signed_in(user)
    response = client.post("/account/tokens/", {"name": "Laptop script"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    assert authenticate_api_token(raw).user == user

    page = client.get("/account/tokens/").content.decode()
    assert raw not in page
    assert "Laptop script" in page
    assert ApiToken.objects.get(user=user).key_prefix in page


def test_list_shows_only_own_tokens(world):
    """The page lists the signed-in user's tokens and nobody else's."""
    other = world.user("finance")
    create_api_token(actor=other, user=other, name="Finance export")
    page = _signed_in(world.user("technician")).get("/account/tokens/").content.decode()
    assert "Finance export" not in page
    assert "No tokens yet." in page


def test_revoke_own_token(world):
    """Revoking from the page stops the token working."""
    user = world.user("msp_owner")
    token, raw = create_api_token(actor=user, user=user, name="Old")
    response = _signed_in(user).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert authenticate_api_token(raw) is None


def test_cannot_revoke_someone_elses_token(world):
    """Another user's token id answers 404 and stays valid."""
    owner = world.user("msp_owner")
    token, raw = create_api_token(actor=owner, user=owner, name="Owner's")
    response = _signed_in(world.user("technician")).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert authenticate_api_token(raw) is not None


def test_empty_name_is_refused(world):
    """A token needs a name; the form says so and nothing is created."""
    response = _signed_in(world.user("finance")).post("/account/tokens/", {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
