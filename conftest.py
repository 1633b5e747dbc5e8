"""Fixtures shared by every app's tests."""

import pytest

from offload.accounts.testing import World, build_world
from offload.tenancy.scoping import system_scope


@pytest.fixture
def world(db) -> World:
    """Two providers, three MSPs, five clients and a user in every role (see accounts/testing.py)."""
    return build_world()


@pytest.fixture
def system():
    """Run the test body under a system scope (for asserting on rows directly)."""
    with system_scope("test assertions") as scope:
        yield scope


def pytest_configure(config):
    from django.conf import settings

    # Hashing with PBKDF2 costs ~0.3 s per user; tests create dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests (and the browser tests' live server) speak plain HTTP on loopback; production settings
    # stay HTTPS-only, and `offload check --deploy` is tested with them separately.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Tests run with DEBUG off but without `collectstatic`: plain storage, files served from the
    # finders by WhiteNoise. The hashed-manifest build is tested in console/tests/test_static.py.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
