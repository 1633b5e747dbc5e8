"""Fixtures of the routing and triage tests: act as one of the world's users; Acme's catalog."""

from __future__ import annotations

import pytest

from offload.accounts.testing import World
from offload.servicedesk.models import Category, Team
from offload.servicedesk.tests.factories import CategoryFactory, TeamFactory


@pytest.fixture
def catalog(world: World) -> dict[str, Category | Team]:
    """Acme's categories (a small tree) and two teams."""
    msp = world.msp_a
    accounts = CategoryFactory(msp=msp, name="Accounts", path="Accounts")
    rows: dict[str, Category | Team] = {
        "accounts": accounts,
        "password": CategoryFactory(
            msp=msp, parent=accounts, name="Password reset", path="Accounts / Password reset"
        ),
        "printer": CategoryFactory(msp=msp, name="Printer", path="Printer"),
        "server": CategoryFactory(msp=msp, name="Server change", path="Server change"),
        "project": CategoryFactory(msp=msp, name="Project", path="Project"),
        "desk": TeamFactory(msp=msp, name="Service desk"),
        "infra": TeamFactory(msp=msp, name="Infrastructure"),
    }
    return rows
