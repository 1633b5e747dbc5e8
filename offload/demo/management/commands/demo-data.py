"""`offload demo-data`: load (or refresh) the demo world and print every demo login."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from offload.demo.loader import DemoReport, load_demo_world
from offload.demo.world import DEMO_PASSWORD
from offload.tenancy.models import Brand
from offload.tenancy.scoping import system_scope


class Command(BaseCommand):
    help = (
        "Load the demo world (provider Northwind NOC, three MSPs, their clients, people and devices). "
        "Deterministic and idempotent: running it again changes nothing. Prints every demo login."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the table of logins.")
        parser.add_argument(
            "--base-url",
            default=None,
            help="Where Offload answers, for the printed portal addresses (default: OFFLOAD_BASE_URL).",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        report = load_demo_world(progress=lambda line: self.stdout.write(f"  {line}"))
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo world ready in {elapsed:.1f} s: {summary(report)}"))
        if not options["quiet_logins"]:
            self.stdout.write(logins_table(report, base_url=options["base_url"] or settings.BASE_URL))


def summary(report: DemoReport) -> str:
    if not report.changed:
        return "nothing to change (already loaded)."
    created = ", ".join(f"{n} {label.split('.')[-1]}" for label, n in sorted(report.created.items()))
    updated = ", ".join(f"{n} {label.split('.')[-1]}" for label, n in sorted(report.updated.items()))
    return f"created {created or 'nothing'}; updated {updated or 'nothing'}."


def logins_table(report: DemoReport, *, base_url: str) -> str:
    """Every demo login as a plain-text table, then the shared password and the portal addresses."""
    rows = [("EMAIL", "ROLE", "ORGANIZATION")] + [(x.email, x.role, x.organization) for x in report.logins]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = ["", "Demo logins (sign in at the staff console or the MSP's portal):", ""]
    for email, role, organization in rows:
        lines.append(f"  {email.ljust(widths[0])}  {role.ljust(widths[1])}  {organization}")
    lines += ["", f"Password for every demo login: {DEMO_PASSWORD}", "", "Portals:"]
    base = urlsplit(base_url)
    port = f":{base.port}" if base.port else ""
    for brand, host in report.portals:
        lines.append(f"  {brand}: {base.scheme}://{host}{port}/")
    if report.alert_tokens:
        hook = f"{base_url.rstrip('/')}/hooks/alerts/alertmanager/"
        lines += ["", f"Alertmanager webhook: {hook} (send the token as a Bearer token):"]
        lines += [f"  {msp}: {token}" for msp, token in report.alert_tokens]
    lines += ["", "Support addresses (mail in: `offload ingest-email --to ADDRESS < message.eml`):"]
    lines += [f"  {brand}: {address}" for brand, address in support_addresses([b for b, _ in report.portals])]
    return "\n".join(lines) + "\n"


def support_addresses(brands: list[str]) -> list[tuple[str, str]]:
    """(brand, support address) of the demo brands: where their end users write in by mail."""
    with system_scope("demo-data: print the demo brands' support addresses"):
        rows = Brand.objects.filter(name__in=brands).order_by("name").values_list("name", "support_email")
        return list(dict.fromkeys(rows))
