"""Load the demo world: one provider, three MSPs with their brands, clients, people and devices.

The loader is deterministic (every random choice comes from a generator seeded with fixed names)
and idempotent: every row is found by a natural key (a slug, a name within its parent, an email
address, a host name) and written only when it differs from what the world says, so a second run
creates and changes nothing.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.alerts.services.samples import load_sample_alerts
from offload.core.businesstime import Calendar
from offload.core.mail.html import html_to_text
from offload.demo import world
from offload.demo.delegation import load_delegations
from offload.demo.desk import load_desk
from offload.demo.dispatch import load_agent_profiles, load_instructions
from offload.demo.logos import logo_png
from offload.demo.routing import load_routing
from offload.demo.world import ClientSpec, MSPSpec, Person
from offload.servicedesk.models import Article, BusinessCalendar, CalendarAssignment, SlaPolicy
from offload.servicedesk.services.knowledge import article_html
from offload.tenancy.choices import AgreementStatus, AssetKind
from offload.tenancy.models import (
    MSP,
    Asset,
    Brand,
    Client,
    Contact,
    PortalHost,
    Provider,
    ServiceAgreement,
    Site,
)
from offload.tenancy.scoping import system_scope

# A fixed salt makes the shared demo password hash to the same string on every run, so that an
# unchanged password is recognised without hashing it once per user (PBKDF2 costs ~0.3 s a time).
# 24 characters keep Django from asking to re-hash it on the first sign-in.
PASSWORD_SALT = "offloaddemoworldsalt2026"  # noqa: S105
CHANGE_REASON = "demo data"


@dataclass(frozen=True)
class Login:
    """A demo user as printed at the end of `offload demo-data`."""

    email: str
    name: str
    role: str
    organization: str


@dataclass
class DemoReport:
    """What a load did: rows created and updated per model, and every demo login."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)
    portals: list[tuple[str, str]] = field(default_factory=list)
    # (MSP name, webhook token) of each MSP's demo Alertmanager integration.
    alert_tokens: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated)


def load_demo_world(*, progress: Callable[[str], None] | None = None) -> DemoReport:
    """Create or refresh the demo world; returns what changed and the logins to print."""
    loader = _Loader(progress or (lambda line: None))
    with system_scope("demo loader"), transaction.atomic():
        loader.load()
    return loader.report


