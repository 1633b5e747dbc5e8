"""Portal test fixtures: the shared world, with portal host names and distinct colours per brand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from offload.accounts.testing import World
from offload.portal.resolver import forget_portal_hosts
from offload.tenancy.models import Brand, PortalHost
from offload.tenancy.scoping import system_scope

ACME_HOST = "support.acme-it.example"
BRAVO_HOST = "help.bravo-msp.example"
PROVIDER_NAME = "Northwind NOC"


@dataclass
class Portals:
    """The world's MSP A and B brands with their portal host names."""

    world: World
    acme: Brand
    bravo: Brand
    charlie: Brand

    @property
    def brands(self) -> list[Brand]:
        return [self.acme, self.bravo, self.charlie]

    def foreign_names(self, brand: Brand) -> list[str]:
        """Names that must never appear on `brand`'s portal: the provider's and the other brands'."""
        return [
            PROVIDER_NAME,
            self.world.provider.name,
            self.world.other_provider.name,
            "Offload",
            *(b.name for b in self.brands if b.pk != brand.pk),
        ]


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    """Each test resolves host names against its own rows, never a previous test's cached brand."""
    forget_portal_hosts()
    yield
    forget_portal_hosts()


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Templates resolve {% static %} without a collectstatic manifest (tests never run collectstatic)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def portals(world: World) -> Portals:
    with system_scope("test data: portal hosts and brand colours"):
        acme = Brand.objects.get(msp=world.msp_a)
        bravo = Brand.objects.get(msp=world.msp_b)
        charlie = Brand.objects.get(msp=world.msp_c)
        for brand, primary, accent, phone in [
            (acme, "#c2410c", "#7c2d12", "+49 30 1234 5678"),
            (bravo, "#0f766e", "#134e4a", "+44 20 7946 0000"),
        ]:
            brand.primary_color, brand.accent_color, brand.support_phone = primary, accent, phone
            brand.save()
        PortalHost.objects.create(msp=world.msp_a, brand=acme, hostname=ACME_HOST)
        PortalHost.objects.create(msp=world.msp_b, brand=bravo, hostname=BRAVO_HOST)
        PortalHost.objects.create(msp=world.msp_c, brand=charlie, hostname="portal.charlie.example")
    return Portals(world=world, acme=acme, bravo=bravo, charlie=charlie)
