"""Extra rows for the isolation test, on top of the shared `world`.

`seed_foreign_rows` adds rows with distinctive primary keys (9x0001…, 10x0001…), so that an id put into a URL
names exactly one foreign row and cannot also be the id of a row the viewer may see; `flood` adds
a batch of rows foreign to one viewer, between two identical requests, to prove that foreign data
changes nothing the viewer sees (not even a count).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.testing import World
from offload.accounts.tests.factories import MembershipFactory, UserFactory
from offload.alerts.models import Alert, AlertIntegration, MaintenanceWindow
from offload.noc.models import (
    AgentProfile,
    InstructionAcknowledgement,
    InstructionVersion,
    RoutingRule,
    ScopeMatrix,
    ScopeMatrixVersion,
    ScopeRule,
    Skill,
    StandingInstruction,
    TicketRouting,
    TriageSuggestion,
)
from offload.servicedesk.choices import EntryKind, Visibility
from offload.servicedesk.models import (
    Article,
    BusinessCalendar,
    CsatResponse,
    InboundMessage,
    InboundStatus,
    Mailbox,
    SlaPolicy,
    Team,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
)
from offload.servicedesk.tests import factories as sf
from offload.tenancy.models import MSP, Asset, Client, Contact, PortalHost, Site
from offload.tenancy.scoping import system_scope
from offload.tenancy.tests import factories as tf

# Distinct ranges, one per model, far above what the world's auto-increment ids reach.
PK = {
    "client": 910001,
    "site": 920001,
    "contact": 930001,
    "asset": 940001,
    "msp": 950001,
    "brand": 960001,
    "host": 970001,
    "agreement": 980001,
    "category": 1010001,
    "ticket": 1020001,
    "entry": 1030001,
    "time": 1040001,
    "alertintegration": 1710001,
    "alert": 1720001,
    "maintenancewindow": 1730001,
    "calendar": 1110001,
    "policy": 1120001,
    "webhook": 1130001,
    "delivery": 1140001,
    "article": 1050001,
    "csat": 1060001,
    "instruction": 1310001,
    "instruction_version": 1320001,
    "instruction_ack": 1330001,
    "agent_profile": 1340001,
    "skill": 1350001,
    "scope_matrix": 1410001,
    "scope_version": 1420001,
    "scope_rule": 1430001,
    "routing_rule": 1440001,
    "ticket_routing": 1450001,
    "triage_suggestion": 1460001,
    "routing_team": 1470001,
    "delegation": 1610001,
    "terms": 1620001,
    "mailbox": 1510001,
    "inbound": 1520001,
}


def _pk(kind: str, n: int) -> int:
    return PK[kind] + n


def _client_rows(client: Client, n: int, label: str, *, site: bool = True) -> None:
    """A site, two contacts and two assets (one assigned) at `client`, with distinctive ids."""
    msp = client.msp
    place = tf.SiteFactory(id=_pk("site", n), client=client, msp=msp, name=f"{label} Annex") if site else None
    alice = tf.ContactFactory(
        id=_pk("contact", 2 * n),
        client=client,
        msp=msp,
        site=place,
        first_name=f"{label} Carol",
        last_name="Seed",
    )
    tf.ContactFactory(
        id=_pk("contact", 2 * n + 1),
        client=client,
        msp=msp,
        site=place,
        first_name=f"{label} Dave",
        last_name="Seed",
    )
    tf.AssetFactory(
        id=_pk("asset", 2 * n),
        client=client,
        msp=msp,
        site=place,
        contact=alice,
        name=f"{label} Printer",
        serial_number=f"SN-{label.upper().replace(' ', '-')}",
    )
    tf.AssetFactory(id=_pk("asset", 2 * n + 1), client=client, msp=msp, site=place, name=f"{label} Router")
    _desk_rows(client, alice, n, label)
    _alert_rows(client, n, label)


def _desk_rows(client: Client, requester: Contact, n: int, label: str) -> None:
    """A category, and a ticket by `requester` with a public reply, an internal note and logged time."""
    msp = client.msp
    # A category belongs to the MSP, not the client: it is named after the MSP, whose staff and
    # providers may see it even where they do not see this client.
    name = f"{msp.name} Printers {n}"
    category = sf.CategoryFactory(id=_pk("category", n), msp=msp, name=name, path=name)
    ticket = sf.TicketFactory(
        id=_pk("ticket", n),
        client=client,
        msp=msp,
        contact=requester,
        category=category,
        subject=f"{label} toner is empty",
        description=f"{label} ticket description",
    )
    sf.TicketEntryFactory(id=_pk("entry", 2 * n), ticket=ticket, msp=msp, body=f"{label} public reply")
    sf.TicketEntryFactory(
        id=_pk("entry", 2 * n + 1),
        ticket=ticket,
        msp=msp,
        kind=EntryKind.NOTE,
        visibility=Visibility.MSP_INTERNAL,
        body=f"{label} internal note",
    )
    sf.TimeEntryFactory(
        id=_pk("time", n), ticket=ticket, msp=msp, user=UserFactory(), note=f"{label} time note"
    )
    with system_scope("isolation seed: a rating of the seeded ticket"):
        CsatResponse.objects.create(
            id=_pk("csat", n),
            msp=msp,
            ticket=ticket,
            client=client,
            contact=requester,
            resolved_at=ticket.created_at,
            rating=4,
            comment=f"{label} csat comment",
        )
    _sla_rows(ticket, n)
    with system_scope("isolation seed: a held mail of the requester", msp_id=msp.pk):
        InboundMessage.objects.create(
            id=_pk("inbound", n),
            msp=msp,
            recipient=msp.brand.support_email,
            message_id=f"seed-{n}@seed.example",
            raw=f"Subject: {label} held mail\r\n\r\n{label} held mail body".encode(),
            size=40,
            sha256="0" * 64,
            status=InboundStatus.QUARANTINED,
            reason="error",
            from_address=requester.email or f"seed{n}@seed.example",
            subject=f"{label} held mail",
            contact=requester,
            received_at=ticket.created_at,
        )


def _sla_rows(ticket: Ticket, n: int) -> None:
    """The MSP's business calendar, SLA policy and webhook endpoint (named after the MSP, like
    categories), and a delivery of `ticket`'s creation to that endpoint."""
    msp = ticket.msp
    spec = {"zone": "Europe/Berlin", "week": {"mon": [["09:00", "17:00"]]}}
    with system_scope("SLA and webhook rows for the isolation test", msp_id=msp.pk):
        BusinessCalendar.objects.create(
            id=_pk("calendar", n), msp=msp, name=f"{msp.name} hours {n}", spec=spec
        )
        SlaPolicy.objects.create(id=_pk("policy", n), msp=msp, name=f"{msp.name} policy {n}")
        endpoint = WebhookEndpoint.objects.create(
            id=_pk("webhook", n), msp=msp, name=f"{msp.name} hook {n}", url=f"https://hooks.example/{n}"
        )
        WebhookDelivery.objects.create(
            id=_pk("delivery", n),
            msp=msp,
            endpoint=endpoint,
            event="ticket.created",
            ticket=ticket,
            payload={"ticket": {"subject": ticket.subject}},
            created_at=ticket.created_at,
        )


