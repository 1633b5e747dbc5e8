"""Ticket mail out, delivered over real SMTP to an aiosmtpd sink: identity, headers, threading, limits."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail as django_mail

from offload.core.tasks.testing import drain
from offload.servicedesk.access import access_ticket
from offload.servicedesk.choices import Transition
from offload.servicedesk.models import (
    InboundMessage,
    InboundStatus,
    MailEvent,
    MailTemplate,
    OutboundEmail,
    OutboundStatus,
    Ticket,
    TicketEntry,
)
from offload.servicedesk.services import entries, tickets
from offload.servicedesk.services.intake import process_inbound, receive_email
from offload.servicedesk.services.notifications import notify_entries
from offload.tenancy.models import Brand, PortalHost
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

SUPPORT = "support@acme.example"
ticket_actor: dict = {}


@pytest.fixture
def people(world):
    """Alice (client a1, requester), Bob (a1), Carol (client a2): real addresses; the agent's first name."""
    with system_scope("test setup"):
        alice, bob = world.contacts["a1"]
        carol = world.contacts["a2"][0]
        for contact, email in (
            (alice, "alice@alphaone.example"),
            (bob, "bob@alphaone.example"),
            (carol, "carol@alphatwo.example"),
        ):
            contact.email = email
            contact.save(update_fields=["email"])
        brand = Brand.objects.get(msp=world.msp_a)
        brand.sender_name, brand.sender_email = "Acme IT Service Desk", "help@acme.example"
        brand.save()
    for key in ("technician", "noc_agent"):
        user = world.user(key)
        user.first_name = {"technician": "Tess", "noc_agent": "Nico"}[key]
        user.save(update_fields=["first_name"])
        ticket_actor[key] = user
    return {"alice": alice, "bob": bob, "carol": carol}


