"""The API docs page works in a real browser under Offload's Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_render_the_operations_without_csp_violations(live_server, settings, chromium):
    """Swagger UI loads from our own static files, lists the operations, and breaks no CSP rule."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = chromium.new_page()
    violations: list[str] = []
    external: list[str] = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on("request", lambda req: None if req.url.startswith(live_server.url) else external.append(req.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 13
    assert not violations, violations
    assert not [url for url in external if not url.startswith("data:")], external
    page.close()
