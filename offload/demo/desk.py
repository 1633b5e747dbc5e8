"""The demo service desk: categories, the NOC's runbook library adopted by each MSP, recurring
maintenance, and a few weeks of tickets in every state — created through the services, as mail,
portal and phone would, so the timeline, SLA clocks and routing are real.

Idempotent: categories, runbooks and schedules are upserted by name; tickets are created only for
an MSP that has none of the demo's tickets yet (the first subject is the marker).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from offload.accounts.acting import acting_for_user
from offload.accounts.choices import Role
from offload.accounts.models import User
from offload.noc.models import LibraryRunbook, MaintenanceSchedule, Runbook
from offload.noc.services import maintenance, runbooks
from offload.servicedesk.choices import Impact, TicketSource, Transition, Urgency
from offload.servicedesk.models import Category, Ticket
from offload.servicedesk.services import entries, tickets
from offload.servicedesk.services.guards import workable_clients
from offload.tenancy.models import MSP, Client, Contact, Provider
from offload.tenancy.scoping import activate, system_scope

CATEGORIES = (
    "Accounts",
    "Accounts / Password reset",
    "Accounts / MFA",
    "Network",
    "Network / Wi-Fi",
    "Network / VPN",
    "Printing",
    "Hardware",
    "Hardware / Laptop",
    "Software",
    "Software / Microsoft 365",
    "Patching",
    "Backups",
    "Servers",
    "Projects",
)

# (name, summary, suggested categories, steps)
LIBRARY = (
    (
        "Password reset",
        "A user is locked out or forgot their password.",
        ("Accounts / Password reset",),
        (
            {
                "title": "Verify the caller",
                "instructions": "Call back on the number on file.",
                "evidence": "note",
            },
            {"title": "Reset the password and require a change at next sign-in"},
            {"title": "Check the account is not locked in on-premises AD"},
            {"title": "Confirm the user can sign in", "evidence": "note"},
        ),
    ),
    (
        "Printer offline",
        "A printer shows offline or jobs are stuck.",
        ("Printing",),
        (
            {"title": "Check the queue on the print server", "evidence": "note"},
            {"title": "Power-cycle the printer"},
            {"title": "Print a test page", "evidence": "attachment", "required": False},
        ),
    ),
    (
        "Wi-Fi troubleshooting",
        "A device cannot join or keeps dropping the office Wi-Fi.",
        ("Network / Wi-Fi",),
        (
            {"title": "Check the controller for the client's association", "evidence": "note"},
            {"title": "Forget and rejoin the network"},
            {"title": "Update the wireless driver if older than 12 months", "required": False},
        ),
    ),
    (
        "Monthly patching",
        "Approve and install the month's updates, then verify services.",
        ("Patching",),
        (
            {"title": "Take a snapshot or confirm last night's backup", "evidence": "note"},
            {"title": "Approve and install updates"},
            {"title": "Reboot inside the client's window"},
            {"title": "Verify services and attach the patch report", "evidence": "attachment"},
        ),
    ),
    (
        "Backup check",
        "Confirm the backup jobs succeeded and a file restores.",
        ("Backups",),
        (
            {"title": "Review last 7 days of job results", "evidence": "note"},
            {"title": "Restore one test file", "evidence": "note"},
        ),
    ),
)

# (category, subject, description, impact, urgency, source)
TICKETS = (
    (
        "Accounts / Password reset",
        "Locked out of my account",
        "I typed my password wrong too many times.",
        "low",
        "high",
        "phone",
    ),
    (
        "Accounts / Password reset",
        "Password expired, cannot sign in",
        "It says my password has expired.",
        "low",
        "high",
        "email",
    ),
    (
        "Accounts / MFA",
        "New phone — need to move my authenticator",
        "Got a new iPhone, old one is gone.",
        "low",
        "medium",
        "portal",
    ),
    (
        "Network / Wi-Fi",
        "Wi-Fi keeps dropping in the meeting room",
        "Laptops lose the connection every few minutes.",
        "medium",
        "medium",
        "email",
    ),
    (
        "Network / VPN",
        "VPN disconnects when working from home",
        "Drops every 10 minutes since Monday.",
        "medium",
        "medium",
        "portal",
    ),
    (
        "Printing",
        "Second floor printer says offline",
        "Nobody on the second floor can print.",
        "medium",
        "high",
        "phone",
    ),
    (
        "Printing",
        "Scanner does not send to email anymore",
        "Scan to email fails with an error.",
        "low",
        "medium",
        "email",
    ),
    (
        "Hardware / Laptop",
        "Laptop fan very loud and slow",
        "Takes ages to open Outlook.",
        "low",
        "low",
        "portal",
    ),
    (
        "Software / Microsoft 365",
        "Shared mailbox missing in Outlook",
        "The accounts@ mailbox disappeared.",
        "medium",
        "medium",
        "email",
    ),
    (
        "Software / Microsoft 365",
        "Teams calls have no audio",
        "Headset works elsewhere.",
        "low",
        "medium",
        "portal",
    ),
    ("Backups", "Backup job failed last night", "Alert from the backup console.", "medium", "high", "email"),
    ("Servers", "File server disk almost full", "Drive D: at 94%.", "high", "medium", "email"),
    (
        "Projects",
        "Quote for new starter laptops",
        "We are hiring three people in March.",
        "low",
        "low",
        "email",
    ),
    (
        "Accounts",
        "New starter account for Monday",
        "Please create an account and licence.",
        "medium",
        "medium",
        "portal",
    ),
)

# The mix of states the demo tickets end in (cycled).
OUTCOMES = ("new", "assigned", "in_progress", "waiting", "resolved", "closed", "in_progress", "resolved")


@dataclass
class DeskReport:
    categories: int = 0
    runbooks: int = 0
    schedules: int = 0
    tickets: int = 0


def library_runbooks(provider: Provider) -> list[LibraryRunbook]:
    """The provider's library, upserted by name (system work of the demo loader)."""
    found = []
    for name, summary, suggestions, steps in LIBRARY:
        existing = LibraryRunbook.objects.filter(provider=provider, name=name).first()
        found.append(
            runbooks.save_library_runbook(
                actor=None,
                provider_id=provider.pk,
                name=name,
                summary=summary,
                steps=list(steps),
                suggested_categories=list(suggestions),
                runbook=existing,
            )
        )
    return found