class _Loader:
    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.report = DemoReport()
        self.password_hash = make_password(world.DEMO_PASSWORD, salt=PASSWORD_SALT)
        # Rows created by this run: finishing them (relations, logo) is part of creating them.
        self.new_rows: set[tuple[str, Any]] = set()

    # --- generic upserts -----------------------------------------------------------------------

    def upsert(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
        """The row found by `lookup`, created or brought up to date with `values` (attnames)."""
        label = model._meta.label
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model._default_manager.create(**lookup, **values)
            self.report.created[label] += 1
            self.new_rows.add((label, obj.pk))
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save()
            self.report.updated[label] += 1
        return obj

    def sync_rows(
        self, model: type[models.Model], *, existing: Iterable[Any], key: str, rows: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Bulk version of `upsert` for large sets (contacts, assets); returns the rows by `key`."""
        label = model._meta.label
        by_key = {getattr(obj, key): obj for obj in existing}
        new, changed_objs, changed_fields = [], [], set()
        for row in rows:
            obj = by_key.get(row[key])
            if obj is None:
                new.append(model(**row))
                continue
            diff = [name for name, value in row.items() if getattr(obj, name) != value]
            if diff:
                for name in diff:
                    setattr(obj, name, row[name])
                changed_objs.append(obj)
                changed_fields.update(diff)
        if new:
            for obj in bulk_create_with_history(
                new, model, batch_size=500, default_change_reason=CHANGE_REASON
            ):
                by_key[getattr(obj, key)] = obj
                self.new_rows.add((label, obj.pk))
            self.report.created[label] += len(new)
        if changed_objs:
            now = timezone.now()
            for obj in changed_objs:
                obj.updated_at = now
            bulk_update_with_history(
                changed_objs,
                model,
                fields=sorted(changed_fields | {"updated_at"}),
                batch_size=500,
                default_change_reason=CHANGE_REASON,
            )
            self.report.updated[label] += len(changed_objs)
        return by_key

    def set_m2m(self, manager: Any, objs: list[Any]) -> None:
        """Set a many-to-many relation only when it differs (so history records real changes)."""
        if set(manager.values_list("pk", flat=True)) != {obj.pk for obj in objs}:
            manager.set(objs)
            self.mark_updated(manager.instance)

    def mark_updated(self, obj: models.Model) -> None:
        label = obj._meta.label
        if (label, obj.pk) not in self.new_rows:
            self.report.updated[label] += 1

    # --- the world -----------------------------------------------------------------------------

    def load(self) -> None:
        spec = world.PROVIDER
        provider = self.upsert(Provider, {"slug": spec.slug}, {"name": spec.name})
        self.progress(f"Provider {provider.name}")
        self.person(spec.admin, spec.domain, Role.PROVIDER_ADMIN, provider.name, provider=provider)
        self.person(spec.noc_lead, spec.domain, Role.NOC_LEAD, provider.name, provider=provider)
        for agent in spec.noc_agents:
            self.person(agent, spec.domain, Role.NOC_AGENT, provider.name, provider=provider)
        self.progress(load_agent_profiles(provider=provider))
        for msp_spec in world.MSPS:
            self.load_msp(msp_spec, provider)

    def load_msp(self, spec: MSPSpec, provider: Provider) -> None:
        msp = self.upsert(
            MSP,
            {"slug": spec.slug},
            {
                "name": spec.name,
                "ticket_prefix": spec.ticket_prefix,
                "time_zone": spec.time_zone,
                "is_active": True,
            },
        )
        brand = self.upsert(
            Brand,
            {"msp": msp},
            {
                "name": spec.brand_name,
                "primary_color": spec.primary_color,
                "accent_color": spec.accent_color,
                "sender_name": spec.brand_name,
                "sender_email": f"servicedesk@{spec.domain}",
                "support_email": f"support@{spec.domain}",
                "support_phone": spec.support_phone,
                "portal_slug": spec.slug,
            },
        )
        self.store_logo(brand, spec)
        host = self.upsert(
            PortalHost,
            {"hostname": f"support.{spec.slug}.localhost"},
            {"brand_id": brand.id, "msp_id": msp.id},
        )
        self.report.portals.append((brand.name, host.hostname))

        loaded = [
            self.load_client(msp, spec, client_spec, number)
            for number, client_spec in enumerate(spec.clients, start=1)
        ]
        clients = [client for client, _ in loaded]
        covered = clients if spec.covered_clients is None else clients[: spec.covered_clients]
        agreement = self.upsert(
            ServiceAgreement,
            {"provider": provider, "msp": msp, "name": f"{spec.name} — managed services"},
            {
                "services": list(spec.services),
                "status": AgreementStatus.ACTIVE,
                "starts_on": datetime.date.fromisoformat(world.AGREEMENT_START),
                "ends_on": None,
                "covers_all_clients": spec.covered_clients is None,
            },
        )
        self.set_m2m(agreement.clients, [] if spec.covered_clients is None else covered)

        self.person(spec.owner, spec.domain, Role.MSP_OWNER, msp.name, msp=msp)
        self.person(spec.service_manager, spec.domain, Role.SERVICE_MANAGER, msp.name, msp=msp)
        for number, technician in enumerate(spec.technicians):
            # The last technician looks after the first two clients only.
            limited = clients[:2] if number == len(spec.technicians) - 1 else []
            self.person(technician, spec.domain, Role.TECHNICIAN, msp.name, msp=msp, limited_to=limited)
        self.person(spec.finance, spec.domain, Role.FINANCE, msp.name, msp=msp)
        self.client_people(msp, loaded)
        self.load_articles(msp, spec, clients)
        _, alert_token = load_sample_alerts(msp=msp)
        self.report.alert_tokens.append((msp.name, alert_token))
        self.load_sla(msp, spec, clients)
        self.progress(load_routing(msp=msp))
        # Categories, runbooks, maintenance and a few weeks of tickets, through the services (after
        # the SLA policies and the scope matrix, so the tickets get clocks and routing).
        load_desk(provider=provider, msp=msp, clients=clients)
        self.progress(load_delegations(msp=msp, agreement=agreement, client=covered[0]))
        self.progress(load_instructions(msp=msp, clients=covered))
        contacts = sum(len(people) for _, people in loaded)
        self.progress(f"{spec.name}: {len(clients)} clients, {contacts} contacts, brand {brand.name}")

    def load_sla(self, msp: MSP, spec: MSPSpec, clients: list[Client]) -> None:
        """Office hours (the MSP's default calendar), an extended-hours calendar for the last
        client, and a default SLA policy with targets for P1..P4."""
        weekdays = ("mon", "tue", "wed", "thu", "fri")
        holidays = {"holidays": [], "recurring_holidays": ["01-01", "12-25", "12-26"]}
        office = {"zone": spec.time_zone, "week": {d: [["08:00", "18:00"]] for d in weekdays}, **holidays}
        extended = {
            "zone": spec.time_zone,
            "week": {**{d: [["07:00", "22:00"]] for d in weekdays}, "sat": [["09:00", "13:00"]]},
            **holidays,
        }
        self.upsert(
            BusinessCalendar,
            {"msp": msp, "name": "Office hours"},
            {"spec": Calendar.from_spec(office).to_spec(), "is_default": True},
        )
        longer = self.upsert(
            BusinessCalendar,
            {"msp": msp, "name": "Extended hours"},
            {"spec": Calendar.from_spec(extended).to_spec(), "is_default": False},
        )
        self.upsert(
            CalendarAssignment,
            {"client": clients[-1], "site": None},
            {"calendar_id": longer.pk, "msp_id": msp.pk},
        )

        def targets_of(*minutes: int | None, business_hours: bool = True) -> dict[str, Any]:
            names = ("first_response", "plan", "resolution", "update")
            return {
                name: {"minutes": m, "business_hours": business_hours}
                for name, m in zip(names, minutes, strict=True)
                if m is not None
            }

        # P1 runs around the clock; the others on the client's business hours (minutes).
        targets = {
            "p1": targets_of(15, 60, 4 * 60, 60, business_hours=False),
            "p2": targets_of(60, 4 * 60, 8 * 60, 4 * 60),
            "p3": targets_of(4 * 60, None, 3 * 10 * 60, 10 * 60),
            "p4": targets_of(10 * 60, None, 10 * 10 * 60, None),
        }
        self.upsert(
            SlaPolicy,
            {"msp": msp, "name": "Standard"},
            {
                "targets": targets,
                "warn_at": [75, 90],
                "notify_in_business_hours": True,
                "pausing_statuses": ["waiting_on_client", "waiting_on_vendor"],
                "is_default": True,
            },
        )

    def load_articles(self, msp: MSP, spec: MSPSpec, clients: list[Client]) -> None:
        """A few knowledge base articles; the last one is for the first client only."""
        for title, category, body, only_first_client in demo_articles(spec, clients[0]):
            html = article_html(body)
            article = self.upsert(
                Article,
                {"msp": msp, "title": title},
                {
                    "category": category,
                    "body_html": html,
                    "body_text": html_to_text(html),
                    "is_published": True,
                    "visible_to_all_clients": not only_first_client,
                },
            )
            self.set_m2m(article.clients, [clients[0]] if only_first_client else [])

    def client_people(self, msp: MSP, loaded: list[tuple[Client, list[Contact]]]) -> None:
        """A client admin and three client users who sign in to the portal."""
        (first, first_people), (second, second_people) = loaded[0], loaded[1]
        self.contact_login(msp, first, first_people[0], Role.CLIENT_ADMIN)
        self.contact_login(msp, first, first_people[1], Role.CLIENT_USER)
        self.contact_login(msp, first, first_people[2], Role.CLIENT_USER)
        self.contact_login(msp, second, second_people[0], Role.CLIENT_USER)

    def contact_login(self, msp: MSP, client: Client, contact: Contact, role: Role) -> None:
        user = self.user(contact.email, contact.first_name, contact.last_name)
        if contact.user_id != user.id:
            contact.user = user
            contact.save(update_fields=["user", "updated_at"])
            self.mark_updated(contact)
        self.upsert(
            Membership,
            {"user": user, "role": role, "provider": None, "msp": msp, "contact": contact},
            {"is_active": True},
        )
        self.report.logins.append(
            Login(user.email, contact.full_name, Role(role).label, f"{client.name} (client of {msp.name})")
        )

    def person(
        self,
        person: Person,
        domain: str,
        role: Role,
        organization: str,
        *,
        provider: Provider | None = None,
        msp: MSP | None = None,
        limited_to: list[Client] | None = None,
    ) -> None:
        user = self.user(person.email_at(domain), person.first_name, person.last_name)
        membership = self.upsert(
            Membership,
            {"user": user, "role": role, "provider": provider, "msp": msp, "contact": None},
            {"is_active": True},
        )
        if msp is not None:
            self.set_m2m(membership.limited_to_clients, limited_to or [])
        role_label = Role(role).label + (" (limited)" if limited_to else "")
        if limited_to:
            organization += f": only {', '.join(c.name for c in limited_to)}"
        self.report.logins.append(
            Login(user.email, f"{person.first_name} {person.last_name}", role_label, organization)
        )

    def user(self, email: str, first_name: str, last_name: str) -> User:
        return self.upsert(
            User,
            {"email": email.lower()},
            {
                "first_name": first_name,
                "last_name": last_name,
                "password": self.password_hash,
                "is_active": True,
            },
        )

    def store_logo(self, brand: Brand, spec: MSPSpec) -> None:
        """Write the brand's PNG logo to media storage unless the same bytes are already there."""
        data = logo_png(name=spec.brand_name, color=spec.primary_color, accent=spec.accent_color)
        name = f"brands/logos/{spec.slug}.png"
        storage = brand.logo.storage
        if brand.logo.name == name and storage.exists(name):
            with storage.open(name) as existing:
                if existing.read() == data:
                    return
        if storage.exists(name):
            storage.delete(name)
        brand.logo.name = storage.save(name, ContentFile(data))
        brand.save(update_fields=["logo"])
        self.mark_updated(brand)

    # --- one client ----------------------------------------------------------------------------

    def load_client(
        self, msp: MSP, spec: MSPSpec, client_spec: ClientSpec, number: int
    ) -> tuple[Client, list[Contact]]:
        rng = random.Random(f"{spec.slug}/{client_spec.name}")
        cities = world.CITIES[spec.region]
        client = self.upsert(
            Client,
            {"msp": msp, "name": client_spec.name},
            {
                "short_name": client_spec.short_name,
                "email_domains": [client_spec.domain],
                "phone": _phone(rng, cities[0].phone_prefix),
                "website": f"https://www.{client_spec.domain}",
                "is_active": True,
            },
        )
        sites = []
        for index, city in enumerate(rng.sample(cities, rng.randint(1, 3))):
            street = rng.choice(city.streets)
            number_on_street = rng.randint(1, 250)
            address = (
                f"{street} {number_on_street}" if spec.region == "de" else f"{number_on_street} {street}"
            )
            site_name = f"{city.city} — head office" if index == 0 else f"{city.city} office"
            sites.append(
                self.upsert(
                    Site,
                    {"client": client, "name": site_name},
                    {
                        "msp_id": msp.id,
                        "address": address,
                        "city": city.city,
                        "postal_code": city.postal_code,
                        "country": city.country,
                        "time_zone": city.time_zone,
                        "phone": _phone(rng, city.phone_prefix),
                    },
                )
            )
        contacts = self.load_contacts(rng, msp, spec, client_spec, client, sites)
        self.load_assets(rng, msp, client_spec, client, sites, contacts, number)
        return client, contacts

    def load_contacts(
        self,
        rng: random.Random,
        msp: MSP,
        spec: MSPSpec,
        client_spec: ClientSpec,
        client: Client,
        sites: list[Site],
    ) -> list[Contact]:
        first_names, last_names = world.FIRST_NAMES[spec.region], world.LAST_NAMES[spec.region]
        titles = world.JOB_TITLES[spec.region]
        count = rng.randint(10, 200)
        rows: list[dict[str, Any]] = []
        emails: set[str] = set()
        for index in range(count):
            first, last = rng.choice(first_names), rng.choice(last_names)
            email = Person(first, last).email_at(client_spec.domain)
            suffix = 2
            while email in emails:
                email = f"{world.ascii_local(first)}.{world.ascii_local(last)}{suffix}@{client_spec.domain}"
                suffix += 1
            emails.add(email)
            site = rng.choice(sites)
            city = next(c for c in world.CITIES[spec.region] if c.city == site.city)
            rows.append(
                {
                    "msp_id": msp.id,
                    "client_id": client.id,
                    "site_id": site.id,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "phone": _phone(rng, city.phone_prefix),
                    "mobile": _phone(rng, city.phone_prefix) if rng.random() < 0.5 else "",
                    "job_title": world.CLIENT_ADMIN_TITLE[spec.region] if index == 0 else rng.choice(titles),
                    "is_active": True,
                }
            )
        by_email = self.sync_rows(
            Contact, existing=Contact.objects.filter(client=client), key="email", rows=rows
        )
        return [by_email[row["email"]] for row in rows]

    def load_assets(
        self,
        rng: random.Random,
        msp: MSP,
        client_spec: ClientSpec,
        client: Client,
        sites: list[Site],
        contacts: list[Contact],
        number: int,
    ) -> None:
        code = "".join(ch for ch in world.ascii_local(client_spec.short_name).upper() if ch.isalpha())[:4]
        rows: list[dict[str, Any]] = []

        def add(
            kind: str,
            hostname: str,
            site: Site,
            *,
            name: str = "",
            contact: Contact | None = None,
            ip: str | None = None,
        ) -> None:
            manufacturer, model_name = rng.choice(world.HARDWARE[kind])
            rows.append(
                {
                    "msp_id": msp.id,
                    "client_id": client.id,
                    "site_id": site.id,
                    "contact_id": contact.id if contact else None,
                    "name": name or hostname,
                    "kind": kind,
                    "hostname": hostname,
                    "serial_number": _serial(rng, manufacturer),
                    "manufacturer": manufacturer,
                    "model_name": model_name,
                    "operating_system": rng.choice(world.OPERATING_SYSTEMS[kind]),
                    "ip_address": ip,
                    "is_active": True,
                }
            )

        for site_number, site in enumerate(sites, start=1):
            add(
                AssetKind.FIREWALL,
                f"{code}-FW{site_number:02d}",
                site,
                name=f"{site.city} firewall",
                ip=f"10.{number}.{site_number}.1",
            )
            for printer in range(1, rng.randint(1, 2) + 1):
                add(
                    AssetKind.PRINTER,
                    f"{code}-PRN{site_number}{printer}",
                    site,
                    name=f"{site.city} printer {printer}",
                    ip=f"10.{number}.{site_number}.{20 + printer}",
                )
        for server_number, role in enumerate(world.SERVER_ROLES[: rng.randint(1, 3)], start=1):
            add(AssetKind.SERVER, f"{code}-{role}", sites[0], ip=f"10.{number}.1.{10 + server_number}")
        computers = 0
        for contact in contacts:
            # Most people have a computer of their own; a few share the front-desk machines.
            if rng.random() < 0.8:
                computers += 1
                kind = AssetKind.LAPTOP if rng.random() < 0.6 else AssetKind.WORKSTATION
                prefix = "LT" if kind == AssetKind.LAPTOP else "WS"
                site = next(s for s in sites if s.id == contact.site_id)
                add(kind, f"{code}-{prefix}{computers:03d}", site, contact=contact)
        for shared in range(1, 3):
            add(AssetKind.WORKSTATION, f"{code}-FD{shared:02d}", sites[0], name=f"Front desk {shared}")
        self.sync_rows(Asset, existing=Asset.objects.filter(client=client), key="hostname", rows=rows)


def demo_articles(spec: MSPSpec, first_client: Client) -> list[tuple[str, str, str, bool]]:
    """(title, category, body, for the first client only) of the demo knowledge base."""
    return [
        (
            "Reset your password",
            "Accounts",
            'Forgot your password? On the sign-in page choose "Forgot password?" or ask for a '
            "sign-in link by email.\n\nStill stuck? Call us on "
            + (spec.support_phone or "our support line")
            + ".",
            False,
        ),
        (
            "Connect to the VPN from home",
            "Remote work",
            "<p>Open the VPN client, choose <strong>Office</strong> and sign in with your usual "
            "account.</p><ol><li>Check your internet connection first.</li><li>Restart the VPN "
            "client if it hangs.</li></ol>",
            False,
        ),
        (
            "Report a phishing email",
            "Security",
            "Do not click links or open attachments. Forward the email to "
            f"support@{spec.domain} and delete it. We will tell you whether it was safe.",
            False,
        ),
        (
            f"{first_client.name}: printing on the office printers",
            "Office",
            "Printers are named after their floor. Add one under Settings > Printers; the badge "
            "reader releases your print jobs.",
            True,
        ),
    ]


def _phone(rng: random.Random, prefix: str) -> str:
    return f"{prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"


def _serial(rng: random.Random, manufacturer: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return manufacturer[:2].upper() + "".join(rng.choice(alphabet) for _ in range(8))
