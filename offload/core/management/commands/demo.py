"""`offload demo`: migrate, load the demo world, and run web server, worker and scheduler together.

A small process supervisor. It imports no Offload app: it calls `migrate` and `demo-data` by name
(demo-data belongs to the offload.demo app and is skipped with a message if that app is absent),
collects static files when they changed, then starts three children and watches them:

- the web server: gunicorn serving offload.config.wsgi, static files through WhiteNoise;
- `offload worker` (every queue);
- `offload scheduler` (periodic jobs).

Ctrl-C (or SIGTERM) stops all three gracefully (SIGKILL after a timeout); if one of them dies,
the others are stopped too and the exit status is non-zero. Running it again keeps the data.

The demo serves plain HTTP on loopback, so for its children it sets, unless already set:
OFFLOAD_SECURE=0 (no Secure-only cookies, no HTTPS redirect) and OFFLOAD_REQUIRE_STAFF_MFA=0
(staff may sign in without enrolling a second factor), and OFFLOAD_BASE_URL to its own address.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT = 15.0
DEMO_ENVIRONMENT = {"OFFLOAD_SECURE": "0", "OFFLOAD_REQUIRE_STAFF_MFA": "0"}


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor itself is killed (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Command(BaseCommand):
    help = "Run the Offload demo: migrate, load demo data, then web server + worker + scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default: %(default)s)")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes (default: 2)")
        parser.add_argument("--no-data", action="store_true", help="Do not run demo-data.")

    def handle(self, *, host: str, port: int, web_workers: int, no_data: bool, **options) -> None:
        url = f"http://{host}:{port}"
        self.ensure_port_free(host, port)
        env = self.child_environment(url)

        self.stdout.write(self.style.MIGRATE_HEADING(f"Preparing the database ({self.database_label()})…"))
        call_command("migrate", interactive=False, verbosity=0)
        logins = "" if no_data else self.load_demo_data()
        self.collect_static()

        children = self.start_children(env, host=host, port=port, web_workers=web_workers)
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        failed = None
        try:
            if self.wait_until_listening(host, port, children, lambda: stopping):
                if logins:
                    self.stdout.write(logins)
                self.banner(url, env)
            while not stopping and failed is None:
                failed = next((name for name, child in children.items() if child.poll() is not None), None)
                time.sleep(0.2)
        finally:
            self.stop_children(children)
        if failed:
            raise CommandError(f"The {failed} exited unexpectedly (status {children[failed].returncode}).")
        self.stdout.write("Offload demo stopped.")

    # --- preparation ------------------------------------------------------------------------------------
    def ensure_port_free(self, host: str, port: int) -> None:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as e:
                raise CommandError(
                    f"Cannot listen on {host}:{port} ({e.strerror}). Is another Offload running? "
                    "Stop it, or choose another port with `offload demo --port N`."
                ) from e

    def child_environment(self, url: str) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in DEMO_ENVIRONMENT.items():
            env.setdefault(key, value)
        env.setdefault("OFFLOAD_BASE_URL", url)
        env.setdefault("DJANGO_SETTINGS_MODULE", "offload.config.settings")
        env["PYTHONUNBUFFERED"] = "1"  # children's logs appear as they happen
        return env

    def database_label(self) -> str:
        db = settings.DATABASES["default"]
        return f"SQLite {db['NAME']}" if "sqlite" in db["ENGINE"] else f"PostgreSQL {db.get('NAME')}"

    def load_demo_data(self) -> str:
        """Run demo-data (idempotent); return what it printed (the logins), to show again at the end."""
        if "demo-data" not in get_commands():
            self.stderr.write(
                "The demo-data command is not available (app offload.demo not installed): "
                "starting with the database as it is."
            )
            return ""
        self.stdout.write(self.style.MIGRATE_HEADING("Loading the demo world…"))
        out = io.StringIO()
        call_command("demo-data", stdout=out)
        return out.getvalue()

    def collect_static(self) -> None:
        """Collect static files for WhiteNoise, but only when the sources changed since last time."""
        root = Path(settings.STATIC_ROOT)
        stamp = root / ".offload-collected"
        fingerprint = self.static_fingerprint()
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        self.stdout.write(self.style.MIGRATE_HEADING("Collecting static files…"))
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)

    def static_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for finder in finders.get_finders():
            for path, storage in finder.list([]):
                stat = os.stat(storage.path(path))
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    # --- the three children ---------------------------------------------------------------------------
    def start_children(
        self, env: dict[str, str], *, host: str, port: int, web_workers: int
    ) -> dict[str, subprocess.Popen]:
        offload = [sys.executable, "-m", "offload.config.cli"]
        commands = {
            "web server": [
                sys.executable, "-m", "gunicorn", "offload.config.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
                "--graceful-timeout", str(int(STOP_TIMEOUT - 5)), "--access-logfile", "-",
                "--no-control-socket",  # no shared ~/.gunicorn socket between several demos
            ],
            "task worker": [*offload, "worker", "--skip-checks"],
            "scheduler": [*offload, "scheduler", "--skip-checks"],
        }  # fmt: skip
        children: dict[str, subprocess.Popen] = {}
        try:
            for name, argv in commands.items():
                # Own session: a terminal Ctrl-C reaches only the supervisor, which stops each child
                # in order; _die_with_parent covers the supervisor being killed outright.
                children[name] = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
                    argv, env=env, start_new_session=True, preexec_fn=_die_with_parent
                )
        except BaseException:
            self.stop_children(children)
            raise
        return children

    def wait_until_listening(self, host: str, port: int, children, stopping) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stopping():
            if any(child.poll() is not None for child in children.values()):
                return False
            with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
                return True
            time.sleep(0.2)
        return False

    def banner(self, url: str, env: dict[str, str]) -> None:
        relaxed = ", ".join(f"{key}={env[key]}" for key in DEMO_ENVIRONMENT)
        lines = [
            "",
            self.style.SUCCESS(f"  Offload is running at {url}/"),
            "  Web server, task worker and scheduler are up. Press Ctrl-C to stop all three.",
            "  Sign in with one of the demo logins listed above.",
            f"  Demo settings for plain HTTP on loopback: {relaxed}.",
            "",
        ]
        self.stdout.write("\n".join(lines))

    def stop_children(self, children: dict[str, subprocess.Popen]) -> None:
        running = {name: child for name, child in children.items() if child.poll() is None}
        if running:
            self.stdout.write(f"Stopping {', '.join(running)}…")
        for child in running.values():
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, child in running.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop in {STOP_TIMEOUT:.0f} s; killing it.")
                child.kill()
                child.wait()
