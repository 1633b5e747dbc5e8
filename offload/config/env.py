"""The one module that reads the environment.

Every setting that an operator may change is read here, with its default and its meaning, so that
`docs/configuration` and this file can be compared line by line. Nothing else in Offload calls
`os.environ`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class Environment:
    """Offload's configuration, as read from environment variables (names in capitals below)."""

    # OFFLOAD_DEBUG: development mode (tracebacks in pages). Never in production.
    debug: bool = field(default_factory=lambda: _bool("OFFLOAD_DEBUG", False))
    # OFFLOAD_SECRET_KEY: required in production; a fixed development key is used otherwise.
    secret_key: str = field(default_factory=lambda: os.environ.get("OFFLOAD_SECRET_KEY", ""))
    # DATABASE_URL: postgres://… for production; default an embedded SQLite file in OFFLOAD_DATA_DIR.
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", ""))
    # OFFLOAD_DATA_DIR: where the SQLite database and uploaded files live.
    data_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("OFFLOAD_DATA_DIR", str(BASE_DIR / "var")))
    )
    # OFFLOAD_ALLOWED_HOSTS: comma-separated host names (portal host names are added from brands).
    allowed_hosts: list[str] = field(
        default_factory=lambda: _list("OFFLOAD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],.localhost")
    )
    # OFFLOAD_BASE_URL: the staff console's public address, used in mails and the API docs.
    base_url: str = field(default_factory=lambda: os.environ.get("OFFLOAD_BASE_URL", "http://127.0.0.1:8000"))
    # OFFLOAD_REQUIRE_STAFF_MFA: provider and MSP staff must enrol a second factor (default on).
    require_staff_mfa: bool = field(default_factory=lambda: _bool("OFFLOAD_REQUIRE_STAFF_MFA", True))
    # OFFLOAD_SECURE: HTTPS-only cookies, HSTS and redirects (default on unless OFFLOAD_DEBUG).
    secure: bool | None = field(
        default_factory=lambda: _bool("OFFLOAD_SECURE", True) if os.environ.get("OFFLOAD_SECURE") else None
    )
    # OFFLOAD_EMAIL_URL: smtp://user:pass@host:port, or console:// (default) to print mails.
    email_url: str = field(default_factory=lambda: os.environ.get("OFFLOAD_EMAIL_URL", "console://"))
    # OFFLOAD_DEFAULT_FROM_EMAIL: sender of system mails (password resets) that belong to no brand.
    default_from_email: str = field(
        default_factory=lambda: os.environ.get("OFFLOAD_DEFAULT_FROM_EMAIL", "offload@localhost")
    )
    # OFFLOAD_MAIL_MESSAGE_ID_DOMAIN: the domain of the Message-IDs of mails we send (default: the
    # host of OFFLOAD_BASE_URL); inbound mail with an id in this domain is our own and dropped.
    mail_message_id_domain: str = field(
        default_factory=lambda: os.environ.get("OFFLOAD_MAIL_MESSAGE_ID_DOMAIN", "")
    )
    # OFFLOAD_MAIL_LOOP_TOKEN: a secret of this installation written into the X-Offload-Loop header.
    mail_loop_token: str = field(default_factory=lambda: os.environ.get("OFFLOAD_MAIL_LOOP_TOKEN", ""))
    # OFFLOAD_MAIL_RATE: mails to one recipient per MSP allowed per window, e.g. "10/10m".
    mail_rate: str = field(default_factory=lambda: os.environ.get("OFFLOAD_MAIL_RATE", "10/10m"))
    # OFFLOAD_LOG_LEVEL: INFO by default.
    log_level: str = field(default_factory=lambda: os.environ.get("OFFLOAD_LOG_LEVEL", "INFO"))
    # OFFLOAD_LOGIN_RATE: sign-in attempts allowed per client address and account, e.g. "5/5m".
    login_rate: str = field(default_factory=lambda: os.environ.get("OFFLOAD_LOGIN_RATE", "10/5m/ip,5/5m/key"))


ENV = Environment()
