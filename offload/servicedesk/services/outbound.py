"""Ticket mail out, in the MSP's identity: built, rate-limited, sent, logged and threaded.

Every mail:
- comes from the MSP's brand (`Brand.sender_name`/`sender_email`, replies to `support_email`); the
  provider (NOC) is never named, also not when a NOC agent wrote the reply: the signature is the
  agent's first name and the brand's name;
- carries our own `Message-ID` (domain: settings.OFFLOAD_MAIL_MESSAGE_ID_DOMAIN), and
  `In-Reply-To`/`References` built from the ticket's known Message-IDs (`MailThreadId`); its own id
  is remembered there too, so the customer's reply threads by header (lessons §1);
- has the ticket reference in the subject (`[ACME-1042] …`) and the reply marker line above the
  text, which the inbound reply stripper cuts at (offload/core/mail/reply.py);
- says it is automatic: `Auto-Submitted: auto-generated` (`auto-replied` for acknowledgements,
  RFC 3834), `X-Auto-Response-Suppress: All` (no Outlook out-of-office back), and our loop header
  with the installation's token so that it is dropped if it ever comes back in;
- counts against a per-recipient limit per MSP (settings.OFFLOAD_MAIL_RATE_COUNT per
  OFFLOAD_MAIL_RATE_WINDOW seconds): the excess is logged `rate_limited` and not sent, so a loop
  with an auto-responder that defeats every header still cannot flood anyone.

Sent through Django's mail API (the `default` mailer of settings.MAILERS), only from a task
(services/notifications.py), never inside a request.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import TemplateSyntaxError, engines
from django.template.loader import render_to_string
from django.utils import timezone

from offload.core.mail import LOOP_HEADER
from offload.core.mail.reply import REPLY_MARKER
from offload.servicedesk.choices import EntryKind, Visibility
from offload.servicedesk.models import (
    MailEvent,
    MailTemplate,
    MailThreadId,
    MessageDirection,
    OutboundEmail,
    OutboundStatus,
    Ticket,
    TicketEntry,
)
from offload.servicedesk.services.intake import remember_message_id
from offload.tenancy.models import Brand, PortalHost

log = logging.getLogger(__name__)

MAX_REFERENCES = 20  # first id plus the most recent ones: enough to thread, short enough for any MTA


def message_id_domain() -> str:
    return str(getattr(settings, "OFFLOAD_MAIL_MESSAGE_ID_DOMAIN", "") or "localhost")


def new_message_id(ticket: Ticket) -> str:
    """A fresh id of ours for one mail about `ticket` (without angle brackets)."""
    return f"{ticket.reference.lower()}.{uuid.uuid4().hex}@{message_id_domain()}"


def portal_ticket_url(ticket: Ticket, brand: Brand) -> str:
    """The ticket's page on the MSP's portal: its first host name, else the path-based portal."""
    host = PortalHost.objects.filter(brand=brand).order_by("id").values_list("hostname", flat=True).first()
    if host:
        return f"https://{host}/tickets/{ticket.reference}/"
    base = str(getattr(settings, "BASE_URL", "") or "").rstrip("/")
    return f"{base}/portal/{brand.portal_slug}/tickets/{ticket.reference}/"


def thread_headers(ticket: Ticket) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for the next mail on `ticket`, from the ids it already knows."""
    ids = list(
        MailThreadId.objects.filter(msp_id=ticket.msp_id, ticket=ticket)
        .order_by("id")
        .values_list("message_id", flat=True)
    )
    if not ids:
        return "", []
    refs = ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids[-1], refs


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _default_templates(event: str) -> tuple[str, str]:
    return f"servicedesk/mail/{event}_subject.txt", f"servicedesk/mail/{event}.txt"


def render_mail(*, event: str, ticket: Ticket, brand: Brand, context: dict[str, Any]) -> Rendered:
    """Subject and text of `event`'s mail: the MSP's own template when it has one, else ours.

    An MSP template that does not compile falls back to the default (logged), so a typo in a
    template never stops a customer's mail. The reference and the reply marker are added here.
    """
    subject = body = ""
    custom = MailTemplate.objects.filter(msp_id=ticket.msp_id, event=event, is_active=True).first()
    if custom is not None:
        try:
            engine = engines["django"]
            head, tail = "{% autoescape off %}", "{% endautoescape %}"
            subject = engine.from_string(head + custom.subject + tail).render(context)
            body = engine.from_string(head + custom.body + tail).render(context)
        except (TemplateSyntaxError, ValueError, TypeError, AttributeError):
            log.warning("Mail template %s of MSP %s does not render; using the default", event, ticket.msp_id)
            subject = body = ""
    if not subject.strip() or not body.strip():
        subject_name, body_name = _default_templates(event)
        subject = render_to_string(subject_name, context)
        body = render_to_string(body_name, context)
    subject = " ".join(subject.split())
    tag = f"[{ticket.reference}]"
    if tag.lower() not in subject.lower():
        subject = f"{tag} {subject}".strip()
    if event == MailEvent.AGENT_REPLY and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    text = f"{REPLY_MARKER}\n\n{body.strip()}\n"
    return Rendered(subject=subject[:998], body=text)


