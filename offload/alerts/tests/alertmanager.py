"""A real Prometheus Alertmanager for tests (Debian's prometheus-alertmanager; scripts/test-deps).

`alertmanager_factory(webhook_url=...)` starts one on a free loopback port with a temp config
whose only receiver is a webhook to `webhook_url` (group_wait/group_interval 1 s, resolved
notifications on, clustering off, storage in a temp dir) and stops it by pid at teardown.
`post_alerts` / `resolve_alerts` talk to its API v2. `webhook_recorder` is a tiny loopback HTTP
receiver that keeps every POSTed body, for tests that do not need the Django endpoint.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

BINARY = "/usr/bin/prometheus-alertmanager"
CONFIG = """\
route:
  receiver: offload
  group_by: [{group_by}]
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: {repeat_interval}
receivers:
  - name: offload
    webhook_configs:
      - url: {webhook_url}
        send_resolved: true
        max_alerts: {max_alerts}
"""
# Appended to the webhook config when the endpoint wants an Authorization header.
AUTHORIZATION = """\
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Alertmanager:
    """A running Alertmanager: its API base URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop it by pid: SIGTERM, then SIGKILL if it does not exit within 10 s."""
        if self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_alertmanager(
    *,
    webhook_url: str,
    workdir: Path,
    group_by: tuple[str, ...] = ("alertname",),
    group_wait: str = "1s",
    group_interval: str = "1s",
    repeat_interval: str = "1h",
    max_alerts: int = 0,
    bearer_token: str | None = None,
) -> Alertmanager:
    """Start Alertmanager with a webhook receiver; returns once its API answers ready.

    `bearer_token` makes it send "Authorization: Bearer <token>" with every notification.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "alertmanager.yml"
    config.write_text(
        CONFIG.format(
            group_by=", ".join(json.dumps(label) for label in group_by),
            group_wait=group_wait,
            group_interval=group_interval,
            repeat_interval=repeat_interval,
            webhook_url=json.dumps(webhook_url),
            max_alerts=max_alerts,
        )
        + (AUTHORIZATION.format(token=json.dumps(bearer_token)) if bearer_token else "")
    )
    (workdir / "data").mkdir(exist_ok=True)
    port = free_port()
    log_path = workdir / "alertmanager.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                BINARY,
                f"--config.file={config}",
                f"--storage.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    manager = Alertmanager(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Alertmanager exited with {process.returncode}:\n{manager.log()}")
        try:
            with urllib.request.urlopen(f"{manager.url}/-/ready", timeout=1) as response:
                if response.status == 200:
                    return manager
        except OSError:
            time.sleep(0.05)
    manager.stop()
    raise RuntimeError(f"Alertmanager did not become ready in 15 s:\n{manager.log()}")


def make_alert(labels: dict[str, str], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """An API v2 alert that started a minute ago and stays firing until resolved."""
    return {
        "labels": labels,
        "annotations": annotations or {},
        "startsAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "generatorURL": "http://prometheus.test:9090/graph",
    }


def post_alerts(manager: Alertmanager, alerts: list[dict[str, Any]]) -> None:
    """POST alerts to Alertmanager's API v2 (as Prometheus does)."""
    request = urllib.request.Request(
        f"{manager.url}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"Alertmanager refused the alerts: {response.status}")


def resolve_alerts(manager: Alertmanager, alerts: list[dict[str, Any]]) -> None:
    """Resolve alerts posted earlier: the same labels and start, with an end time of now."""
    now = datetime.now(UTC).isoformat()
    post_alerts(manager, [{**alert, "endsAt": now} for alert in alerts])


@dataclass
class WebhookRecorder:
    """A loopback HTTP server that records every POST body (and answers 200)."""

    url: str
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, predicate: Callable[[list[bytes]], bool], timeout: float = 20) -> list[bytes]:
        """Block until predicate(bodies so far) holds; the bodies, or AssertionError on timeout."""
        with self.condition:
            if not self.condition.wait_for(lambda: predicate(list(self.bodies)), timeout=timeout):
                raise AssertionError(f"webhook condition not met within {timeout} s; got {self.bodies!r}")
            return list(self.bodies)


@pytest.fixture
def webhook_recorder() -> Iterator[WebhookRecorder]:
    """A running WebhookRecorder, shut down after the test."""
    recorder: WebhookRecorder

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with recorder.condition:
                recorder.headers.append(dict(self.headers.items()))
                recorder.bodies.append(body)
                recorder.condition.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder = WebhookRecorder(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def alertmanager_factory(tmp_path: Path) -> Iterator[Callable[..., Alertmanager]]:
    """Start Alertmanagers (`factory(webhook_url=..., **options)`); all are stopped afterwards."""
    started: list[Alertmanager] = []

    def factory(*, webhook_url: str, **options: Any) -> Alertmanager:
        manager = start_alertmanager(
            webhook_url=webhook_url, workdir=tmp_path / f"alertmanager-{len(started)}", **options
        )
        started.append(manager)
        return manager

    yield factory
    for manager in started:
        manager.stop()
