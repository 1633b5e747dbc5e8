"""`offload ingest-email --to ADDRESS < message.eml`: the MTA pipe into mail intake.

For an MTA's pipe transport (Postfix `pipe`, Exim `pipe`, a `dovecot-lda`-style delivery): the
message comes on stdin, the recipient in `--to`. Exit codes follow sysexits, as MTAs expect:
0 when the message is stored (accepted, a duplicate, or quarantined for review — it is ours now),
75 (EX_TEMPFAIL) when it could not be stored (database unavailable, …: the MTA keeps it and tries
again later), 64 (EX_USAGE) for a bad invocation. Processing happens later, in the task worker.
"""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offload.servicedesk.models import InboundMessage
from offload.servicedesk.services.intake import receive_email

EX_USAGE = 64
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store one RFC 5322 message read from stdin for the brand whose support address is --to."
    # call_command(..., stdin=BytesIO(...)) for tests and in-process callers.
    stealth_options = ("stdin",)
    # An MTA runs this once per message: skip the system checks (slow, and some query the
    # database, whose failure must surface as our EX_TEMPFAIL rather than a traceback and exit 1).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, help="The recipient (a brand's support address).")

    def handle(self, *args: Any, to: str, **options: Any) -> None:
        source: BinaryIO = options.get("stdin") or sys.stdin.buffer
        try:
            raw = source.read()
        except OSError as exc:
            raise CommandError(f"Could not read the message: {exc}", returncode=EX_TEMPFAIL) from exc
        if "@" not in to:
            raise CommandError(f"--to must be an address, not {to!r}.", returncode=EX_USAGE)
        try:
            stored = receive_email(raw=raw, recipient=to)
        except Exception as exc:  # anything that kept us from storing it: the MTA must retry
            raise CommandError(
                f"Temporary failure, not stored: {type(exc).__name__}: {exc}", returncode=EX_TEMPFAIL
            ) from exc
        if isinstance(stored, InboundMessage):
            self.stdout.write(f"stored inbound message {stored.pk} <{stored.message_id}> ({stored.status})")
        else:
            self.stdout.write(f"unrouted message {stored.pk} for {stored.recipient} kept ({stored.reason})")
