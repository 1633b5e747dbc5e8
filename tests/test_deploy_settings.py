"""`offload check --deploy` passes with production settings, read from the environment as operators set it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    """Run the `offload` console script in a fresh process with a production environment."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("OFFLOAD_")
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' fixtures while they run, never in production.
        and name not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        OFFLOAD_SECRET_KEY=secrets.token_urlsafe(50),
        OFFLOAD_SECURE="1",
        OFFLOAD_ALLOWED_HOSTS="offload.example.com,support.acme-it.example",
        OFFLOAD_BASE_URL="https://offload.example.com",
        OFFLOAD_EMAIL_URL="submission://offload:secret@mail.example.com:587",
        OFFLOAD_DATA_DIR=str(tmp_path),
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-m", "offload.config.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    """Production settings (secret key, HTTPS, host names, a mail server, no debug) have no deploy issues."""
    result = run_deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_flags_a_production_install_without_a_mail_server(tmp_path):
    """Without OFFLOAD_EMAIL_URL, password-reset mails would only be printed: the deploy check refuses it."""
    result = run_deploy_check(tmp_path, OFFLOAD_EMAIL_URL="console://")
    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr


def test_deploy_check_flags_debug(tmp_path):
    """Turning on debug pages in production is reported by the deploy check."""
    result = run_deploy_check(tmp_path, OFFLOAD_DEBUG="1")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr
