"""The API's shell: schema, docs, authentication, the error format, bounds, pagination."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from offload.accounts.models import ApiToken
from offload.accounts.services.tokens import create_api_token, revoke_api_token
from offload.api.testing import api_as
from offload.api.urls import api as ninja_api
from offload.core.api.errors import ERROR_STATUSES

pytestmark = pytest.mark.django_db


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]


def test_openapi_schema_is_public_and_3_1():
    """Anyone can read the OpenAPI 3.1 document, without signing in."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/clients" in schema["paths"]
    assert {"BearerToken", "SessionCookie"} <= set(schema["components"]["securitySchemes"])


def test_every_operation_declares_every_error_with_the_shared_body():
    """Each operation documents 400/401/403/404/422/429 with the one error body."""
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [(p, m, op) for p, item in schema["paths"].items() for m, op in item.items()]
    assert len(operations) >= 13
    for path, method, op in operations:
        for status in ERROR_STATUSES:
            response = op["responses"].get(str(status))
            assert response, f"{method.upper()} {path} does not declare {status}"
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorOut"), (path, method, status)


def test_docs_page_is_self_hosted(settings):
    """The docs page loads its scripts from our own static files, never from a CDN, under our CSP."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html
    assert "<script>" not in html  # no inline script: the CSP would block it
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_anonymous_request_gets_401_in_the_error_format():
    """Without a token or session the API answers 401 with code not_authenticated."""
    _assert_error(Client().get("/api/v1/clients"), 401, "not_authenticated")


def test_unknown_revoked_and_expired_tokens_are_refused(world):
    """Only a current, unrevoked token authenticates."""
    user = world.user("msp_owner")
    bad = Client(headers={"Authorization": "Bearer ofl_not-a-real-token"})
    _assert_error(bad.get("/api/v1/me"), 401, "not_authenticated")

    token, raw = create_api_token(actor=user, user=user, name="soon revoked")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/me").status_code == 200
    revoke_api_token(actor=user, token=token)
    _assert_error(client.get("/api/v1/me"), 401, "not_authenticated")

    token, raw = create_api_token(actor=user, user=user, name="expiring")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = Client(headers={"Authorization": f"Bearer {raw}"})
    _assert_error(expired.get("/api/v1/me"), 401, "not_authenticated")


def test_token_of_a_deactivated_user_is_refused(world):
    """Deactivating a user shuts their tokens out too."""
    user = world.user("technician")
    api = api_as(user)
    user.is_active = False
    user.save()
    _assert_error(api.get("/me"), 401, "not_authenticated")


def test_me_shows_user_and_memberships(world):
    """/me names the caller, the membership they act through and its organisation."""
    response = api_as(world.user("technician_limited")).get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == "technician_limited@people.example"
    assert body["membership"]["role"] == "technician"
    assert body["membership"]["organization"] == {"kind": "msp", "id": world.msp_a.pk, "name": "Acme IT"}
    assert len(body["memberships"]) == 1


def test_me_for_a_client_user_names_their_client(world):
    """A client user's organisation is their client, never the MSP behind it."""
    body = api_as(world.user("client_user")).get("/me").json()
    assert body["membership"]["organization"]["kind"] == "client"
    assert body["membership"]["organization"]["name"] == "Alpha One"


def test_session_auth_reads_and_needs_csrf_to_write(world):
    """A signed-in browser may use the API; unsafe methods need the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("msp_owner"))
    assert client.get("/api/v1/clients").status_code == 200
    response = client.post("/api/v1/clients", {"name": "Via session"}, content_type="application/json")
    _assert_error(response, 403, "csrf_failed")

    token = "k" * 32  # what the console page would hand to its scripts, matching the CSRF cookie
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/v1/clients",
        {"name": "Via session"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


def test_bearer_writes_need_no_csrf(world):
    """Token clients are not browsers: no CSRF token is needed with a bearer token."""
    response = api_as(world.user("msp_owner")).post("/clients", {"name": "Scripted"})
    assert response.status_code == 201


def test_validation_errors_are_422_with_fields(world):
    """Out-of-range input answers 422 with the offending fields named."""
    api = api_as(world.user("msp_owner"))
    error = _assert_error(api.get("/clients", {"limit": 500}), 422, "invalid")
    assert "limit" in error["fields"]
    error = _assert_error(api.post("/clients", {"name": "x" * 201, "phone": 5}), 422, "invalid")
    assert {"name", "phone"} <= set(error["fields"])


def test_model_validation_errors_are_422_with_fields(world):
    """Rules the model enforces (a valid URL, a unique name) come back as 422 with fields."""
    api = api_as(world.user("msp_owner"))
    error = _assert_error(api.post("/clients", {"name": "Bad site", "website": "not a url"}), 422, "invalid")
    assert "website" in error["fields"]
    _assert_error(api.post("/clients", {"name": "alpha one"}), 422, "invalid")


def test_garbage_cursor_is_400(world):
    """A cursor the API did not make answers 400 invalid_cursor, never 500."""
    api = api_as(world.user("msp_owner"))
    error = _assert_error(api.get("/clients", {"cursor": "bm9wZQ"}), 400, "invalid_cursor")
    assert "cursor" in error["fields"]


def test_malformed_json_is_an_error_in_the_format(world):
    """A body that is not JSON is refused in the shared error format."""
    api = api_as(world.user("msp_owner"))
    response = api.client.post("/api/v1/clients", "{not json", content_type="application/json")
    assert response.status_code in {400, 422}
    assert "error" in response.json()


def test_throttling_answers_429_in_the_error_format(world, monkeypatch):
    """A client over its request budget gets 429 throttled, with Retry-After."""
    for throttle in ninja_api.throttle:
        monkeypatch.setattr(throttle, "num_requests", 2)
    api = api_as(world.user("finance"))
    assert [api.get("/me").status_code for _ in range(2)] == [200, 200]
    response = api.get("/me")
    _assert_error(response, 429, "throttled")
    assert "Retry-After" in response.headers