def _categories(msp: MSP) -> dict[str, Category]:
    by_path: dict[str, Category] = {c.path: c for c in Category.objects.filter(msp=msp)}
    for path in CATEGORIES:
        if path in by_path:
            continue
        parent_path, _, name = path.rpartition(" / ")
        by_path[path] = Category.objects.create(
            msp=msp, name=name or path, path=path, parent=by_path.get(parent_path) if parent_path else None
        )
    return by_path


def _adopt(msp: MSP, library: list[LibraryRunbook], categories: dict[str, Category]) -> dict[str, Runbook]:
    adopted = {r.adopted_from_id: r for r in Runbook.objects.filter(msp=msp).exclude(adopted_from=None)}
    result = {}
    for book in library:
        runbook = adopted.get(book.pk)
        if runbook is None:
            ids = [categories[p].pk for p in book.suggested_categories if p in categories]
            runbook = runbooks.adopt_runbook(
                actor=None, library_runbook=book, msp_id=msp.pk, category_ids=ids
            )
        result[book.name] = runbook
    return result


def _schedules(msp: MSP, client: Client, books: dict[str, Runbook], categories: dict[str, Category]) -> int:
    made = 0
    wanted = (
        (
            "Monthly patching — servers",
            "FREQ=MONTHLY;BYDAY=1MO",
            dt.time(6, 0),
            "Monthly patching",
            "Patching",
        ),
        ("Backup restore test", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", dt.time(9, 0), "Backup check", "Backups"),
    )
    for title, rule, at_time, book, category in wanted:
        existing = MaintenanceSchedule.objects.filter(client=client, title=title).first()
        if existing is not None:
            continue
        maintenance.save_schedule(
            actor=None,
            client=client,
            title=title,
            description=f"Scheduled {title.lower()} for {client.name}.",
            rrule=rule,
            starts_on=dt.date(2026, 1, 1),
            at_time=at_time,
            time_zone=msp.time_zone,
            category=categories[category],
            runbook=books[book],
            lead_minutes=24 * 60,
        )
        made += 1
    return made


def _staff(msp: MSP) -> list[User]:
    return list(
        User.objects.filter(
            memberships__msp=msp, memberships__role=Role.TECHNICIAN, memberships__is_active=True
        ).order_by("email")
    )


def _works_for(user: User, client: Client) -> bool:
    every, clients = workable_clients(user, msp_id=client.msp_id)
    return every or client.pk in clients


def _tickets(msp: MSP, clients: list[Client], categories: dict[str, Category], rng: random.Random) -> int:
    first_subject = TICKETS[0][1]
    if Ticket.objects.filter(msp=msp, subject=first_subject).exists():
        return 0
    technicians = _staff(msp)
    if not technicians:
        return 0
    now = timezone.now()
    made = 0
    for number in range(36):
        category, subject, description, impact, urgency, source = TICKETS[number % len(TICKETS)]
        client = clients[number % len(clients)]
        contacts = list(Contact.objects.filter(client=client).order_by("id")[:12])
        if not contacts:
            continue
        contact = rng.choice(contacts)
        outcome = OUTCOMES[number % len(OUTCOMES)]
        # Work still open arrived in the last couple of days; finished work is older.
        age = rng.uniform(0.02, 2.5) if outcome not in {"resolved", "closed"} else rng.uniform(3, 21)
        opened = now - dt.timedelta(days=age)
        with system_scope("demo desk: a client writes in", msp_id=msp.pk):
            ticket = tickets.open_ticket(
                actor=None,
                client=client,
                contact=contact,
                site=contact.site,
                subject=subject,
                description=description,
                category=categories[category],
                impact=Impact(impact),
                urgency=Urgency(urgency),
                source=TicketSource(source),
                at=opened,
            )
        if outcome == "new":
            made += 1
            continue
        able = [t for t in technicians if _works_for(t, client)]
        if not able:
            made += 1
            continue
        technician = able[number % len(able)]
        with activate(acting_for_user(technician).scope):
            ticket = tickets.assign_ticket(actor=technician, ticket=ticket, assignee=technician)
            if outcome != "assigned":
                entries.add_reply(
                    actor=technician,
                    ticket=ticket,
                    body=f"Hi {contact.first_name}, thanks — I'm looking at this now.",
                    at=opened + dt.timedelta(minutes=rng.randint(5, 90)),
                )
            if outcome == "waiting":
                tickets.transition_ticket(
                    actor=technician, ticket=ticket, transition=Transition.WAIT_ON_CLIENT
                )
            if outcome in {"resolved", "closed"}:
                tickets.transition_ticket(actor=technician, ticket=ticket, transition=Transition.RESOLVE)
            if outcome == "closed":
                tickets.transition_ticket(actor=technician, ticket=ticket, transition=Transition.CLOSE)
        made += 1
    return made


def load_desk(*, provider: Provider, msp: MSP, clients: list[Client], seed: int = 7) -> DeskReport:
    """Categories, adopted runbooks, schedules and demo tickets for one MSP."""
    report = DeskReport()
    rng = random.Random(f"{seed}-{msp.slug}")
    with transaction.atomic():
        with system_scope("demo desk: the provider's runbook library"):
            library = library_runbooks(provider)
        with system_scope("demo desk: categories, runbooks and schedules", msp_id=msp.pk):
            categories = _categories(msp)
            report.categories = len(categories)
            books = _adopt(msp, library, categories)
            report.runbooks = len(books)
            report.schedules = _schedules(msp, clients[0], books, categories)
    with system_scope("demo desk: a few weeks of tickets", msp_id=msp.pk):
        report.tickets = _tickets(msp, clients, categories, rng)
    return report


__all__ = ["CATEGORIES", "DeskReport", "load_desk"]
