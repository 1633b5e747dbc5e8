"""Fixtures of the service-desk tests: act as one of the world's users."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Attachments written by a test land in its own temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
