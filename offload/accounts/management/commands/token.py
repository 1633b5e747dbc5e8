"""`offload token EMAIL [--name NAME]`: create an API token; the token alone is the last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offload.accounts.models import User
from offload.accounts.services.tokens import create_api_token
from offload.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal API token for the user with this email address and print it (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address.")
        parser.add_argument("--name", default="Command line", help="A name to recognise the token by.")

    def handle(self, *args: Any, email: str, name: str, **options: Any) -> None:
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with the email address {email!r}.")
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated; its tokens would not work.")
        try:
            token, raw = create_api_token(actor=None, user=user, name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created token “{token.name}” ({token.key_prefix}…) for {user.email}; shown once:")
        # Scripts read the last line: nothing may follow it.
        self.stdout.write(raw)
