"""The thread: public replies, internal notes, attachments and canned replies."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape, linebreaks

from offload.accounts.choices import PROVIDER_ROLES
from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.core.mail.html import sanitize_html
from offload.servicedesk import events
from offload.servicedesk.choices import EntryKind, TicketStatus, Transition, Visibility
from offload.servicedesk.models import Attachment, CannedReply, Ticket, TicketEntry
from offload.servicedesk.querysets import SHARED_WITH_MSP
from offload.servicedesk.rules import acting_role
from offload.servicedesk.selectors import invalidate_queue_counts
from offload.servicedesk.services.guards import acting_contact, is_client_actor, require
from offload.servicedesk.services.tickets import STATUS_FIELDS, apply_status, lock_ticket
from offload.tenancy.models import Contact

# Defaults; settings SERVICEDESK_ATTACHMENT_MAX_BYTES / _MAX_PER_ENTRY override them (read per call).
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
ATTACHMENTS_MAX_PER_ENTRY = 20
MAX_BODY_CHARS = 200_000


def _body_html(body: str, body_html: str) -> str:
    """Sanitized HTML for an entry: the given HTML cleaned, or the plain text escaped."""
    if body_html.strip():
        return sanitize_html(body_html)
    return linebreaks(escape(body)) if body.strip() else ""


def _check_body(body: str, body_html: str) -> None:
    if not body.strip() and not body_html.strip():
        raise DomainError("Write something first.", code="required", field="body")
    if len(body) > MAX_BODY_CHARS or len(body_html) > MAX_BODY_CHARS * 4:
        raise DomainError("This message is too long.", code="too_long", field="body")


def add_reply(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str,
    body_html: str = "",
    author_contact: Contact | None = None,
    at: datetime | None = None,
) -> TicketEntry:
    """Add a public reply by staff or by the customer; records `ticket.replied`.

    Staff replies set first response and last agent reply. Customer replies (a client user, or
    the system on behalf of `author_contact` for mail) set last customer message, take a ticket
    waiting on the client back to work, and reopen a resolved ticket; a closed ticket is refused
    (code `ticket_closed`) so that only an explicit reopen revives it.
    """
    require(actor, "servicedesk.reply_ticket", ticket)
    _check_body(body, body_html)
    now = at or timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        if ticket.merged_into_id:
            raise DomainError(f"{ticket.reference} was merged into another ticket.", code="ticket_merged")
        from_customer = is_client_actor(actor) or (actor is None and author_contact is not None)
        if from_customer and actor is not None:
            author_contact = acting_contact(actor, msp_id=ticket.msp_id)
        if author_contact is not None and author_contact.client_id != ticket.client_id:
            raise DomainError(
                "The author belongs to another client.", code="foreign_reference", field="author"
            )
        if from_customer and ticket.status == TicketStatus.CLOSED:
            raise DomainError(f"{ticket.reference} is closed; reopen it to reply.", code="ticket_closed")
        entry = TicketEntry.objects.create(
            msp_id=ticket.msp_id,
            ticket=ticket,
            kind=EntryKind.REPLY,
            visibility=Visibility.PUBLIC,
            author_user=actor,
            author_contact=author_contact,
            body=body,
            body_html=_body_html(body, body_html),
            created_at=now,
        )
        fields = ["updated_at", "last_customer_message_at" if from_customer else "last_agent_reply_at"]
        ticket.updated_at = now
        before = ticket.status
        if from_customer:
            ticket.last_customer_message_at = now
            if ticket.status == TicketStatus.WAITING_ON_CLIENT:
                apply_status(ticket, ticket.target_of(Transition.START_WORK), at=now)
            elif ticket.status == TicketStatus.RESOLVED:
                apply_status(ticket, ticket.target_of(Transition.REOPEN), at=now)
        else:
            ticket.last_agent_reply_at = now
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                fields.append("first_response_at")
        if ticket.status != before:
            fields += STATUS_FIELDS
        ticket.save(update_fields=sorted(set(fields)))
        events.announce([entry])
        if ticket.status != before:
            events.record_event(
                ticket=ticket,
                actor=actor,
                event=events.STATUS_CHANGED,
                data={"transition": "customer_reply", "from": before, "to": ticket.status, "reason": ""},
                at=now,
            )
            invalidate_queue_counts(ticket.msp_id)
    return entry


def add_note(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str,
    body_html: str = "",
    visibility: str = Visibility.MSP_INTERNAL,
    at: datetime | None = None,
) -> TicketEntry:
    """Add an internal note (MSP or provider internal); it never reaches the client.

    Internal means internal to the writer's organisation: provider (NOC) staff write provider-
    internal notes (an "MSP internal" request from them becomes one, since they could not read it),
    and MSP staff cannot write provider-internal notes they would not be able to read back.
    """
    require(actor, "servicedesk.note_ticket", ticket)
    _check_body(body, body_html)
    if visibility not in {Visibility.MSP_INTERNAL, Visibility.PROVIDER_INTERNAL}:
        raise DomainError(
            "A note is internal; use a reply to write to the client.", code="invalid_visibility"
        )
    if actor is not None and acting_role(actor) in PROVIDER_ROLES:
        visibility = Visibility.PROVIDER_INTERNAL
    elif actor is not None and visibility == Visibility.PROVIDER_INTERNAL:
        raise DomainError("Only provider staff write provider-internal notes.", code="invalid_visibility")
    now = at or timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        entry = TicketEntry.objects.create(
            msp_id=ticket.msp_id,
            ticket=ticket,
            kind=EntryKind.NOTE,
            visibility=visibility,
            author_user=actor,
            body=body,
            body_html=_body_html(body, body_html),
            created_at=now,
        )
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
        events.announce([entry])
    return entry


NOTE_SHARED = "ticket.note_shared"


def share_note(*, actor: User | None, entry: TicketEntry) -> TicketEntry:
    """Share a provider-internal note with the MSP's staff (never with the client); records an event."""
    require(actor, "servicedesk.note_ticket", entry.ticket)
    if actor is not None and acting_role(actor) not in PROVIDER_ROLES:
        raise DomainError("Only provider staff share their notes.", code="permission_denied")
    if entry.kind != EntryKind.NOTE or entry.visibility != Visibility.PROVIDER_INTERNAL:
        raise DomainError("Only provider-internal notes are shared.", code="invalid_entry")
    if entry.data.get(SHARED_WITH_MSP):
        return entry
    with transaction.atomic():
        entry.data = {**entry.data, SHARED_WITH_MSP: True}
        entry.save(update_fields=["data"])
        events.record_event(ticket=entry.ticket, actor=actor, event=NOTE_SHARED, data={"entry": entry.pk})
    return entry


