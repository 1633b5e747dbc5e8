"""`offload demo-data`: the demo world is complete, deterministic, idempotent, and every login works."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import ProtectedError
from PIL import Image

from offload.accounts.choices import Role
from offload.accounts.models import Membership, User
from offload.accounts.scopes import scope_for_membership
from offload.demo.loader import load_demo_world
from offload.servicedesk.models import Ticket
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
from offload.tenancy.scoping import activate, system_scope
from offload.tenancy.selectors import brand_for_host

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Logos go to a temporary media directory, never to the developer's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run_command() -> str:
    out = io.StringIO()
    call_command("demo-data", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """The demo world's rows by natural keys, without ids or timestamps."""
    with system_scope("test assertions"):
        return {
            "providers": list(Provider.objects.values_list("slug", "name").order_by("slug")),
            "msps": list(
                MSP.objects.values_list("slug", "name", "ticket_prefix", "time_zone").order_by("slug")
            ),
            "brands": list(
                Brand.objects.values_list(
                    "msp__slug",
                    "name",
                    "logo",
                    "primary_color",
                    "accent_color",
                    "sender_email",
                    "support_email",
                ).order_by("msp__slug")
            ),
            "hosts": list(PortalHost.objects.values_list("hostname", "brand__name").order_by("hostname")),
            "agreements": list(
                ServiceAgreement.objects.values_list(
                    "msp__slug", "name", "services", "covers_all_clients"
                ).order_by("msp__slug")
            ),
            "clients": list(
                Client.objects.values_list("msp__slug", "name", "email_domains").order_by("name")
            ),
            "sites": list(
                Site.objects.values_list("client__name", "name", "address", "time_zone").order_by(
                    "client__name", "name"
                )
            ),
            "contacts": list(
                Contact.objects.values_list(
                    "client__name",
                    "email",
                    "first_name",
                    "last_name",
                    "phone",
                    "job_title",
                    "site__name",
                    "user__email",
                ).order_by("client__name", "email")
            ),
            "assets": list(
                Asset.objects.values_list(
                    "client__name",
                    "hostname",
                    "kind",
                    "serial_number",
                    "operating_system",
                    "contact__email",
                    "ip_address",
                ).order_by("client__name", "hostname")
            ),
            "users": list(User.objects.values_list("email", "first_name", "last_name").order_by("email")),
            "memberships": list(
                Membership.objects.values_list(
                    "user__email", "role", "provider__slug", "msp__slug", "contact__email"
                ).order_by("user__email", "role")
            ),
        }


def _delete(queryset) -> None:
    """Delete `queryset`, first deleting whatever protects its rows (tickets hold their client,
    categories and calendars their MSP), as an operator emptying a database would."""
    for _ in range(10):
        try:
            queryset.delete()
            return
        except ProtectedError as exc:
            by_model: dict = {}
            for row in exc.protected_objects:
                by_model.setdefault(type(row), set()).add(row.pk)
            for model, pks in by_model.items():
                _delete(model._default_manager.filter(pk__in=pks))
    raise AssertionError(f"could not delete {queryset.model.__name__} rows")


def wipe() -> None:
    with system_scope("test: start the demo world from nothing"):
        _delete(Ticket.objects.all())
        _delete(MSP.objects.all())
        Provider.objects.all().delete()
        User.objects.all().delete()


def test_demo_world_has_what_the_issue_asks_for():
    """One provider serves three branded MSPs of 4 to 8 clients with sites, 10 to 200 contacts, assets."""
    run_command()
    with system_scope("test assertions"):
        assert list(Provider.objects.values_list("name", flat=True)) == ["Northwind NOC"]
        msps = list(MSP.objects.all())
        assert len(msps) == 3
        assert len({b.primary_color for b in Brand.objects.all()}) == 3
        for msp in msps:
            clients = list(Client.objects.filter(msp=msp))
            assert 4 <= len(clients) <= 8
            for client in clients:
                sites = list(Site.objects.filter(client=client))
                assert 1 <= len(sites) <= 3
                for site in sites:
                    assert site.address
                    assert site.city
                    assert site.country
                    ZoneInfo(site.time_zone)  # a real IANA zone, or this raises
                contacts = Contact.objects.filter(client=client)
                assert 10 <= contacts.count() <= 200
                domain = client.email_domains[0]
                assert all(email.endswith(f"@{domain}") for email in contacts.values_list("email", flat=True))
                assert not contacts.filter(job_title="").exists()
            assets = Asset.objects.filter(msp=msp)
            kinds = set(assets.values_list("kind", flat=True))
            assert {
                AssetKind.WORKSTATION,
                AssetKind.LAPTOP,
                AssetKind.SERVER,
                AssetKind.FIREWALL,
                AssetKind.PRINTER,
            } <= kinds
            assert assets.filter(contact__isnull=False).exists()
            assert not assets.filter(hostname="").exists()
            assert not assets.filter(serial_number="").exists()
            assert ServiceAgreement.objects.filter(msp=msp, status=AgreementStatus.ACTIVE).count() == 1
        partial = ServiceAgreement.objects.get(covers_all_clients=False)
        assert 0 < partial.clients.count() < Client.objects.filter(msp=partial.msp).count()


def test_staff_in_every_role():
    """Every role has demo users, and each MSP has a technician limited to some of its clients."""
    run_command()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Membership.objects.filter(role=Role.NOC_AGENT).count() == 3
    with system_scope("test assertions"):
        for msp in MSP.objects.all():
            limited = Membership.objects.filter(
                msp=msp, role=Role.TECHNICIAN, limited_to_clients__isnull=False
            )
            assert limited.distinct().count() == 1
            assert Membership.objects.filter(msp=msp, role=Role.CLIENT_ADMIN).count() == 1
            assert Membership.objects.filter(msp=msp, role=Role.CLIENT_USER).count() >= 2


