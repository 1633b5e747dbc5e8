"""Real mail servers for the mail tests: a throwaway Dovecot (IMAP) and an aiosmtpd sink, on loopback.

Dovecot runs from a config written into a fresh directory (passwd-file auth, maildir, no SSL) on
a free port; mail is delivered into its maildir by `dovecot-lda`, as an MTA would. Dovecot refuses
to run mail processes as root, so when the tests run as root the mail directories belong to the
packaged `dovecot` user (the daemons drop to it); otherwise everything runs as the current user.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

DOVECOT = "/usr/sbin/dovecot"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@dataclass
class Dovecot:
    """A running Dovecot: log in as `user`/`password` on 127.0.0.1:`port`."""

    root: Path
    config: Path
    port: int
    user: str = "support"
    password: str = "s3cret-imap"

    def deliver(self, raw: bytes, *, folder: str = "") -> None:
        """Deliver `raw` into the user's mailbox with dovecot-lda, as an MTA's local delivery does."""
        command = [DOVECOT_LDA, "-c", str(self.config), "-d", self.user]
        if folder:
            command += ["-m", folder]
        done = subprocess.run(command, input=raw, capture_output=True, timeout=30, check=False)
        assert done.returncode == 0, (done.returncode, done.stderr.decode(), self.log())

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot IMAP server on a free loopback port, stopped and removed after the test."""
    root = Path(tempfile.mkdtemp(prefix="offload-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    if os.geteuid() == 0:
        mail_user, mail_group = "dovecot", "dovecot"
        login_user = "dovenull"
    else:
        mail_user = login_user = pwd.getpwuid(os.getuid()).pw_name
        mail_group = grp.getgrgid(os.getgid()).gr_name
    server = Dovecot(root=root, config=root / "dovecot.conf", port=port)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        for sub in ("mail", "home"):
            shutil.chown(root / sub, mail_user, mail_group)
    (root / "passwd").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    server.config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {mail_user}
default_internal_group = {mail_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
protocol lda {{
  postmaster_address = postmaster@example.test
}}
"""
    )
    subprocess.run([DOVECOT, "-c", str(server.config)], check=True, timeout=30)
    try:
        wait_for_port(port)
        yield server
    finally:
        subprocess.run([DOVECOT, "-c", str(server.config), "stop"], check=False, timeout=30)
        pid_file = root / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class SmtpSink:
    """Mail received by the aiosmtpd sink: (envelope recipients, parsed message, raw bytes)."""

    host: str
    port: int
    received: list[tuple[list[str], EmailMessage, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message, raw))  # type: ignore[arg-type]
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [m for _, m, _ in self.received]


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:
    """An aiosmtpd server on loopback, and Django's default mailer pointed at it over SMTP."""
    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": sink.host, "port": sink.port, "timeout": 10},
        }
    }
    try:
        yield sink
    finally:
        controller.stop()
