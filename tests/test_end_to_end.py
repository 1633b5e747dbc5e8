"""The whole hand-off, as the issues' "done when" describes it: an end user's mail becomes a ticket,
triage and the scope matrix send it to the NOC, an agent works it in the MSP's name, the
technician reviews it — and nobody copies anything, and nothing names the provider.

A transactional test: every commit fires the real receivers, and a real worker loop runs the tasks
they enqueue (triage, routing, SLA, runbooks, mail), exactly as in production.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import getaddresses, make_msgid

import pytest
from django.core import mail as django_mail

from offload.accounts.acting import acting_for_user
from offload.core.tasks.testing import drain
from offload.noc.choices import DelegationState
from offload.noc.models import Delegation, TicketRunbook, TriageSuggestion
from offload.noc.selectors.clocks import holder_split
from offload.noc.services import delegation as handoff
from offload.noc.services import runbooks
from offload.noc.services.dispatch import claim_delegation
from offload.noc.services.scope import Draft, RuleSpec, save_scope_matrix
from offload.noc.services.triage import train_triage_model
from offload.servicedesk.choices import Priority, TicketSource, TicketStatus
from offload.servicedesk.models import Category, Ticket, TicketEntry
from offload.servicedesk.services.entries import add_reply
from offload.servicedesk.services.intake import receive_email
from offload.servicedesk.tests.factories import TicketFactory
from offload.tenancy.scoping import activate, system_scope

SUPPORT = "support@acme.example"  # MSP A's brand in the world fixture
ALICE = "alice@alpha-one.example"

HISTORY = {
    "Accounts / Password reset": (
        Priority.P3,
        [
            "Locked out of my account after too many password attempts",
            "Password expired and I cannot sign in",
            "Forgot my password, please reset it",
            "Account locked, need a password reset",
            "Cannot log in, password not accepted",
        ],
    ),
    "Printing": (
        Priority.P2,
        [
            "Printer on the second floor shows offline",
            "Print jobs stuck in the printer queue",
            "Printer jammed and prints blank pages",
            "Scanner printer combo will not print",
            "Toner error on the office printer",
        ],
    ),
}


def settle() -> None:
    """Run tasks until none is left (tasks enqueue more tasks through committed events)."""
    for _ in range(20):
        if drain("end-to-end") == 0:
            return
    raise AssertionError("tasks kept enqueueing tasks")


def inbound(subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Alice <{ALICE}>"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="alpha-one.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def addresses(header_values: list[str]) -> list[str]:
    return [address for _, address in getaddresses(header_values)]


def as_user(world, key: str):
    return activate(acting_for_user(world.user(key)).scope)


@pytest.fixture
def desk(world):
    """MSP A's categories, a scope matrix that sends password resets to the NOC, a runbook for
    them, and closed history from which triage learns."""
    msp = world.msp_a
    with system_scope("end-to-end set-up", msp_id=msp.pk):
        alice = world.contacts["a1"][0]
        alice.email = ALICE
        alice.save(update_fields=["email"])
        accounts = Category.objects.create(msp=msp, name="Accounts", path="Accounts")
        categories = {
            "Accounts / Password reset": Category.objects.create(
                msp=msp, name="Password reset", path="Accounts / Password reset", parent=accounts
            ),
            "Printing": Category.objects.create(msp=msp, name="Printing", path="Printing"),
        }
        save_scope_matrix(
            actor=None,
            msp_id=msp.pk,
            draft=Draft(
                client_id=None,
                rules=[RuleSpec(categories["Accounts / Password reset"].pk, "", "in_scope")],
                default_decision="escalate",
            ),
        )
        runbooks.save_runbook(
            actor=None,
            msp_id=msp.pk,
            name="Password reset",
            steps=[{"title": "Verify the caller", "evidence": "note"}, {"title": "Reset the password"}],
            category_ids=[categories["Accounts / Password reset"].pk],
        )
        for path, (priority, subjects) in HISTORY.items():
            for round_ in range(3):
                for subject in subjects:
                    TicketFactory(
                        msp=msp,
                        client=world.clients["a1" if round_ % 2 else "a2"],
                        subject=subject,
                        category=categories[path],
                        priority=priority,
                        status=TicketStatus.CLOSED,
                    )
        train_triage_model(actor=None, msp_id=msp.pk)
    settle()  # the history's own events
    return categories


@pytest.mark.django_db(transaction=True)
def test_a_routine_mail_goes_to_the_noc_and_back_to_the_technicians_review(world, desk):
    """Alice writes in; triage files it as a password reset and routing offers it to the NOC with
    its runbook; a NOC agent accepts, claims, answers in the MSP's brand and completes it; the
    technician approves and the ticket resolves; Alice's reply by mail threads into it; the
    timeline says who held the clock — and no mail or public entry names the provider."""
    django_mail.outbox.clear()
    stored = receive_email(
        raw=inbound("Locked out — password reset please", "I am locked out of my account again."),
        recipient=SUPPORT,
    )
    settle()

    with system_scope("check the ticket", msp_id=world.msp_a.pk):
        ticket = Ticket.objects.get(subject__startswith="Locked out —")
        assert (ticket.source, ticket.contact.email) == (TicketSource.EMAIL, ALICE)
        suggestion = TriageSuggestion.objects.get(ticket=ticket)
        assert suggestion.status == "auto_applied", suggestion.unsure
        assert ticket.category == desk["Accounts / Password reset"]
        delegation = Delegation.objects.get(ticket=ticket, is_active=True)
        assert delegation.state == DelegationState.OFFERED
        assert delegation.offered_by is None  # offered by routing, not by a person copying it
        assert TicketRunbook.objects.filter(ticket=ticket, name="Password reset").exists()
    assert stored.message_id
    [acknowledgement] = django_mail.outbox
    assert ticket.reference in acknowledgement.subject
    assert addresses(acknowledgement.to) == [ALICE]

    agent = world.user("noc_agent")
    with as_user(world, "noc_agent"):
        delegation = handoff.accept_delegation(actor=agent, delegation=delegation)
        claim_delegation(actor=agent, delegation_id=delegation.pk)
        answer = add_reply(
            actor=agent, ticket=ticket, body="Your password has been reset; you will be asked to change it."
        )
        handoff.complete_delegation(actor=agent, delegation=delegation, note="Reset, user confirmed sign-in.")
    settle()

    reply_mail = django_mail.outbox[-1]
    assert addresses(reply_mail.to) == [ALICE]
    assert ticket.reference in reply_mail.subject
    brand_sender = reply_mail.from_email
    assert "acme.example" in brand_sender

    technician = world.user("technician")
    with as_user(world, "technician"):
        review = Delegation.objects.get(pk=delegation.pk)
        assert review.state == DelegationState.COMPLETED
        handoff.approve_delegation(actor=technician, delegation=review)
    settle()
    with system_scope("check the outcome", msp_id=world.msp_a.pk):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED

    # Alice answers the agent's mail: it threads into the same ticket by its headers.
    message_id = reply_mail.extra_headers.get("Message-ID") or reply_mail.message()["Message-ID"]
    receive_email(
        raw=inbound(f"Re: {reply_mail.subject}", "Thanks, works again!", In_Reply_To=message_id),
        recipient=SUPPORT,
    )
    settle()
    with system_scope("check the thread", msp_id=world.msp_a.pk):
        assert Ticket.objects.filter(msp=world.msp_a, subject__startswith="Locked out —").count() == 1
        answer_ids = set(TicketEntry.objects.filter(ticket=ticket, kind="reply").values_list("id", flat=True))
        assert answer.pk in answer_ids
        assert TicketEntry.objects.filter(ticket=ticket, author_contact__email=ALICE, kind="reply").exists()
        split = holder_split(ticket)
        assert [span.holder for span in split.spans][:2] == ["msp", "noc"]
        public = " ".join(
            TicketEntry.objects.filter(ticket=ticket, visibility="public").values_list("body", flat=True)
        )

    provider = world.provider.name
    for sent in django_mail.outbox:
        text = f"{sent.from_email} {sent.subject} {sent.body}"
        assert provider not in text
        assert "Northwind" not in text
    assert provider not in public
