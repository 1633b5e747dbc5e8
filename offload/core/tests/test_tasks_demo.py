"""`offload demo` as a user runs it: web server, worker and scheduler up; Ctrl-C stops all three."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from offload.core.tests.live import OFFLOAD, django, live_env, wait_for  # noqa: F401  (live_env is a fixture)

pytestmark = pytest.mark.slow

USERS = "from offload.accounts.models import User\nprint(json.dumps(User.objects.count()))"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_demo(env: dict[str, str], port: int, log: Path, *extra: str) -> subprocess.Popen:
    demo = subprocess.Popen(
        [OFFLOAD, "demo", "--port", str(port), "--web-workers", "1", *extra],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for(lambda: "Offload is running at" in log.read_text() or demo.poll() is not None, timeout=180,
             what="the demo to come up")  # fmt: skip
    assert demo.poll() is None, log.read_text()
    return demo


def children(demo: subprocess.Popen) -> dict[str, psutil.Process]:
    found = {}
    for child in psutil.Process(demo.pid).children():
        line = " ".join(child.cmdline())
        for role in ("gunicorn", "worker", "scheduler"):
            if role in line:
                found[role] = child
    return found


def stop_with_ctrl_c(demo: subprocess.Popen, processes: dict[str, psutil.Process]) -> int:
    demo.send_signal(signal.SIGINT)
    code = demo.wait(timeout=60)
    _, alive = psutil.wait_procs(list(processes.values()), timeout=10)
    assert alive == []
    return code


def sign_in(base: str, email: str, password: str) -> urllib.response.addinfourl:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password})
    try:
        opener.open(urllib.request.Request(f"{base}/accounts/login/", data=form.encode()))
    except urllib.error.HTTPError as answer:  # the redirect after signing in, not followed
        return answer
    raise AssertionError("signing in did not redirect")


def test_demo_serves_offload_runs_worker_and_scheduler_and_stops_on_ctrl_c(live_env, tmp_path):  # noqa: F811
    """The demo serves pages and static files over plain HTTP, a demo login works, Ctrl-C stops all."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "demo.log"
    demo = start_demo(live_env, port, log)
    try:
        processes = children(demo)
        assert set(processes) == {"gunicorn", "worker", "scheduler"}

        login_page = urllib.request.urlopen(f"{base}/accounts/login/")
        assert login_page.status == 200
        cookies = login_page.headers.get_all("Set-Cookie")
        assert cookies
        assert all("secure" not in cookie.lower() for cookie in cookies)
        html = login_page.read().decode()
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
        assert urllib.request.urlopen(base + stylesheet).status == 200

        output = log.read_text()
        email = re.search(r"[\w.+-]+@[\w.-]+\.example", output).group(0)
        password = re.search(r"[Pp]assword[^:\n]*:\s*(\S+)", output).group(1)
        answer = sign_in(base, email, password)
        assert answer.status == 302
        assert "/accounts/login" not in answer.headers["Location"]
        users = django(live_env, USERS)
    finally:
        code = stop_with_ctrl_c(demo, children(demo))
    assert code == 0
    assert "Offload demo stopped." in log.read_text()

    # Again: the data is still there (same users, the same login works).
    demo = start_demo(live_env, port, tmp_path / "again.log")
    try:
        assert sign_in(base, email, password).status == 302
        assert django(live_env, USERS) == users
    finally:
        assert stop_with_ctrl_c(demo, children(demo)) == 0
