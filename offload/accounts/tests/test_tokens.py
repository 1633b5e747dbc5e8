"""Personal API tokens: stored hashed, shown once, revocable, with a throttled last-used time."""

from __future__ import annotations

import datetime
import subprocess
import sys
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from offload.accounts.models import ApiToken, hash_token
from offload.accounts.services.tokens import authenticate_api_token, create_api_token, revoke_api_token
from offload.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash(world):
    """The database holds the SHA-256 and a short prefix, never the secret itself."""
    user = world.user("msp_owner")
    token, raw = create_api_token(actor=user, user=user, name="CI")
    assert raw.startswith("ofl_")
    assert len(raw) > 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in str(row)
    assert row["key_hash"] == hash_token(raw)
    assert raw.startswith(row["key_prefix"])
    assert len(row["key_prefix"]) < 12


def test_each_token_is_unique(world):
    """Two tokens never share a secret."""
    user = world.user("finance")
    raws = {create_api_token(actor=user, user=user, name=f"t{i}")[1] for i in range(5)}
    assert len(raws) == 5


def test_nobody_creates_or_revokes_someone_elses_token(world):
    """A user can only create and revoke their own tokens."""
    owner, other = world.user("msp_owner"), world.user("technician")
    with pytest.raises(NotFound):
        create_api_token(actor=other, user=owner, name="sneaky")
    token, _raw = create_api_token(actor=owner, user=owner, name="mine")
    with pytest.raises(NotFound):
        revoke_api_token(actor=other, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_needs_a_name(world):
    """An empty or overlong name is refused."""
    user = world.user("finance")
    with pytest.raises(DomainError):
        create_api_token(actor=user, user=user, name="   ")
    with pytest.raises(DomainError):
        create_api_token(actor=user, user=user, name="x" * 101)


def test_revoked_token_stops_authenticating(world):
    """Revoking a token takes effect at once and keeps the first revocation time."""
    user = world.user("finance")
    token, raw = create_api_token(actor=user, user=user, name="old")
    assert authenticate_api_token(raw) is not None
    revoke_api_token(actor=user, token=token)
    first = token.revoked_at
    revoke_api_token(actor=user, token=token)
    assert token.revoked_at == first
    assert authenticate_api_token(raw) is None


def test_last_used_is_recorded_at_most_once_a_minute(world):
    """Using a token records when, but a busy client costs one write per minute, not per request."""
    user = world.user("finance")
    token, raw = create_api_token(actor=user, user=user, name="busy")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        authenticate_api_token(raw)
        token.refresh_from_db()
        assert token.last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        authenticate_api_token(raw)
        token.refresh_from_db()
        assert token.last_used_at == start
    later = start + datetime.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        authenticate_api_token(raw)
        token.refresh_from_db()
        assert token.last_used_at == later


def test_api_request_records_last_use(world):
    """Calling the API with a token sets its last-used time."""
    user = world.user("finance")
    token, raw = create_api_token(actor=user, user=user, name="script")
    Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_command_prints_the_token_alone_on_its_last_line(world):
    """`offload token EMAIL --name N` ends its output with the token, which then authenticates."""
    out = StringIO()
    call_command("token", "MSP_OWNER@people.example", "--name", "deploy", stdout=out)
    last_line = out.getvalue().rstrip("\n").splitlines()[-1]
    assert last_line.startswith("ofl_")
    assert " " not in last_line
    token = authenticate_api_token(last_line)
    assert token is not None
    assert token.name == "deploy"
    assert token.user == world.user("msp_owner")


def test_token_command_refuses_unknown_email(world):
    """An unknown address is an error, and no token is made."""
    with pytest.raises(CommandError):
        call_command("token", "nobody@people.example", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_offload_token_console_script_help():
    """The `offload token` command is installed in the console script."""
    offload = [sys.executable, "-m", "django", "help", "token"]
    result = subprocess.run(
        offload,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"DJANGO_SETTINGS_MODULE": "offload.config.settings", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "--name" in result.stdout
