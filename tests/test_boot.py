"""Offload's commands start in a fresh process: nothing queries tenant rows at import time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_manage_check_imports_every_url_and_form_outside_a_scope(tmp_path):
    """`offload check` (as `make demo` and every management command do) imports the URLconf and
    every view module with no scope active; a form that builds a scoped queryset at import time
    would crash it with ScopeError, so it must pass in a fresh process."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env["OFFLOAD_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout
