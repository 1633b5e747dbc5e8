"""A real database for tests that start `offload` processes (workers, the demo supervisor).

pytest-django's test database is an in-memory SQLite database (or a transaction on PostgreSQL)
that another process cannot see, so these tests build their own: a SQLite file in a temporary
folder, or — when DATABASE_URL names PostgreSQL — a freshly created database on that server,
dropped afterwards. They migrate it and drive it only through subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

OFFLOAD = str(Path(sys.executable).with_name("offload"))


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def live_env(tmp_path) -> Iterator[dict[str, str]]:
    """Environment for subprocesses pointing at a fresh, migrated database of the suite's kind."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["OFFLOAD_DATA_DIR"] = str(tmp_path / "data")
    url = os.environ.get("DATABASE_URL", "")
    created = None
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        created = f"offload_tasks_{uuid.uuid4().hex[:12]}"
        admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{created}"))
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([OFFLOAD, "migrate", "--skip-checks", "-v0"], env=env, check=True, timeout=120)
    try:
        yield env
    finally:
        if created:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def django(env: dict[str, str], code: str) -> object:
    """Run Python with Django set up in a subprocess against the live database; return its JSON output."""
    prelude = "import json, django; django.setup()\n"
    out = subprocess.run(
        [sys.executable, "-c", prelude + code],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])
