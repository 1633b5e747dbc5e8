"""Fixtures shared by every app's tests."""

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from offload.accounts.acting import acting_for_user
from offload.accounts.testing import World, build_world
from offload.tenancy.scoping import Scope, activate, system_scope


@pytest.fixture
def world(db) -> World:
    """Two providers, three MSPs, five clients and a user in every role (see accounts/testing.py)."""
    return build_world()


@pytest.fixture
def acting_as(world: World) -> Callable[[str], contextlib.AbstractContextManager[Scope]]:
    """`with acting_as("technician"):` runs the block in that user's scope, as a request would."""

    @contextlib.contextmanager
    def enter(key: str) -> Iterator[Scope]:
        with activate(acting_for_user(world.user(key)).scope) as scope:
            yield scope

    return enter


@pytest.fixture
def system():
    """Run the test body under a system scope (for asserting on rows directly)."""
    with system_scope("test assertions") as scope:
        yield scope


@pytest.fixture(autouse=True)
def _fresh_brand_cache():
    """Mail intake caches brand addresses per process; a test's rolled-back brands must not leak."""
    from offload.servicedesk.services.intake import clear_brand_cache

    clear_brand_cache()
    yield
    clear_brand_cache()


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


# Debian's Chromium, with the flags this machine kind needs (no sandbox as root, no background
# traffic to a closed network). Test host names under *.example all resolve to the live server.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--host-resolver-rules=MAP *.example 127.0.0.1",
    "--no-proxy-server",
    "--disable-features=HttpsUpgrades",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(scope="session")
def chromium(playwright):
    """One headless Chromium per test process, driven through pytest-playwright's sync API.

    That API keeps an event loop running in the test thread for the rest of the session, and Django
    refuses ORM calls from a thread with a running loop unless told the tests know what they do.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