def _alert_rows(client: Client, n: int, label: str) -> None:
    """An alert integration bound to `client`, an alert of it and a maintenance window for it."""
    msp = client.msp
    now = timezone.now()
    with system_scope("isolation seed: alert rows"):
        integration = AlertIntegration.objects.create(
            id=_pk("alertintegration", n),
            msp=msp,
            client=client,
            kind="alertmanager",
            name=f"{label} Alertmanager",
            key_prefix="ofa_seed",
            key_hash=f"{label}-{n}".encode().hex()[:64].ljust(64, "0"),
        )
        Alert.objects.create(
            id=_pk("alert", n),
            msp=msp,
            integration=integration,
            source="alertmanager",
            partition=client.pk,
            fingerprint=f"seed{n:012d}",
            status="firing",
            last_event="firing",
            severity="critical",
            summary=f"{label} disk full",
            condition_key=f"am:{label} disk full",
            first_received_at=now,
            last_received_at=now,
            flap_window_start=now,
            client=client,
        )
        MaintenanceWindow.objects.create(
            id=_pk("maintenancewindow", n),
            msp=msp,
            client=client,
            name=f"{label} patch night",
            starts_at=now,
            ends_at=now + timedelta(hours=2),
        )


def seed_foreign_rows(world: World) -> None:
    """Rows foreign to some or all viewers, each kind of foreignness represented once."""
    # Another MSP altogether, served by the other provider: foreign to everybody.
    delta = tf.MSPFactory(id=_pk("msp", 0), name="FOREIGN Delta MSP", slug="delta", ticket_prefix="DELTA")
    brand = tf.BrandFactory(
        id=_pk("brand", 0), msp=delta, name="FOREIGN Delta Service Desk", portal_slug="delta"
    )
    tf.ServiceAgreementFactory(id=_pk("agreement", 0), provider=world.other_provider, msp=delta)
    delta_one = tf.ClientFactory(id=_pk("client", 0), msp=delta, name="FOREIGN Delta One")
    _client_rows(delta_one, 0, "FOREIGN Delta One")
    # MSP B, a client provider P does not cover: foreign to everybody in the world.
    bravo_three = tf.ClientFactory(id=_pk("client", 1), msp=world.msp_b, name="FOREIGN Bravo Three")
    _client_rows(bravo_three, 1, "FOREIGN Bravo Three")
    # MSP A's second client: foreign only to the limited technician and the client people of a1.
    _client_rows(world.clients["a2"], 2, "Alpha Two")
    # MSP A's first client, rows that belong to other people: foreign only to the client user.
    _client_rows(world.clients["a1"], 3, "Alpha One", site=False)
    with system_scope("knowledge base articles of the seeded MSPs"):
        # Another MSP's article, and one of MSP A's that only its second client may read.
        Article.objects.create(
            id=_pk("article", 0),
            msp=delta,
            title="FOREIGN Delta article",
            body_html="<p>FOREIGN Delta article text</p>",
            body_text="FOREIGN Delta article text",
            is_published=True,
        )
        only_a2 = Article.objects.create(
            id=_pk("article", 1),
            msp=world.msp_a,
            title="Restricted seed article",
            body_html="<p>For one client</p>",
            body_text="For one client",
            is_published=True,
            visible_to_all_clients=False,
        )
        only_a2.clients.set([world.clients["a2"]])
    with system_scope("portal host names for the seeded brands"):
        PortalHost.objects.create(id=_pk("host", 0), msp=delta, brand=brand, hostname="support.delta.example")
        PortalHost.objects.create(
            id=_pk("host", 1), msp=world.msp_a, brand=world.msp_a.brand, hostname="support.acme.example"
        )
    # People of other tenants, whose names must not show up in staff lists.
    for email, role, msp in [
        ("delta.tech@delta.example", Role.TECHNICIAN, delta),
        ("bravo.owner@bravo.example", Role.MSP_OWNER, world.msp_b),
    ]:
        user = UserFactory(email=email, first_name="Foreignperson", last_name=email.split("@")[0].title())
        MembershipFactory(user=user, role=role, msp=msp)
    with system_scope("isolation seed: IMAP mailboxes of other MSPs"):
        for i, msp in enumerate((delta, world.msp_b)):
            Mailbox.objects.create(
                id=_pk("mailbox", i),
                msp=msp,
                name=f"FOREIGN {msp.name} mailbox",
                host="imap.seed.example",
                username=f"FOREIGN{i}@seed.example",
            )
    _dispatch_rows(world)
    _routing_rows(world)
    _delegation_rows(world)


