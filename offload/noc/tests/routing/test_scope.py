"""The scope matrix: decisions with versions and client overrides, diffs, and dry runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offload.core.errors import DomainError, PermissionDenied
from offload.noc.models import ScopeDecision
from offload.noc.services.scope import (
    Draft,
    RuleSpec,
    decide_scope,
    diff_versions,
    dry_run_scope,
    save_scope_matrix,
)
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.choices import AssetKind
from offload.tenancy.tests.factories import AssetFactory

pytestmark = pytest.mark.django_db
IN, ASK, OUT = ScopeDecision.IN_SCOPE, ScopeDecision.NEEDS_APPROVAL, ScopeDecision.ESCALATE


def msp_matrix(catalog, **extra) -> Draft:
    rules = [
        RuleSpec(catalog["accounts"].pk, "", IN),
        RuleSpec(catalog["printer"].pk, "", IN),
        RuleSpec(catalog["server"].pk, "", ASK),
        *extra.get("rules", []),
    ]
    return Draft(client_id=None, rules=rules, default_decision=extra.get("default", OUT))


def test_most_specific_rule_decides_and_default_covers_the_rest(world, catalog, acting_as):
    """A subcategory inherits its parent rule, an asset-kind rule beats a plain one; default: the rest."""
    client = world.clients["a1"]
    server = AssetFactory(msp=world.msp_a, client=client, kind=AssetKind.SERVER)
    draft = msp_matrix(catalog, rules=[RuleSpec(catalog["printer"].pk, AssetKind.SERVER, OUT)])
    with acting_as("msp_owner"):
        version = save_scope_matrix(
            actor=world.user("msp_owner"), msp_id=world.msp_a.pk, draft=draft, note="first"
        )
        password = TicketFactory(client=client, category=catalog["password"])
        printer_on_server = TicketFactory(client=client, category=catalog["printer"], asset=server)
        printer = TicketFactory(client=client, category=catalog["printer"])
        project = TicketFactory(client=client, category=catalog["project"])
        uncategorised = TicketFactory(client=client)
        results = [decide_scope(t) for t in (password, printer_on_server, printer, project, uncategorised)]
    assert [r.decision for r in results] == [IN, OUT, IN, OUT, OUT]
    assert results[0].rule.category_path == "Accounts"
    assert results[0].version_id == version.pk
    assert results[3].rule is None  # the default


def test_client_override_wins_for_that_client_only(world, catalog, acting_as):
    """A client's override changes decisions for that client and falls through to the MSP matrix elsewhere."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        save_scope_matrix(actor=owner, msp_id=world.msp_a.pk, draft=msp_matrix(catalog))
        override = save_scope_matrix(
            actor=owner,
            msp_id=world.msp_a.pk,
            draft=Draft(client_id=world.clients["a2"].pk, rules=[RuleSpec(catalog["printer"].pk, "", OUT)]),
            note="Alpha Two keeps its printers",
        )
        mine = TicketFactory(client=world.clients["a2"], category=catalog["printer"])
        theirs = TicketFactory(client=world.clients["a1"], category=catalog["printer"])
        password_mine = TicketFactory(client=world.clients["a2"], category=catalog["password"])
        assert decide_scope(mine).decision == OUT
        assert decide_scope(mine).version_id == override.pk
        assert decide_scope(theirs).decision == IN
        assert decide_scope(password_mine).decision == IN


def test_a_new_version_takes_over_and_the_diff_says_what_changed(world, catalog, acting_as):
    """Saving again makes a new numbered version with its author; the diff lists what changed."""
    owner = world.user("msp_owner")
    with acting_as("msp_owner"):
        v1 = save_scope_matrix(actor=owner, msp_id=world.msp_a.pk, draft=msp_matrix(catalog))
        ticket = TicketFactory(client=world.clients["a1"], category=catalog["server"])
        assert decide_scope(ticket).decision == ASK
        draft = Draft(
            client_id=None,
            rules=[
                RuleSpec(catalog["accounts"].pk, "", IN),
                RuleSpec(catalog["server"].pk, "", IN),
                RuleSpec(catalog["project"].pk, "", OUT),
            ],
            default_decision=ASK,
        )
        v2 = save_scope_matrix(actor=owner, msp_id=world.msp_a.pk, draft=draft, note="servers too")
        assert (v1.number, v2.number, v2.author) == (1, 2, owner)
        assert decide_scope(ticket).decision == IN
        changes = {(c.change, c.category, c.before, c.after) for c in diff_versions(v1, v2)}
    assert changes == {
        ("default", "(default)", OUT, ASK),
        ("changed", "Server change", ASK, IN),
        ("removed", "Printer", IN, ""),
        ("added", "Project", "", OUT),
    }


