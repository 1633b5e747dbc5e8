"""Fixtures of the routing and triage tests: act as one of the world's users; Acme's catalog."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from offload.accounts.acting import acting_for_user
from offload.accounts.testing import World
from offload.servicedesk.models import Category, Team
from offload.servicedesk.tests.factories import CategoryFactory, TeamFactory
from offload.tenancy.scoping import Scope, activate


@pytest.fixture
def acting_as(world: World) -> Callable[[str], contextlib.AbstractContextManager[Scope]]:
    """`with acting_as("msp_owner"):` runs the block in that user's scope, as a request would."""

    @contextlib.contextmanager
    def enter(key: str) -> Iterator[Scope]:
        with activate(acting_for_user(world.user(key)).scope) as scope:
            yield scope

    return enter


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
