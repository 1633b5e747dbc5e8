"""Inbound mail: store the raw bytes first, then route each message to a contact and a ticket.

Two steps, so that one bad mail never blocks the rest (lessons §2):

1. `receive_email` (the MTA pipe, IMAP poller and API call it) resolves the MSP from the recipient
   address (a brand's support address, case-insensitive), stores the bytes, deduplicates by
   (msp, Message-ID) and enqueues `process_inbound_message` in the same transaction: the task
   backend is database-backed, so the task row commits with the message or not at all. A recipient
   no brand owns is stored as an `UnroutedMessage` (no tenant; system admins only) instead.
2. `process_inbound` parses and files one stored message. It acts as the system (`actor=None`
   under `system_scope`): replies are attributed to the contact (`author_contact`).
   - auto-replies, bounces, loops and our own mail → `ignored` with the reason; never a ticket,
     never a reply (so never a reopen);
   - the sender becomes a contact: an existing one of the MSP by address, or a new one when the
     address's domain is one client's `email_domains`; otherwise → `quarantined`/`unknown_sender`;
   - threading (lessons §1): In-Reply-To/References against the Message-IDs we know on tickets
     (`MailThreadId`, inbound and outbound) first; then a subject tag [PREFIX-123] only when the
     sender is a contact of that ticket's client or a participant (requester or CC); else a new
     ticket. A header-threaded mail from someone of another client becomes an internal note (it
     must not appear to the client as their colleague's public reply);
   - a parse failure → `quarantined` with the parser's reason (no retry: the bytes will not
     change); an unexpected error → `quarantined`, `retryable`, and the task raises so that the
     task machinery retries it with backoff.
"""

from __future__ import annotations

import hashlib
import logging
import time
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from offload.core.errors import DomainError, PermissionDenied
from offload.core.mail import GENERATED_ID_DOMAIN, MailParseError, ParsedMessage, is_sent_by_us, parse_message
from offload.core.mail.headers import message_ids
from offload.core.tasks.decorators import task
from offload.servicedesk.choices import TicketSource, TicketStatus, Visibility
from offload.servicedesk.models import (
    InboundMessage,
    InboundStatus,
    MailThreadId,
    MessageDirection,
    Ticket,
    TicketEntry,
    UnroutedMessage,
)
from offload.servicedesk.rules import acting_role
from offload.servicedesk.services.entries import add_attachment, add_note, add_reply
from offload.servicedesk.services.tickets import open_ticket
from offload.tenancy.models import Brand, Client, Contact
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

MAX_CC = 20  # open_ticket refuses more; extra CCs of a mail are dropped, not the mail
MAX_MERGE_HOPS = 5


class IntakeRetry(Exception):
    """Raised by the task when processing hit an unexpected error: the retry machinery tries again."""


# --- brand addresses, read once per worker for a short while ------------------------------------------
# Every mail needs the brand that owns its recipient and the MSP's own addresses (loop guard): a
# process-local cache, dropped on any brand change in this process and after BRAND_CACHE_SECONDS
# in the others (an address change reaches every worker within that time).
BRAND_CACHE_SECONDS = 30.0
_brand_cache: dict[tuple[str, object], tuple[float, Any]] = {}


def clear_brand_cache(**kwargs: Any) -> None:
    """Forget the cached brand addresses (connected to Brand saves and deletes)."""
    _brand_cache.clear()


post_save.connect(clear_brand_cache, sender=Brand, dispatch_uid="servicedesk.intake.brand_cache.save")
post_delete.connect(clear_brand_cache, sender=Brand, dispatch_uid="servicedesk.intake.brand_cache.delete")


def _brand_owners(address: str) -> list[int]:
    """The MSPs (at most two: enough to tell ambiguity) whose brand support address is `address`."""
    key = ("route", address)
    cached = _brand_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return list(cached[1])
    owners = list(Brand.objects.filter(support_email__iexact=address).values_list("msp_id", flat=True)[:2])
    if len(owners) == 1:  # unknown recipients are not cached: a brand may be created for them
        _brand_cache[key] = (time.monotonic() + BRAND_CACHE_SECONDS, tuple(owners))
    return owners


# --- 1. receive ------------------------------------------------------------------------------------
def _normalize_address(value: str) -> str:
    return parseaddr(value or "")[1].strip().lower()


