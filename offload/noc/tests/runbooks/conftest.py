"""Fixtures of the runbook and maintenance tests: act as one of the world's users."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from offload.accounts.acting import acting_for_user
from offload.accounts.testing import World
from offload.tenancy.scoping import Scope, activate


@pytest.fixture
def acting_as(world: World) -> Callable[[str], contextlib.AbstractContextManager[Scope]]:
    """`with acting_as("technician"):` runs the block in that user's scope, as a request would."""

    @contextlib.contextmanager
    def enter(key: str) -> Iterator[Scope]:
        with activate(acting_for_user(world.user(key)).scope) as scope:
            yield scope

    return enter


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
