"""With DEBUG off, pages use hashed static files built by collectstatic and served by WhiteNoise."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.mark.slow
def test_collectstatic_builds_every_vendored_file_and_pages_link_hashed_names(settings, tmp_path):
    """The production static build succeeds (CSS url()s and source maps resolve) and pages use it."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST}
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list((tmp_path / "vendor/bootstrap-icons/font/fonts").glob("bootstrap-icons.*.woff2"))

    html = HttpClient().get("/accounts/login/").content.decode()
    hashed = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", url) for url in hashed)
    for url in hashed:
        assert (tmp_path / url.removeprefix("/static/")).exists(), url