def _header_message_id(raw: bytes) -> str:
    """The Message-ID the parser will report (the same fallback from the bytes when missing)."""
    try:
        value = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("message-id")
        ids = message_ids(str(value) if value is not None else "")
    except Exception:  # any junk: fall back to the bytes' id, as the parser does
        ids = []
    return ids[0] if ids else f"{hashlib.sha256(raw).hexdigest()[:40]}@{GENERATED_ID_DOMAIN}"


def receive_email(*, raw: bytes, recipient: str) -> InboundMessage | UnroutedMessage:
    """Store one mail for the brand whose support address is `recipient`, and enqueue its processing.

    Returns the stored row: the existing one when (msp, Message-ID) was stored before (a duplicate
    is not stored or processed twice), or an `UnroutedMessage` when no brand owns the recipient.
    Database errors propagate (the MTA pipe turns them into a temporary failure).
    """
    raw = bytes(raw)
    address = _normalize_address(recipient)
    message_id = _header_message_id(raw)
    digest = hashlib.sha256(raw).hexdigest()
    now = timezone.now()
    with system_scope("mail intake: route by recipient address"):
        brands = _brand_owners(address)
        if len(brands) != 1:
            return UnroutedMessage.objects.create(
                recipient=address or recipient[:320],
                message_id=message_id[:998],
                raw=raw,
                size=len(raw),
                sha256=digest,
                reason="unknown_recipient" if not brands else "ambiguous_recipient",
                received_at=now,
            )
        msp_id = brands[0]
        # Insert first: a duplicate (rare) hits the (msp, Message-ID) unique key and is read back.
        try:
            with transaction.atomic():
                message = InboundMessage.objects.create(
                    msp_id=msp_id,
                    recipient=address,
                    message_id=message_id[:998],
                    raw=raw,
                    size=len(raw),
                    sha256=digest,
                    received_at=now,
                )
                # The task backend stores tasks in this database: the task commits with the row.
                # The MSP travels with the task, so that processing need not look it up.
                process_inbound_message.enqueue(message.pk, msp_id)
        except IntegrityError:
            # The Message-ID was stored before (a redelivery, or a concurrent delivery that won the
            # unique key): it is stored and processed once.
            return InboundMessage.objects.get(msp_id=msp_id, message_id=message_id[:998])
    return message


# --- 2. process ------------------------------------------------------------------------------------
def remember_message_id(
    *, ticket: Ticket, message_id: str, direction: str, entry: TicketEntry | None = None
) -> None:
    """Note a Message-ID on `ticket` so replies naming it thread there (outbound senders call this)."""
    key = message_id.strip().strip("<>").lower()[:998]
    if not key:
        return
    # Already known (a resent or duplicated mail): the first ticket keeps it. ON CONFLICT DO NOTHING
    # rather than a savepoint around an insert that may fail: one statement instead of three.
    MailThreadId.objects.bulk_create(
        [MailThreadId(msp_id=ticket.msp_id, ticket=ticket, entry=entry, message_id=key, direction=direction)],
        ignore_conflicts=True,
    )


def _own_addresses(msp_id: int) -> frozenset[str]:
    """The MSP's brand addresses (support and sender), lower-cased: mail from them is our own."""
    key = ("own", msp_id)
    cached = _brand_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    rows = Brand.objects.filter(msp_id=msp_id).values_list("support_email", "sender_email")
    own = frozenset(a.lower() for row in rows for a in row if a)
    _brand_cache[key] = (time.monotonic() + BRAND_CACHE_SECONDS, own)
    return own


def _ignore_reason(parsed: ParsedMessage, *, msp_id: int, own: frozenset[str]) -> str:
    """Why this mail must not open or touch a ticket, or "" for a mail from a person."""
    c = parsed.classification
    if c.is_bounce:
        return "bounce"
    if c.is_auto_reply:
        return "auto_reply"
    domain = getattr(settings, "OFFLOAD_MAIL_MESSAGE_ID_DOMAIN", "")
    token = getattr(settings, "OFFLOAD_MAIL_LOOP_TOKEN", "")
    # Without a configured token, any loop marker of ours counts: only Offload writes that header.
    if c.loop_markers and not token:
        return "loop"
    if is_sent_by_us(parsed, message_id_domain=domain, token=token):
        return "loop"
    sender = (parsed.from_.address if parsed.from_ else "").lower()
    if sender and sender in own:
        return "own_mail"
    return ""