def customer_mail(sender: str, subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def text(message) -> str:
    """A received mail's text with the wire's CRLF line ends made plain newlines."""
    return message.get_content().replace("\r\n", "\n")


def deliver(raw: bytes) -> InboundMessage:
    stored = receive_email(raw=raw, recipient=SUPPORT)
    assert isinstance(stored, InboundMessage)
    return process_inbound(stored.pk)


def ticket_of(message: InboundMessage) -> Ticket:
    with system_scope("test"):
        return Ticket.objects.select_related("contact").get(pk=message.ticket_id)


def entries_of(ticket: Ticket, event: str) -> list[int]:
    with system_scope("test"):
        return list(TicketEntry.objects.filter(ticket=ticket, event=event).values_list("pk", flat=True))


def staff_reply(acting_as, ticket: Ticket, body: str, who: str = "technician") -> TicketEntry:
    actor = ticket_actor[who]
    with acting_as(who):
        return entries.add_reply(actor=actor, ticket=access_ticket(actor, ticket.pk), body=body)


def test_staff_reply_goes_out_in_the_brand_with_thread_headers(people, world, acting_as, smtp_sink):
    """A technician's public reply reaches requester and CCs from the brand, threaded under the mail."""
    first = deliver(
        customer_mail(
            "Alice <alice@alphaone.example>",
            "VPN down",
            "The VPN drops every minute.",
            Cc="bob@alphaone.example",
        )
    )
    ticket = ticket_of(first)
    reply = staff_reply(acting_as, ticket, "Please reinstall the client, then try again.")
    notify_entries([reply.pk])

    got = {tuple(rcpt): message for rcpt, message, _ in smtp_sink.received}
    assert set(got) == {("alice@alphaone.example",), ("bob@alphaone.example",)}
    message = got[("alice@alphaone.example",)]
    assert message["From"] == "Acme IT Service Desk <help@acme.example>"
    assert message["Reply-To"] == SUPPORT
    assert message["Subject"] == f"Re: [{ticket.reference}] VPN down"
    assert message["Message-ID"].endswith("@127.0.0.1>")
    assert message["In-Reply-To"] == f"<{first.message_id}>"
    assert f"<{first.message_id}>" in message["References"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    body = text(message)
    assert body.startswith("##- Please type your reply above this line -##")
    assert "Please reinstall the client" in body
    assert "Tess\nAcme IT Service Desk" in body
    with system_scope("test"):
        rows = list(OutboundEmail.objects.filter(ticket=ticket).values_list("recipient", "status"))
    assert sorted(rows) == [("alice@alphaone.example", "sent"), ("bob@alphaone.example", "sent")]


def test_noc_agent_reply_never_names_the_provider(people, world, acting_as, smtp_sink):
    """A NOC agent's reply is signed with their first name and the MSP's brand; no provider name."""
    ticket = ticket_of(deliver(customer_mail("alice@alphaone.example", "Disk full", "C: is full.")))
    reply = staff_reply(acting_as, ticket, "I cleared the temp folder.", who="noc_agent")
    notify_entries([reply.pk])
    [(_, message, raw)] = smtp_sink.received
    assert message["From"] == "Acme IT Service Desk <help@acme.example>"
    assert "Nico\nAcme IT Service Desk" in text(message)
    assert world.provider.name.encode() not in raw
    assert b"Northwind" not in raw


def test_acknowledgement_is_auto_replied_and_resolution_links_the_portal(people, world, acting_as, smtp_sink):
    """A new ticket is acknowledged (auto-replied); resolving mails the portal link to rate it."""
    ticket = ticket_of(deliver(customer_mail("alice@alphaone.example", "Printer", "Jammed again.")))
    notify_entries(entries_of(ticket, "ticket.created"))
    [ack] = smtp_sink.messages()
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["Subject"].startswith(f"[{ticket.reference}] ")
    assert f"/portal/acme/tickets/{ticket.reference}/" in text(ack)

    with system_scope("test"):
        brand = Brand.objects.get(msp=world.msp_a)
        PortalHost.objects.create(msp=world.msp_a, brand=brand, hostname="help.acme.example")
    actor = world.user("technician")
    with acting_as("technician"):
        tickets.transition_ticket(
            actor=actor, ticket=access_ticket(actor, ticket.pk), transition=Transition.RESOLVE
        )
    notify_entries(entries_of(ticket, "ticket.status_changed"))
    resolved = smtp_sink.messages()[-1]
    assert f"https://help.acme.example/tickets/{ticket.reference}/" in text(resolved)
    # It answers the acknowledgement: the thread grows by our own ids too.
    assert ack["Message-ID"] in resolved["References"]


def test_rate_limit_stops_a_flood_to_one_recipient(people, world, acting_as, smtp_sink, settings):
    """Past the per-recipient limit, further mails are recorded as rate limited and not sent."""
    settings.OFFLOAD_MAIL_RATE_COUNT = 3
    ticket = ticket_of(deliver(customer_mail("alice@alphaone.example", "Loop", "Hello")))
    for n in range(5):
        reply = staff_reply(acting_as, ticket, f"Answer {n}")
        notify_entries([reply.pk])
    assert len(smtp_sink.received) == 3
    with system_scope("test"):
        statuses = list(
            OutboundEmail.objects.filter(ticket=ticket).order_by("id").values_list("status", flat=True)
        )
    assert statuses == ["sent"] * 3 + ["rate_limited"] * 2


def test_customer_reply_to_our_mail_threads_and_a_stranger_with_the_reference_does_not(
    people, world, acting_as, smtp_sink
):
    """Round trip: an answer to our mail threads (quote cut at the marker); another client's
    person quoting the reference opens their own ticket instead."""
    ticket = ticket_of(deliver(customer_mail("alice@alphaone.example", "Outlook crashes", "On start.")))
    notify_entries([staff_reply(acting_as, ticket, "Which version do you run?").pk])
    [ours] = smtp_sink.messages()

    quoted = "\n".join(f"> {line}" for line in text(ours).splitlines())
    answer = deliver(
        customer_mail(
            "alice@alphaone.example",
            f"Re: {ours['Subject']}",
            f"Version 2408.\n\nOn Mon, Acme IT Service Desk <help@acme.example> wrote:\n{quoted}\n",
            In_Reply_To=ours["Message-ID"],
            References=ours["References"] + " " + ours["Message-ID"],
        )
    )
    assert (answer.status, answer.ticket_id) == (InboundStatus.PROCESSED, ticket.pk)
    with system_scope("test"):
        assert TicketEntry.objects.get(pk=answer.entry_id).body == "Version 2408."

    stranger = deliver(
        customer_mail("carol@alphatwo.example", f"Re: [{ticket.reference}] Outlook crashes", "Me too!")
    )
    assert stranger.status == InboundStatus.PROCESSED
    assert stranger.ticket_id != ticket.pk
    assert ticket_of(stranger).client_id == people["carol"].client_id


def test_committed_reply_is_mailed_by_a_task_not_in_the_request(
    people, world, acting_as, django_capture_on_commit_callbacks
):
    """The reply's commit only queues a task; the worker sends the mail (locmem outbox here)."""
    ticket = ticket_of(deliver(customer_mail("alice@alphaone.example", "Scanner", "Offline.")))
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(acting_as, ticket, "Restarted it.")
    assert django_mail.outbox == []  # nothing sent inline
    drain()
    [sent] = django_mail.outbox
    assert sent.to[0].endswith("<alice@alphaone.example>")
    assert "Restarted it." in sent.body


def test_msp_template_overrides_the_default_and_a_broken_one_falls_back(people, world, acting_as):
    """An MSP's own wording is used for its mails; a template that does not compile falls back to ours."""
    ticket = ticket_of(deliver(customer_mail("alice@alphaone.example", "Mouse", "Broken.")))
    with system_scope("test"):
        MailTemplate.objects.create(
            msp=world.msp_a,
            event=MailEvent.TICKET_CREATED,
            subject="Got it: {{ ticket.subject }}",
            body="Hi {{ recipient_name }}, number {{ ticket.reference }}.",
        )
    created = entries_of(ticket, "ticket.created")
    django_mail.outbox.clear()
    notify_entries(created)
    [mine] = django_mail.outbox
    assert mine.subject == f"[{ticket.reference}] Got it: Mouse"
    assert f"number {ticket.reference}." in mine.body

    with system_scope("test"):
        MailTemplate.objects.filter(msp=world.msp_a).update(body="{% if %}")
        OutboundEmail.objects.all().delete()
    notify_entries(created)
    assert "we received your request" in django_mail.outbox[-1].body


def test_a_failed_relay_is_logged_and_the_retry_does_not_mail_twice(
    people, world, acting_as, smtp_sink, settings
):
    """When the relay is down the mail is logged failed; the retry sends it once to each recipient."""
    ticket = ticket_of(
        deliver(customer_mail("alice@alphaone.example", "Wifi", "Slow.", Cc="bob@alphaone.example"))
    )
    reply = staff_reply(acting_as, ticket, "Moved you to 5 GHz.")
    good = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    rows = notify_entries([reply.pk])
    assert {r.status for r in rows} == {OutboundStatus.FAILED}
    settings.MAILERS = good
    notify_entries([reply.pk])
    notify_entries([reply.pk])
    assert sorted(r[0] for r, _, _ in smtp_sink.received) == [
        "alice@alphaone.example",
        "bob@alphaone.example",
    ]