def test_second_run_changes_nothing():
    """Loading the demo world twice creates and updates nothing the second time."""
    load_demo_world()
    before = snapshot()
    with system_scope("test assertions"):
        stamps = sorted(Contact.objects.values_list("updated_at", flat=True))
    report = load_demo_world()
    assert not report.changed, (report.created, report.updated)
    assert snapshot() == before
    with system_scope("test assertions"):
        assert sorted(Contact.objects.values_list("updated_at", flat=True)) == stamps


def test_two_loads_from_nothing_produce_the_same_world():
    """The demo world is deterministic: loading it into an empty database twice gives the same rows."""
    load_demo_world()
    first = snapshot()
    wipe()
    assert snapshot()["contacts"] == []
    load_demo_world()
    assert snapshot() == first


def test_every_printed_login_signs_in():
    """Every login the command prints authenticates with the printed password and has its printed role."""
    output = run_command()
    password = re.search(r"Password for every demo login: (\S+)", output).group(1)
    logins = re.findall(r"^\s+(\S+@\S+)\s{2,}(.+?)\s{2,}(.+)$", output, flags=re.MULTILINE)
    assert len(logins) == User.objects.count() >= 25
    labels = {role.label: role.value for role in Role}
    for email, role_label, _organization in logins:
        user = authenticate(email=email, password=password)
        assert user is not None, email
        role = labels[role_label.removesuffix(" (limited)")]
        assert Membership.objects.filter(user=user, role=role, is_active=True).exists()


def test_brands_never_name_the_provider():
    """End users never see the provider: no brand field, host name or logo file mentions it."""
    run_command()
    provider_words = {"northwind", "noc"}
    with system_scope("test assertions"):
        for brand in Brand.objects.all():
            values = [
                brand.name,
                brand.sender_name,
                brand.sender_email,
                brand.support_email,
                brand.support_phone,
                brand.portal_slug,
                brand.logo.name,
                *brand.hosts.values_list("hostname", flat=True),
            ]
            for value in values:
                assert not any(word in value.lower() for word in provider_words), value


def test_brand_logos_are_pngs_in_the_brand_colour(media_root):
    """Each brand has its own PNG logo in media storage, painted in the brand's primary colour."""
    run_command()
    with system_scope("test assertions"):
        brands = list(Brand.objects.all())
    for brand in brands:
        with brand.logo.open() as logo, Image.open(logo) as image:
            assert image.format == "PNG"
            assert "#{:02x}{:02x}{:02x}".format(*image.convert("RGB").getpixel((2, 2))) == brand.primary_color


def test_rerun_restores_what_was_changed():
    """Running the loader again puts back demo rows someone edited, and touches nothing else."""
    load_demo_world()
    with system_scope("test: edit demo rows"):
        brand = Brand.objects.get(msp__slug="bluepeak")
        expected_color = brand.primary_color
        Brand.objects.filter(pk=brand.pk).update(primary_color="#000000")
        contact = Contact.objects.order_by("email").first()
        expected_title = contact.job_title
        Contact.objects.filter(pk=contact.pk).update(job_title="Edited")
    report = load_demo_world()
    assert dict(report.created) == {}
    assert dict(report.updated) == {"tenancy.Brand": 1, "tenancy.Contact": 1}
    with system_scope("test assertions"):
        assert Brand.objects.get(pk=brand.pk).primary_color == expected_color
        assert Contact.objects.get(pk=contact.pk).job_title == expected_title


def test_demo_roles_see_what_their_role_allows():
    """A NOC agent sees every client of fully covered MSPs but only the covered Kestrel clients; a limited
    technician sees two clients; a client user sees only their own contact row."""
    load_demo_world()

    def visible_clients(email: str) -> set[str]:
        membership = Membership.objects.get(user__email=email)
        with activate(scope_for_membership(membership)):
            return set(Client.objects.values_list("name", flat=True))

    with system_scope("test assertions"):
        all_clients = {
            msp.slug: set(Client.objects.filter(msp=msp).values_list("name", flat=True))
            for msp in MSP.objects.all()
        }
    noc = visible_clients("priya.natarajan@northwind-noc.example")
    assert all_clients["bluepeak"] | all_clients["harbourlane"] <= noc
    assert noc & all_clients["kestrel"] == {
        "Bäckerei Hofmann",
        "Rheinland Steuerberatung",
        "Alpenblick Hotels",
    }
    assert visible_clients("jordan.price@bluepeak-it.example") == {
        "Cedar Ridge Dental",
        "Miller & Okafor LLP",
    }
    assert visible_clients("dana.whitfield@bluepeak-it.example") == all_clients["bluepeak"]

    client_user = Membership.objects.filter(role=Role.CLIENT_USER).select_related("user").first()
    with activate(scope_for_membership(client_user)):
        assert list(Contact.objects.values_list("email", flat=True)) == [client_user.user.email]


def test_printed_portal_addresses_open_each_brands_portal():
    """Each printed portal address names a host on which that brand's portal answers, on the given port."""
    out = io.StringIO()
    call_command("demo-data", "--base-url", "http://127.0.0.1:8765", stdout=out)
    portals = re.findall(r"^\s+(.+): http://([a-z0-9.-]+):8765/$", out.getvalue(), flags=re.MULTILINE)
    assert len(portals) == 3
    for brand_name, host in portals:
        brand = brand_for_host(host)
        assert brand is not None, host
        assert brand.name == brand_name