def _contacts_for(address: str, *, msp_id: int) -> list[Contact]:
    """The MSP's active contacts with this address, creating one when a client owns its domain.

    Raises DomainError `unknown_sender` (hold for review) when nobody owns it.
    """
    found = list(
        Contact.objects.filter(msp_id=msp_id, email__iexact=address, is_active=True).select_related("client")
    )
    if found:
        return found
    domain = address.rpartition("@")[2]
    owners = [
        client
        for client in Client.objects.filter(msp_id=msp_id, is_active=True)
        if domain in {str(d).strip().lower().lstrip("@") for d in (client.email_domains or [])}
    ]
    if len(owners) != 1:
        code = "unknown_sender" if not owners else "ambiguous_sender_domain"
        raise DomainError(f"No single client owns the domain of {address}.", code=code)
    local = address.partition("@")[0]
    contact = Contact.objects.create(
        msp_id=msp_id, client=owners[0], first_name=local[:100] or address[:100], email=address
    )
    return [contact]


def _live(ticket: Ticket) -> Ticket:
    """Follow merges to the ticket that is still worked."""
    for _ in range(MAX_MERGE_HOPS):
        if not ticket.merged_into_id:
            break
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _is_participant(ticket: Ticket, address: str, contacts: list[Contact]) -> bool:
    if any(c.client_id == ticket.client_id for c in contacts):
        return True
    requester = ticket.contact.email.lower() if ticket.contact_id and ticket.contact else ""
    return address == requester or address in {str(a).lower() for a in (ticket.cc_emails or [])}


def _thread(parsed: ParsedMessage, *, msp_id: int, address: str, contacts: list[Contact]) -> Ticket | None:
    """The ticket this mail answers: by our Message-IDs first, then by an allowed subject tag."""
    ids = [i.lower() for i in ([parsed.in_reply_to] if parsed.in_reply_to else []) + parsed.references[::-1]]
    if ids:
        known = {
            t.message_id: t.ticket
            for t in MailThreadId.objects.filter(msp_id=msp_id, message_id__in=ids).select_related("ticket")
        }
        for mid in ids:
            if mid in known:
                return _live(known[mid])
    for tag in parsed.subject_tags:
        ticket = Ticket.objects.filter(msp_id=msp_id, reference__iexact=tag).select_related("contact").first()
        # The subject tag is guessable: it only threads for the ticket's own people (lessons §1).
        if ticket is not None and _is_participant(ticket, address, contacts):
            return _live(ticket)
    return None


def _body(parsed: ParsedMessage, *, reply: bool) -> str:
    text = (parsed.reply_text if reply else "") or parsed.text or parsed.reply_text
    return text.strip() or "(no text)"


def _file(message: InboundMessage, parsed: ParsedMessage, *, ours: frozenset[str]) -> None:
    """Route a parsed person's mail to a reply or a new ticket; sets the message's outcome fields."""
    msp_id = message.msp_id
    address = (parsed.from_.address if parsed.from_ else "").strip().lower()
    if not address or "@" not in address:
        raise DomainError("The mail has no usable From address.", code="no_sender")
    contacts = _contacts_for(address, msp_id=msp_id)
    ticket = _thread(parsed, msp_id=msp_id, address=address, contacts=contacts)
    entry: TicketEntry | None = None
    if ticket is not None and ticket.status != TicketStatus.CLOSED:
        own = next((c for c in contacts if c.client_id == ticket.client_id), None)
        if own is not None:
            entry = add_reply(actor=None, ticket=ticket, body=_body(parsed, reply=True), author_contact=own)
            message.contact = own
        else:
            # A participant from elsewhere (a CC'd supplier): staff see it, the client is not shown
            # a stranger's words as a public reply.
            entry = add_note(
                actor=None,
                ticket=ticket,
                body=f"Mail from {address}:\n\n{_body(parsed, reply=True)}",
                visibility=Visibility.MSP_INTERNAL,
            )
            message.contact = contacts[0]
    else:
        # A closed ticket is not revived by mail (only an explicit reopen does): a new ticket.
        contact = contacts[0]
        cc = [a.address for a in parsed.to + parsed.cc if a.address.lower() not in ours | {address}]
        ticket = open_ticket(
            actor=None,
            client=contact.client,
            contact=contact,
            subject=parsed.subject or parsed.normalized_subject or "(no subject)",
            description=_body(parsed, reply=False),
            description_html=parsed.html,
            source=TicketSource.EMAIL,
            cc_emails=cc[:MAX_CC],
        )
        message.contact = contact
    if parsed.attachments or parsed.dropped_attachments:
        entry = _attach(parsed, ticket=ticket, entry=entry, contact=message.contact)
    message.ticket = ticket
    message.entry = entry
    remember_message_id(
        ticket=ticket, message_id=parsed.message_id, direction=MessageDirection.INBOUND, entry=entry
    )


