"""A small two-tenant world for tests: every role, and rows each role must never see.

Provider P serves MSP A (all clients) and MSP B (client B1 only). Provider Q serves MSP C.
Each client has a site, two contacts and two assets (the first assigned to the first contact).
Foreign names contain "FOREIGN" so that a leak is easy to spot in any response.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from offload.tenancy.models import MSP, Client, Contact, Provider
from offload.tenancy.tests import factories as tf


@dataclass
class World:
    provider: Provider
    other_provider: Provider
    msp_a: MSP
    msp_b: MSP
    msp_c: MSP
    clients: dict[str, Client]
    contacts: dict[str, list[Contact]]
    users: dict[str, User] = field(default_factory=dict)
    password: str = PASSWORD

    def user(self, key: str) -> User:
        return self.users[key]


def _client(msp: MSP, name: str) -> tuple[Client, list[Contact]]:
    client = tf.ClientFactory(msp=msp, name=name, email_domains=[f"{name.lower().replace(' ', '-')}.example"])
    site = tf.SiteFactory(client=client, msp=msp, name=f"{name} HQ")
    contacts = [
        tf.ContactFactory(client=client, msp=msp, site=site, first_name=f"{name} Alice"),
        tf.ContactFactory(client=client, msp=msp, site=site, first_name=f"{name} Bob"),
    ]
    tf.AssetFactory(client=client, msp=msp, site=site, contact=contacts[0], name=f"{name} Laptop")
    tf.AssetFactory(client=client, msp=msp, site=site, name=f"{name} Server")
    return client, contacts


def build_world() -> World:
    provider = tf.ProviderFactory(name="Northwind NOC", slug="northwind")
    other_provider = tf.ProviderFactory(name="FOREIGN Provider", slug="foreign-provider")
    msp_a = tf.MSPFactory(name="Acme IT", slug="acme", ticket_prefix="ACME")
    msp_b = tf.MSPFactory(name="Bravo MSP", slug="bravo", ticket_prefix="BRAVO")
    msp_c = tf.MSPFactory(name="FOREIGN Charlie MSP", slug="charlie", ticket_prefix="CHAR")
    for msp in (msp_a, msp_b, msp_c):
        tf.BrandFactory(msp=msp, name=f"{msp.name} Service Desk")
    clients: dict[str, Client] = {}
    contacts: dict[str, list[Contact]] = {}
    for key, msp, name in [
        ("a1", msp_a, "Alpha One"),
        ("a2", msp_a, "Alpha Two"),
        ("b1", msp_b, "Bravo One"),
        ("b2", msp_b, "FOREIGN Bravo Two"),
        ("c1", msp_c, "FOREIGN Charlie One"),
    ]:
        clients[key], contacts[key] = _client(msp, name)
    tf.ServiceAgreementFactory(provider=provider, msp=msp_a, covers_all_clients=True)
    tf.ServiceAgreementFactory(
        provider=provider, msp=msp_b, covers_all_clients=False, clients=[clients["b1"]]
    )
    tf.ServiceAgreementFactory(provider=other_provider, msp=msp_c)

    world = World(provider, other_provider, msp_a, msp_b, msp_c, clients, contacts)

    def member(key: str, role: Role, **org) -> None:
        user = UserFactory(email=f"{key}@people.example", first_name=key.replace("_", " ").title())
        MembershipFactory(user=user, role=role, **org)
        world.users[key] = user

    member("provider_admin", Role.PROVIDER_ADMIN, provider=provider)
    member("noc_lead", Role.NOC_LEAD, provider=provider)
    member("noc_agent", Role.NOC_AGENT, provider=provider)
    member("msp_owner", Role.MSP_OWNER, msp=msp_a)
    member("service_manager", Role.SERVICE_MANAGER, msp=msp_a)
    member("technician", Role.TECHNICIAN, msp=msp_a)
    member("technician_limited", Role.TECHNICIAN, msp=msp_a, limited_to_clients=[clients["a1"]])
    member("finance", Role.FINANCE, msp=msp_a)
    member("client_admin", Role.CLIENT_ADMIN, msp=msp_a, contact=contacts["a1"][0])
    member("client_user", Role.CLIENT_USER, msp=msp_a, contact=contacts["a1"][1])
    return world


ROLE_KEYS = [
    "provider_admin",
    "noc_lead",
    "noc_agent",
    "msp_owner",
    "service_manager",
    "technician",
    "technician_limited",
    "finance",
    "client_admin",
    "client_user",
]

__all__ = ["ROLE_KEYS", "Membership", "World", "build_world"]
