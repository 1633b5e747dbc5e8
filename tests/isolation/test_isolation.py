"""One test that discovers every URL and API operation and proves, for every role, that rows of
another MSP or another client are never listed, counted, searched, exported, downloaded or changed.

Nobody edits this file when adding an endpoint: the checker walks the URLconf and the OpenAPI schema
by itself (tests/isolation/checker.py). The meta-tests at the end prove that a new, unscoped
endpoint makes it fail.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.test import TestCase, override_settings

from offload.accounts.services.tokens import create_api_token
from offload.accounts.testing import ROLE_KEYS, build_world
from offload.portal.resolver import HOST_URLCONF
from offload.tenancy.models import PortalHost
from offload.tenancy.scoping import system_scope
from tests.isolation import seed
from tests.isolation.checker import Checker, Outcome, viewers_for

ISOLATION_SETTINGS = {
    # Pages must really render for staff; MFA enrolment is proven by the sign-in tests.
    "OFFLOAD_REQUIRE_STAFF_MFA": False,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


class QuietRequestsMixin:
    """Thousands of deliberate 403/404 answers would each log; the checker reports server errors itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._request_logger = logging.getLogger("django.request")
        cls._request_level = cls._request_logger.level
        cls._request_logger.setLevel(logging.CRITICAL)  # the checker reports 5xx itself

    @classmethod
    def tearDownClass(cls):
        cls._request_logger.setLevel(cls._request_level)
        super().tearDownClass()


def urlconfs() -> list[tuple[str, str | None]]:
    """The root URLconf, and the portal's host URLconf once for each registered portal host name."""
    with system_scope("portal host names"):
        hosts = sorted(PortalHost.objects.values_list("hostname", flat=True))
    return [(settings.ROOT_URLCONF, None)] + [(HOST_URLCONF, host) for host in hosts]


def _with_tokens(viewers):
    """API operations are called with each user's bearer token, as API clients do."""
    for viewer in viewers:
        if viewer.user is not None:
            _, viewer.token = create_api_token(actor=None, user=viewer.user, name="isolation test")
    return viewers


def report(outcome: Outcome, limit: int = 25) -> str:
    shown = "\n".join(f"- {p}" for p in outcome.problems[:limit])
    more = len(outcome.problems) - limit
    return f"{len(outcome.problems)} isolation problem(s) in {outcome.requests} requests:\n{shown}" + (
        f"\n… and {more} more" if more > 0 else ""
    )


@override_settings(**ISOLATION_SETTINGS)
class IsolationTest(QuietRequestsMixin, TestCase):
    """Every discovered route, every role, one shared world (built once for the class)."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        seed.seed_foreign_rows(cls.world)
        cls.viewers = _with_tokens(viewers_for(cls.world, ROLE_KEYS))

    def checker(self, **kwargs) -> Checker:
        return Checker(self.world, self.viewers, urlconfs=urlconfs(), **kwargs)

    def test_every_route_is_understood(self):
        """Every route's parameters can be filled, and every OpenAPI operation maps to a URL pattern."""
        checker = self.checker()
        checker.check_coverage()
        assert len(checker.routes) > 20, [r.display for r in checker.routes]
        assert any(r.openapi_methods for r in checker.routes), "no API operation found in the OpenAPI schema"
        assert not checker.out.problems, report(checker.out)

    def test_reads_never_show_foreign_rows(self):
        """No page or API operation, with foreign ids in its path or query, shows or admits a foreign row."""
        checker = self.checker()
        for viewer in self.viewers:
            checker.check_reads(viewer)
        assert not checker.out.problems, report(checker.out)
        print(f"reads: {checker.out.requests} requests")
        assert checker.out.positive > 0, "no parameterised route ever answered 200: the probes reach nothing"
        assert checker.out.api_answers > 0, "no API operation ever answered 200: authentication is broken"
        hosts = {r.host for r in checker.routes}
        assert "support.delta.example" in hosts, "the portal's host URLconf was not walked"

    def test_foreign_rows_change_nothing_a_viewer_sees(self):
        """Adding foreign rows changes no list, count, search, page or export, for any viewer."""
        checker = self.checker()
        for viewer in self.viewers:
            checker.check_differential(viewer)
        print(f"differential: {checker.out.requests} requests")
        assert not checker.out.problems, report(checker.out)

    def test_writes_never_touch_foreign_rows(self):
        """POST/PUT/PATCH/DELETE aimed at foreign ids, in the path or the body, change no foreign row."""
        checker = self.checker()
        for viewer in self.viewers:
            checker.check_writes(viewer)
        print(f"writes: {checker.out.requests} requests")
        assert not checker.out.problems, report(checker.out)


def _meta_route(route) -> bool:
    return route.template.startswith("isolation-meta/")


@override_settings(ROOT_URLCONF="tests.isolation.leaky_urls", **ISOLATION_SETTINGS)
class LeakyEndpointsAreCaughtTest(QuietRequestsMixin, TestCase):
    """A new endpoint that forgets the scope makes the isolation test fail, without editing it."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        seed.seed_foreign_rows(cls.world)
        viewers = viewers_for(cls.world, ["msp_owner", "technician_limited", "client_user"])
        cls.viewers = viewers

    def checker(self) -> Checker:
        # Discovery walks the whole leaky URLconf; only the leaky routes are exercised, to stay fast.
        checker = Checker(self.world, self.viewers, route_filter=_meta_route)
        assert {r.display for r in checker.routes} >= {
            "/isolation-meta/all-clients/",
            "/isolation-meta/clients/<pk>/",
            "/isolation-meta/client-count/",
        }
        return checker

    def test_an_unscoped_list_is_caught(self):
        """A list built under system_scope shows foreign names: reported for every viewer."""
        checker = self.checker()
        for viewer in self.viewers:
            checker.check_reads(viewer)
        problems = "\n".join(checker.out.problems)
        assert "GET /isolation-meta/all-clients/ shows foreign data" in problems
        for viewer in self.viewers:
            assert f"[{viewer.key}] GET /isolation-meta/all-clients/" in problems

    def test_an_unscoped_detail_is_caught(self):
        """A detail view answering 200 for a foreign id is reported even though it shows no name."""
        checker = self.checker()
        checker.check_reads(self.viewers[1])
        problems = "\n".join(checker.out.problems)
        assert re.search(r"/isolation-meta/clients/9100\d\d/ answered 200 for a foreign row", problems)

    def test_an_unscoped_count_is_caught(self):
        """A counter over every tenant changes when foreign rows are added: the differential reports it."""
        checker = self.checker()
        checker.check_differential(self.viewers[1])
        problems = "\n".join(checker.out.problems)
        assert "GET /isolation-meta/client-count/ changed when foreign rows were added" in problems

    def test_an_unscoped_write_is_caught(self):
        """A write that changes another tenant's row is reported from the snapshot of foreign rows."""
        checker = self.checker()
        checker.check_writes(self.viewers[1])
        problems = "\n".join(checker.out.problems)
        assert "writes changed foreign tenancy.Client rows" in problems

    def test_a_route_the_checker_cannot_fill_fails_with_instructions(self):
        """An unknown path converter fails the run, saying how to teach the test or exempt the route."""
        checker = self.checker()
        checker.check_coverage()
        problems = "\n".join(checker.out.problems)
        assert "/isolation-meta/weird/<code>/: cannot fill path converter(s)" in problems
        assert "Teach the isolation test" in problems