def _attach(
    parsed: ParsedMessage, *, ticket: Ticket, entry: TicketEntry | None, contact: Contact | None
) -> TicketEntry | None:
    """Keep the mail's files (and inline images) on its entry, within the ticket's limits.

    A new ticket's files go on a public reply from the requester ("Attached: …"), as the portal
    does. Files refused by the limits, and those the parser dropped, are named in an internal note
    so that staff know to ask for them; the mail itself is filed either way.
    """
    dropped = [f"{d.filename or '(unnamed)'} ({d.reason})" for d in parsed.dropped_attachments]
    kept = parsed.attachments
    if kept and entry is None:
        if contact is None or contact.client_id != ticket.client_id:
            dropped += [f"{a.filename} (no message to attach to)" for a in kept]
            kept = []
        else:
            names = ", ".join(a.filename or "attachment" for a in kept[:10])
            more = f" and {len(kept) - 10} more" if len(kept) > 10 else ""
            entry = add_reply(
                actor=None, ticket=ticket, body=f"Attached: {names}{more}", author_contact=contact
            )
    for attachment in kept:
        assert entry is not None
        try:
            add_attachment(
                actor=None,
                entry=entry,
                content=attachment.content,
                filename=attachment.filename or "attachment",
                content_type=attachment.content_type,
                is_inline=attachment.is_inline,
                content_id=attachment.content_id
                or (attachment.content_ids[0] if attachment.content_ids else ""),
            )
        except DomainError as exc:
            dropped.append(f"{attachment.filename or '(unnamed)'} ({exc.code})")
    if dropped:
        add_note(
            actor=None,
            ticket=ticket,
            body="Files of this mail not kept: " + "; ".join(dropped[:50]),
            visibility=Visibility.MSP_INTERNAL,
        )
    return entry


def process_inbound(message_id: int, msp_id: int | None = None) -> InboundMessage:
    """Parse and file the stored message `message_id`; returns it with its final status.

    `msp_id` is the message's MSP when the caller knows it (the task carries it); it is looked up
    otherwise, and a wrong one finds no message (the MSP-narrowed scope hides it).
    Idempotent: a message already processed or ignored is left as it is (tasks run at least once).
    Never raises for a bad mail; an unexpected error is recorded as a retryable quarantine.
    """
    if msp_id is None:
        with system_scope("mail intake: find the stored message's MSP"):
            msp_id = InboundMessage.objects.filter(pk=message_id).values_list("msp_id", flat=True).first()
    if msp_id is None:
        raise InboundMessage.DoesNotExist(f"No inbound message {message_id}.")
    # Filing acts as the system, but only inside the message's MSP: the guard, not each lookup's
    # msp_id filter, keeps contacts, tickets and threads of other tenants out of reach. One
    # transaction (one commit) per message: the row lock, the attempt, the filing or the quarantine.
    with system_scope("mail intake: file a stored message for its MSP", msp_id=msp_id), transaction.atomic():
        message = InboundMessage.objects.select_for_update(of=("self",)).filter(pk=message_id).first()
        if message is None:
            raise InboundMessage.DoesNotExist(f"No inbound message {message_id} in MSP {msp_id}.")
        if message.status in (InboundStatus.PROCESSED, InboundStatus.IGNORED):
            return message
        # Saved with the outcome (both in this transaction): the attempt counts whatever happens.
        message.attempts += 1
        try:
            with transaction.atomic():
                _process(message)
        except DomainError as exc:
            _quarantine(message, reason=exc.code, error=exc.message, retryable=False)
        except Exception as exc:  # one mail's failure must not stop the others
            log.exception("Inbound message %s failed", message.pk)
            _quarantine(message, reason="error", error=f"{type(exc).__name__}: {exc}"[:4000], retryable=True)
    return message


OUTCOME_FIELDS = [
    "attempts",
    "status",
    "reason",
    "error",
    "retryable",
    "processed_at",
    "ticket",
    "entry",
    "contact",
    "from_address",
    "subject",
]