def test_only_owners_and_service_managers_save_the_matrix(world, catalog, acting_as):
    """A technician may not change what the NOC takes."""
    with acting_as("technician"), pytest.raises(PermissionDenied):
        save_scope_matrix(actor=world.user("technician"), msp_id=world.msp_a.pk, draft=msp_matrix(catalog))


def test_a_rule_naming_another_msps_category_is_refused(world, catalog, acting_as):
    """A forged category id from another MSP is refused, not saved."""
    from offload.servicedesk.tests.factories import CategoryFactory

    foreign = CategoryFactory(msp=world.msp_c, name="FOREIGN cat", path="FOREIGN cat")
    with acting_as("msp_owner"), pytest.raises(DomainError) as caught:
        save_scope_matrix(
            actor=world.user("msp_owner"),
            msp_id=world.msp_a.pk,
            draft=Draft(client_id=None, rules=[RuleSpec(foreign.pk, "", IN)]),
        )
    assert caught.value.code == "foreign_reference"


def test_dry_run_counts_what_a_draft_would_have_done(world, catalog, acting_as):
    """A dry run counts recent tickets per decision, lists changes against today's matrix, saves nothing."""
    owner = world.user("msp_owner")
    client = world.clients["a1"]
    old = timezone.now() - timedelta(days=40)
    with acting_as("msp_owner"):
        save_scope_matrix(actor=owner, msp_id=world.msp_a.pk, draft=msp_matrix(catalog))
        for _ in range(3):
            TicketFactory(client=client, category=catalog["password"])
        for _ in range(2):
            TicketFactory(client=client, category=catalog["server"])
        TicketFactory(client=client, category=catalog["project"])
        TicketFactory(client=client)
        TicketFactory(client=client, category=catalog["server"], created_at=old)  # outside the window
        TicketFactory(client=world.clients["b1"], msp=world.msp_b, category=None)  # another MSP
        draft = Draft(
            client_id=None,
            rules=[RuleSpec(catalog["accounts"].pk, "", IN), RuleSpec(catalog["server"].pk, "", IN)],
            default_decision=OUT,
        )
        with CaptureQueriesContext(connection) as queries:
            result = dry_run_scope(actor=owner, msp_id=world.msp_a.pk, draft=draft, days=30)
        assert len(queries) <= 10
        assert result.total == 7
        assert result.counts == {IN: 5, ASK: 0, OUT: 2}
        assert result.current_counts == {IN: 3, ASK: 2, OUT: 2}
        assert result.changed == {(ASK, IN): 2}
        assert {row["then"] for row in result.sample} == {IN}
        assert len(result.sample) == 2
        assert (
            decide_scope(TicketFactory(client=client, category=catalog["server"])).decision == ASK
        )  # not saved


def test_dry_run_query_count_does_not_grow_with_tickets(world, catalog, acting_as):
    """The dry run aggregates in the database: 10 or 60 tickets take the same number of queries."""
    owner = world.user("msp_owner")
    client = world.clients["a1"]
    counts = []
    with acting_as("msp_owner"):
        save_scope_matrix(actor=owner, msp_id=world.msp_a.pk, draft=msp_matrix(catalog))
        for n in (10, 50):
            for i in range(n):
                TicketFactory(client=client, category=catalog["password" if i % 2 else "server"])
            with CaptureQueriesContext(connection) as queries:
                dry_run_scope(actor=owner, msp_id=world.msp_a.pk, draft=msp_matrix(catalog, default=ASK))
            counts.append(len(queries))
    assert counts[0] == counts[1]