def _delegation_rows(world: World) -> None:
    """A delegation of each seeded ticket to the provider of its MSP's agreement (the other provider
    for Delta), and terms on Delta's agreement: the delegation routes are aimed at them."""
    from offload.noc.models import AgreementTerms, Delegation
    from offload.tenancy.models import ServiceAgreement

    with system_scope("isolation seed: delegations of the seeded tickets"):
        for n in range(4):
            ticket = Ticket.objects.get(pk=_pk("ticket", n))
            agreement = ServiceAgreement.objects.filter(msp_id=ticket.msp_id).order_by("id").first()
            assert agreement is not None
            Delegation.objects.create(
                id=_pk("delegation", n),
                msp_id=ticket.msp_id,
                ticket=ticket,
                agreement=agreement,
                provider_id=agreement.provider_id,
                state="completed",
                offered_at=ticket.created_at,
                accepted_at=ticket.created_at,
                completed_at=ticket.created_at,
                note=f"{ticket.subject} delegation note",
            )
        delta_agreement = ServiceAgreement.objects.get(pk=_pk("agreement", 0))
        AgreementTerms.objects.create(
            id=_pk("terms", 0), msp_id=delta_agreement.msp_id, agreement=delta_agreement, currency="USD"
        )


def _dispatch_rows(world: World) -> None:
    """Standing instructions (client, site and asset level, each with a version and an acknowledgement
    on the seeded ticket) at every seeded client, an MSP-wide one at Delta, and the other provider's
    NOC agent with a dispatch profile and a skill."""
    with system_scope("standing instructions and agent profiles for the isolation test"):
        seeded = [
            (0, "FOREIGN Delta One", _pk("client", 0)),
            (1, "FOREIGN Bravo Three", _pk("client", 1)),
            (2, "Alpha Two", world.clients["a2"].id),
            (3, "Alpha One", world.clients["a1"].id),
        ]
        targets: list[tuple[int, Client | None, str, dict]] = []
        for n, label, client_id in seeded:
            client = Client.objects.get(id=client_id)
            targets.append((3 * n, client, f"{label} instruction", {"level": "client"}))
            site = Site.objects.filter(id=_pk("site", n)).first()
            if site is not None:
                where = {"level": "site", "site": site}
                targets.append((3 * n + 1, client, f"{label} site instruction", where))
            asset = Asset.objects.get(id=_pk("asset", 2 * n))
            where = {"level": "asset", "asset": asset}
            targets.append((3 * n + 2, client, f"{label} asset instruction", where))
        delta = MSP.objects.get(id=_pk("msp", 0))
        targets.append((12, None, "FOREIGN Delta standing instruction", {"level": "msp"}))
        for i, client, title, where in targets:
            msp_id = client.msp_id if client is not None else delta.id
            instruction = StandingInstruction.objects.create(
                id=_pk("instruction", i), msp_id=msp_id, client=client, title=title, text=f"{title} text",
                call_before_onsite_name=f"{title} contact", is_vip=True, **where,
            )  # fmt: skip
            version = InstructionVersion.objects.create(
                id=_pk("instruction_version", i), msp_id=msp_id, instruction=instruction, number=1,
                title=title, text=f"{title} text", created_at=instruction.created_at,
            )  # fmt: skip
            ticket = Ticket.objects.filter(id=_pk("ticket", i // 3), msp_id=msp_id, client=client).first()
            if ticket is not None and where["level"] == "client":
                InstructionAcknowledgement.objects.create(
                    id=_pk("instruction_ack", i), msp_id=msp_id, version=version, ticket=ticket,
                    user=UserFactory(first_name="Foreignperson", last_name=f"Reader {i}"),
                    at=instruction.created_at,
                )  # fmt: skip
    agent = UserFactory(email="foreign.agent@other-noc.example", first_name="FOREIGN", last_name="Agent")
    MembershipFactory(user=agent, role=Role.NOC_AGENT, provider=world.other_provider)
    skill = Skill.objects.create(id=_pk("skill", 0), provider=world.other_provider, name="FOREIGN skill")
    profile = AgentProfile.objects.create(
        id=_pk("agent_profile", 0), provider=world.other_provider, user=agent
    )
    profile.skills.set([skill])


def _routing_rows(world: World) -> None:
    """At Delta and Bravo: a scope matrix version with a rule, a routing rule and its team; at every
    seeded client: a client override (Delta, Alpha Two), and the seeded ticket's triage suggestion
    and routing record."""
    seeded = [
        (0, "FOREIGN Delta One", _pk("client", 0)),
        (1, "FOREIGN Bravo Three", _pk("client", 1)),
        (2, "Alpha Two", world.clients["a2"].id),
        (3, "Alpha One", world.clients["a1"].id),
    ]
    with system_scope("scope matrices, routing rules and triage rows for the isolation test"):
        now = timezone.now()
        for n, label, client_id in seeded:
            client = Client.objects.get(id=client_id)
            msp_id = client.msp_id
            category_id = _pk("category", n)
            # The MSP-wide rows only for the MSPs foreign to someone in the world (Delta and Bravo);
            # client overrides at Delta and Alpha Two (foreign to the limited technician).
            for m, override in ((2 * n, False), (2 * n + 1, True)):
                if (override and n not in (0, 2)) or (not override and n not in (0, 1)):
                    continue
                matrix = ScopeMatrix.objects.create(
                    id=_pk("scope_matrix", m), msp_id=msp_id, client=client if override else None
                )
                version = ScopeMatrixVersion.objects.create(
                    id=_pk("scope_version", m), msp_id=msp_id, matrix=matrix, number=1, created_at=now,
                    note=f"{label} scope note", default_decision="" if override else "escalate",
                )  # fmt: skip
                ScopeRule.objects.create(
                    id=_pk("scope_rule", m), msp_id=msp_id, version=version, category_id=category_id,
                    decision="in_scope",
                )  # fmt: skip
                matrix.current_version = version
                matrix.save(update_fields=["current_version"])
            if n in (0, 1):
                team = Team.objects.create(
                    id=_pk("routing_team", n), msp_id=msp_id, name=f"{client.msp.name} routing team {n}"
                )
                RoutingRule.objects.create(
                    id=_pk("routing_rule", n), msp_id=msp_id, client=client, name=f"{label} routing rule",
                    keywords=["toner"], team=team,
                )  # fmt: skip
            ticket_id = _pk("ticket", n)
            TriageSuggestion.objects.create(
                id=_pk("triage_suggestion", n), msp_id=msp_id, ticket_id=ticket_id, category_id=category_id,
                category_confidence=0.5, priority="p3", priority_confidence=0.5, noc_eligible=True,
                explanation={"category": [f"{label} word"]}, created_at=now,
            )  # fmt: skip
            TicketRouting.objects.create(
                id=_pk("ticket_routing", n), msp_id=msp_id, ticket_id=ticket_id, decision="needs_approval",
                state="awaiting_approval", decided_at=now,
            )  # fmt: skip


_flood_numbers = count(1)


def flood(*, client_ids: set[int], full_msp_ids: set[int], own_client_id: int | None) -> None:
    """Add foreign rows for one viewer: more rows at every client it does not see, a new client in
    every MSP it does not fully see, and (for a client user) rows at its own client that are not its own."""
    with system_scope("flood with foreign rows"):
        clients = list(Client.objects.exclude(id__in=client_ids))
        msps = {c.msp_id: c.msp for c in Client.objects.select_related("msp")}.values()
    for client in clients:
        _flood_client(client)
    for msp in msps:
        if msp.id not in full_msp_ids:
            n = next(_flood_numbers)
            _flood_client(tf.ClientFactory(msp=msp, name=f"FOREIGN Flood Client {n}"))
    if own_client_id is not None:
        with system_scope("the client user's own client"):
            own = Client.objects.get(id=own_client_id)
        n = next(_flood_numbers)
        tf.ContactFactory(client=own, msp=own.msp, first_name=f"Flood Colleague {n}", last_name="Seed")
        tf.AssetFactory(client=own, msp=own.msp, name=f"Flood Shared Device {n}")


def _flood_client(client: Client) -> None:
    n = next(_flood_numbers)
    site = tf.SiteFactory(client=client, msp=client.msp, name=f"FOREIGN Flood Site {n}")
    for i in range(3):
        contact = tf.ContactFactory(
            client=client, msp=client.msp, site=site, first_name=f"FOREIGN Flood {n}-{i}", last_name="Seed"
        )
        tf.AssetFactory(
            client=client, msp=client.msp, site=site, contact=contact, name=f"FOREIGN Flood PC {n}-{i}"
        )