def _process(message: InboundMessage) -> None:
    try:
        parsed = parse_message(bytes(message.raw))
    except MailParseError as exc:
        _quarantine(message, reason=f"parse_{exc.reason}"[:60], error=str(exc)[:4000], retryable=False)
        return
    message.from_address = (parsed.from_.address if parsed.from_ else "")[:320]
    message.subject = parsed.subject[:998]
    own = _own_addresses(message.msp_id)
    reason = _ignore_reason(parsed, msp_id=message.msp_id, own=own)
    if reason:
        message.status, message.reason = InboundStatus.IGNORED, reason
    else:
        _file(message, parsed, ours=own)
        message.status, message.reason = InboundStatus.PROCESSED, ""
    message.error, message.retryable, message.processed_at = "", False, timezone.now()
    message.save(update_fields=OUTCOME_FIELDS)  # never rewrite the raw bytes


def _quarantine(message: InboundMessage, *, reason: str, error: str, retryable: bool) -> None:
    message.status, message.reason, message.error = InboundStatus.QUARANTINED, reason[:60], error
    message.retryable, message.processed_at = retryable, timezone.now()
    message.ticket = message.entry = message.contact = None  # whatever was filed was rolled back
    message.save(update_fields=OUTCOME_FIELDS)


@task(queue_name="mail", max_attempts=5, backoff_base=60, backoff_max=3600)
def process_inbound_message(message_id: int, msp_id: int | None = None) -> str:
    """Process one stored mail; an unexpected error raises so that the task is retried with backoff.

    `msp_id` is optional: tasks queued before it was passed carry only the message id."""
    message = process_inbound(message_id, msp_id)
    if message.status == InboundStatus.QUARANTINED and message.retryable:
        raise IntakeRetry(f"Inbound message {message_id}: {message.error}")
    return message.status


# --- 3. staff review of held mail ------------------------------------------------------------------
MAIL_REVIEW_ROLES = frozenset({"msp_owner", "service_manager", "technician"})


def _require_reviewer(actor: object) -> None:
    if acting_role(actor) not in MAIL_REVIEW_ROLES:
        raise PermissionDenied("Held mail is reviewed by the MSP's owner, service managers and technicians.")


def _held(message: InboundMessage) -> None:
    if message.status == InboundStatus.PROCESSED:
        raise DomainError("This mail was filed already.", code="already_processed")


def requeue_message(*, actor: object, message: InboundMessage) -> InboundMessage:
    """Process a quarantined or ignored mail again (after a fix, or to override an ignore)."""
    _require_reviewer(actor)
    _held(message)
    with transaction.atomic():
        InboundMessage.objects.filter(pk=message.pk).update(
            status=InboundStatus.RECEIVED, reason="", error="", retryable=False
        )
        process_inbound_message.enqueue(message.pk)
    message.refresh_from_db()
    return message


def discard_message(*, actor: object, message: InboundMessage) -> InboundMessage:
    """Drop a held mail for good (spam, a newsletter): kept as `ignored`/`discarded`, raw bytes too."""
    _require_reviewer(actor)
    _held(message)
    InboundMessage.objects.filter(pk=message.pk).update(
        status=InboundStatus.IGNORED, reason="discarded", retryable=False, processed_at=timezone.now()
    )
    message.refresh_from_db()
    return message


def file_for_client(*, actor: object, message: InboundMessage, client: Client) -> InboundMessage:
    """File a held mail of an unknown sender for `client`: the sender becomes its contact, then the
    mail is processed again (a new ticket, or a reply when its headers name one of the client's)."""
    _require_reviewer(actor)
    _held(message)
    if client.msp_id != message.msp_id or not Client.objects.filter(pk=client.pk).exists():
        raise DomainError("Choose one of your clients.", code="foreign_reference", field="client")
    address = message.from_address.strip().lower()
    if not address or "@" not in address:
        raise DomainError("This mail has no sender address to file.", code="no_sender")
    with transaction.atomic():
        contact = Contact.objects.filter(
            msp_id=message.msp_id, client=client, email__iexact=address, is_active=True
        ).first()
        if contact is None:
            Contact.objects.create(
                msp_id=message.msp_id,
                client=client,
                first_name=address.partition("@")[0][:100],
                email=address,
            )
        InboundMessage.objects.filter(pk=message.pk).update(
            status=InboundStatus.RECEIVED, reason="", error="", retryable=False
        )
    with system_scope("mail intake: file held mail for a client", msp_id=message.msp_id):
        return process_inbound(message.pk)
