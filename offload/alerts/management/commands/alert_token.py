"""`offload alert-token MSP KIND [--client NAME|ID] [--name NAME]`: create an alert integration token.

Prints the endpoint URL and, on the last line alone, the token (shown once).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offload.alerts.choices import IntegrationKind
from offload.alerts.services.integrations import create_integration, endpoint_url
from offload.core.errors import DomainError
from offload.tenancy.models import MSP, Client
from offload.tenancy.scoping import system_scope


class Command(BaseCommand):
    help = "Create a webhook token for a monitoring tool of an MSP and print its URL and the token (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("msp", help="The MSP's slug.")
        parser.add_argument("kind", choices=IntegrationKind.values, help="The monitoring tool.")
        parser.add_argument("--client", default="", help="Bind the token to this client (its name or id).")
        parser.add_argument("--name", default="", help="A name to recognise the token by.")

    def handle(self, *args: Any, msp: str, kind: str, client: str, name: str, **options: Any) -> None:
        with system_scope("operator creates an alert token"):
            owner = MSP.objects.filter(slug=msp).first()
            if owner is None:
                raise CommandError(f"No MSP with the slug {msp!r}.")
            bound = None
            if client:
                clients = Client.objects.filter(msp=owner)
                bound = clients.filter(pk=int(client)).first() if client.isdigit() else None
                bound = bound or clients.filter(name__iexact=client).first()
                if bound is None:
                    raise CommandError(f"{owner.name} has no client {client!r}.")
            try:
                integration, raw = create_integration(
                    actor=None, msp=owner, kind=kind, name=name, client=bound
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(f"Created “{integration.name}” ({integration.key_prefix}…) for {owner.name}.")
        self.stdout.write(f"Endpoint: {endpoint_url(kind)}")
        self.stdout.write(
            "Send the token as “Authorization: Bearer <token>” (or ?token=<token>); shown once:"
        )
        # Scripts read the last line: nothing may follow it.
        self.stdout.write(raw)