def attachment_limits() -> tuple[int, int]:
    """(max bytes per file, max files per entry), read from settings at call time."""
    return (
        int(getattr(settings, "SERVICEDESK_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES)),
        int(getattr(settings, "SERVICEDESK_ATTACHMENTS_MAX_PER_ENTRY", ATTACHMENTS_MAX_PER_ENTRY)),
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(name: str) -> str:
    """The last part of a sender's file name, without control characters, never empty."""
    name = _CONTROL.sub("", re.split(r"[/\\]", name)[-1]).strip().lstrip(".")
    return (name or "attachment")[-255:]


def add_attachment(
    *,
    actor: User | None,
    entry: TicketEntry,
    content: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    is_inline: bool = False,
    content_id: str = "",
) -> Attachment:
    """Store `content` on `entry` (a reply or note) within the size and count limits.

    Refused with code `attachment_too_large`, `too_many_attachments` or `empty_attachment`.
    The bytes go through Django storage under a random path; the name is kept for display.
    """
    require(
        actor,
        "servicedesk.reply_ticket" if entry.visibility == Visibility.PUBLIC else "servicedesk.note_ticket",
    )
    if entry.kind == EntryKind.EVENT:
        raise DomainError("Files go on replies and notes.", code="invalid_entry")
    if actor is not None and entry.author_user_id not in (None, actor.pk) and is_client_actor(actor):
        raise DomainError("You can attach files only to your own messages.", code="not_author")
    max_bytes, max_count = attachment_limits()
    if not content:
        raise DomainError("The file is empty.", code="empty_attachment", field="file")
    if len(content) > max_bytes:
        raise DomainError(
            f"{clean_filename(filename)} is larger than {max_bytes // (1024 * 1024) or max_bytes} "
            f"{'MB' if max_bytes >= 1024 * 1024 else 'bytes'}.",
            code="attachment_too_large",
            field="file",
        )
    stored: list[str] = []
    try:
        with transaction.atomic():
            # Lock the entry's ticket so that two uploads cannot both pass the count check.
            lock_ticket(entry.ticket, actor)
            if Attachment.objects.filter(entry=entry).count() >= max_count:
                raise DomainError(
                    f"At most {max_count} files per message.", code="too_many_attachments", field="file"
                )
            attachment = Attachment(
                msp_id=entry.msp_id,
                entry=entry,
                filename=clean_filename(filename),
                content_type=(content_type or "application/octet-stream")[:200],
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                is_inline=is_inline,
                content_id=content_id.strip("<> ")[:255],
            )
            attachment.file.save("upload", ContentFile(content), save=False)
            if attachment.file.name:
                stored.append(attachment.file.name)
            attachment.save(force_insert=True)
            events.record_event(
                ticket=entry.ticket,
                actor=actor,
                event=events.ATTACHED,
                data={"attachment": attachment.pk, "filename": attachment.filename, "size": attachment.size},
            )
    except BaseException:
        # Bytes written for a row that was rolled back would be orphans nobody can reach.
        for name in stored:
            Attachment.file.field.storage.delete(name)
        raise
    return attachment


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def render_canned_reply(*, canned: CannedReply, ticket: Ticket, agent: User | None) -> str:
    """`canned`'s body with known placeholders filled in and unknown ones left visible.

    Only the allow-listed values below can appear; there is no template engine, so a canned
    reply cannot reach other attributes, other tickets or settings.
    """
    contact = ticket.contact
    values: dict[tuple[str, str], Any] = {
        ("contact", "first_name"): contact.first_name if contact else "",
        ("contact", "last_name"): contact.last_name if contact else "",
        ("contact", "email"): contact.email if contact else "",
        ("client", "name"): ticket.client.name,
        ("ticket", "reference"): ticket.reference,
        ("ticket", "subject"): ticket.subject,
        ("agent", "first_name"): agent.first_name if agent else "",
        ("agent", "last_name"): agent.last_name if agent else "",
    }

    def fill(match: re.Match[str]) -> str:
        key = (match.group(1), match.group(2))
        return str(values[key]) if key in values else match.group(0)

    return _PLACEHOLDER.sub(fill, canned.body)


def apply_canned_reply(*, actor: User | None, ticket: Ticket, canned: CannedReply) -> TicketEntry:
    """Send `canned` (rendered for this ticket) as a public reply."""
    require(actor, "servicedesk.work_ticket", ticket)
    if (
        canned.msp_id != ticket.msp_id
        or not canned.is_active
        or canned.owner_id not in (None, getattr(actor, "pk", None))
    ):
        raise DomainError(
            "This canned reply is not available here.", code="foreign_reference", field="canned"
        )
    return add_reply(
        actor=actor, ticket=ticket, body=render_canned_reply(canned=canned, ticket=ticket, agent=actor)
    )