def rate_limited(*, msp_id: int, address: str) -> bool:
    """True when `address` already got the allowed number of mails from this MSP in the window."""
    count = int(getattr(settings, "OFFLOAD_MAIL_RATE_COUNT", 10))
    window = int(getattr(settings, "OFFLOAD_MAIL_RATE_WINDOW", 600))
    since = timezone.now() - timedelta(seconds=window)
    sent = OutboundEmail.objects.filter(
        msp_id=msp_id, recipient=address, created_at__gte=since, status=OutboundStatus.SENT
    ).count()
    return sent >= count


def signature_for(entry: TicketEntry | None, brand: Brand) -> str:
    """Agent first name and the brand: never the agent's company (a NOC agent writes as the MSP)."""
    first = ""
    if entry is not None and entry.author_user_id and entry.author_user is not None:
        first = (entry.author_user.first_name or "").strip()
    return f"{first}\n{brand.name}" if first else brand.name


def send_ticket_mail(
    *,
    ticket: Ticket,
    event: str,
    recipients: list[Recipient],
    entry: TicketEntry | None = None,
    extra: dict[str, Any] | None = None,
) -> list[OutboundEmail]:
    """Send `event`'s mail about `ticket` to each recipient (one mail each), log and thread it.

    Runs inside a scope that sees the ticket (the notification task's system scope for its MSP).
    A recipient already mailed for this entry and event is skipped (tasks run at least once).
    Returns the log rows written; a failed send is logged `failed` and raises nothing.
    """
    brand = Brand.objects.get(msp_id=ticket.msp_id)
    portal_url = portal_ticket_url(ticket, brand)
    sender = f"{brand.sender_name or brand.name} <{brand.sender_email or brand.support_email}>"
    done = set(
        OutboundEmail.objects.filter(
            msp_id=ticket.msp_id,
            ticket=ticket,
            entry=entry,
            event=event,
            status__in=[OutboundStatus.SENT, OutboundStatus.RATE_LIMITED],
        ).values_list("recipient", flat=True)
    )
    token = str(getattr(settings, "OFFLOAD_MAIL_LOOP_TOKEN", ""))
    rows: list[OutboundEmail] = []
    seen: set[str] = set()
    for recipient in recipients:
        address = recipient.address.strip().lower()
        if not address or "@" not in address or address in seen or address in done:
            continue
        if address in {brand.support_email.lower(), brand.sender_email.lower()}:
            continue  # never mail ourselves: that is how loops start
        seen.add(address)
        context = {
            "ticket": ticket,
            "brand": brand,
            "recipient_name": recipient.name,
            "reply": entry.body if entry is not None and entry.kind == EntryKind.REPLY else "",
            "signature": signature_for(entry, brand),
            "portal_url": portal_url,
            "csat_url": f"{portal_url}#rate",
            **(extra or {}),
        }
        rendered = render_mail(event=event, ticket=ticket, brand=brand, context=context)
        now = timezone.now()
        row = OutboundEmail(
            msp_id=ticket.msp_id,
            ticket=ticket,
            entry=entry,
            event=event,
            recipient=address,
            subject=rendered.subject,
            created_at=now,
        )
        if rate_limited(msp_id=ticket.msp_id, address=address):
            row.status = OutboundStatus.RATE_LIMITED
            row.save(force_insert=True)
            rows.append(row)
            log.warning("Rate limit: %s mail about %s to %s not sent", event, ticket.reference, address)
            continue
        message_id = new_message_id(ticket)
        in_reply_to, references = thread_headers(ticket)
        headers = {
            "Message-ID": f"<{message_id}>",
            "Auto-Submitted": "auto-replied" if event == MailEvent.TICKET_CREATED else "auto-generated",
            "X-Auto-Response-Suppress": "All",
        }
        if token:
            headers[LOOP_HEADER] = token
        if in_reply_to:
            headers["In-Reply-To"] = f"<{in_reply_to}>"
            headers["References"] = " ".join(f"<{r}>" for r in references)
        to = f"{recipient.name} <{address}>" if recipient.name else address
        mail = EmailMessage(
            subject=rendered.subject,
            body=rendered.body,
            from_email=sender,
            to=[to],
            reply_to=[brand.support_email],
            headers=headers,
        )
        row.message_id = message_id
        try:
            mail.send()
        except Exception as exc:  # a refused recipient or a down relay: logged, retried by the task
            row.status, row.error = OutboundStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            row.save(force_insert=True)
            rows.append(row)
            continue
        row.status = OutboundStatus.SENT
        row.save(force_insert=True)
        rows.append(row)
        remember_message_id(
            ticket=ticket, message_id=message_id, direction=MessageDirection.OUTBOUND, entry=entry
        )
    return rows


def is_public_staff_reply(entry: TicketEntry) -> bool:
    return (
        entry.kind == EntryKind.REPLY
        and entry.visibility == Visibility.PUBLIC
        and entry.author_user_id is not None
        and entry.author_contact_id is None
    )
