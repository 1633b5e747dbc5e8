"""The scope-matrix editor, its dry run and version history, and the human triage view, in Chromium.

Screenshots go to /tmp/shots-routing/ for review.
"""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from offload.console.tests.test_browser import enrol_totp, sign_in
from offload.noc.models import ScopeDecision, TriageStatus
from offload.noc.services.scope import Draft, RuleSpec, save_scope_matrix
from offload.noc.services.triage import train_triage_model, triage_ticket
from offload.noc.tests.triage.helpers import history
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import system_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-routing")


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def signed_in(page: Page, live_server, world, key: str) -> None:
    user = world.user(key)
    secret = enrol_totp(user)
    sign_in(page, live_server.url, user.email, world.password)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_owner_dry_runs_a_draft_then_saves_it_and_sees_the_diff(page, live_server, world, catalog):
    """The owner changes a decision, dry-runs it (counts, changed tickets), saves, and reads the diff."""
    with system_scope("test data", msp_id=world.msp_a.pk):
        save_scope_matrix(
            actor=None,
            msp_id=world.msp_a.pk,
            draft=Draft(
                client_id=None,
                rules=[
                    RuleSpec(catalog["accounts"].pk, "", ScopeDecision.IN_SCOPE),
                    RuleSpec(catalog["server"].pk, "", ScopeDecision.NEEDS_APPROVAL),
                ],
                default_decision=ScopeDecision.ESCALATE,
            ),
            note="first cut",
        )
    for subject in ("Reboot file server", "Add disk to SQL server"):
        TicketFactory(client=world.clients["a1"], category=catalog["server"], subject=subject)
    for _ in range(3):
        TicketFactory(client=world.clients["a1"], category=catalog["password"], subject="Password reset")
    signed_in(page, live_server, world, "msp_owner")
    page.get_by_role("link", name="Scope matrix").click()
    expect(page.locator("h1")).to_contain_text("Scope matrix")
    page.get_by_label("Server change").select_option("in_scope")
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("#dry-run-card")).to_contain_text("5 tickets")
    expect(page.locator("#dry-run-changes")).to_contain_text("2 from Needs MSP approval to NOC in scope")
    expect(page.locator("#dry-run-sample li")).to_have_count(2)
    shot(page, "scope-dry-run")
    page.get_by_label("What changed and why").fill("Server changes go to the NOC")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.locator(".alert")).to_contain_text("Saved version 2")
    page.get_by_role("link", name="Versions").click()
    expect(page.locator("#version-2")).to_contain_text("Server changes go to the NOC")
    expect(page.locator("#version-2 .ofl-change-changed")).to_contain_text("Server change")
    shot(page, "scope-versions")


def test_technician_corrects_a_suggestion_in_the_triage_view(page, live_server, world, catalog):
    """An unsure suggestion waits in /triage/ with its confidence and words; the technician triages it."""
    history(client=world.clients["a1"], catalog=catalog)
    with system_scope("test data", msp_id=world.msp_a.pk):
        model = train_triage_model(actor=None, msp_id=world.msp_a.pk)
        model.threshold = 0.999
        model.save(update_fields=["threshold"])
        ticket = TicketFactory(
            client=world.clients["a1"], subject="printer toner jam", description="paper stuck in the printer"
        )
        suggestion = triage_ticket(ticket=ticket)
    assert suggestion.status == TriageStatus.PENDING
    signed_in(page, live_server, world, "technician")
    page.get_by_role("link", name="Triage").click()
    row = page.locator(f'tr[data-ticket="{ticket.reference}"]')
    expect(row).to_contain_text("Printer")
    expect(row).to_contain_text("printer")
    shot(page, "triage")
    row.get_by_role("button", name="Triage").click()
    expect(page.locator(".alert")).to_contain_text(f"{ticket.reference} triaged")
    expect(page.locator("#pending-count")).to_have_text("0")
