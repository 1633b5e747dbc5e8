"""Fixtures for console and tenancy page tests."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient


@pytest.fixture
def no_mfa(settings):
    """Pages under test, not the MFA enrolment gate (tested on its own in test_signin.py)."""
    settings.OFFLOAD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def as_role(world, no_mfa):
    """A test client signed in as the world's user for a role key, e.g. as_role("msp_owner")."""

    def sign_in(key: str) -> HttpClient:
        http = HttpClient()
        http.force_login(world.user(key))
        return http

    return sign_in
