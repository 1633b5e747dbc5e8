"""Which ticket events mail whom: the listener of `ticket_event_committed` and its task.

The listener runs after the commit (events.announce) and only enqueues a task: mail is never sent
inside a request or a filing transaction. The task reads the entries inside a system scope
narrowed to their MSP and sends:

- `ticket.created` → acknowledgement to the requester (not for alert or project tickets, nor
  tickets opened without a contact);
- a public reply written by staff → the requester and the ticket's CCs;
- `ticket.status_changed` to resolved → the requester, with the portal link to rate the work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from offload.core.tasks.decorators import task
from offload.servicedesk import events
from offload.servicedesk.choices import EntryKind, TicketSource, TicketStatus
from offload.servicedesk.models import MailEvent, OutboundEmail, OutboundStatus, TicketEntry
from offload.servicedesk.services.outbound import Recipient, is_public_staff_reply, send_ticket_mail
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

# Entry names (events.announce sends `event or kind`) that may mail someone.
MAILING = frozenset({events.CREATED, events.STATUS_CHANGED, EntryKind.REPLY})
NO_ACK_SOURCES = frozenset({TicketSource.ALERT, TicketSource.PROJECT})


class NotificationRetry(Exception):
    """A mail could not be handed to the relay: the task is retried (sent recipients are skipped)."""


def on_ticket_events(sender: Any, *, entry_ids: list[int], events: list[str], **kwargs: Any) -> None:
    """`ticket_event_committed` receiver: enqueue the mail task when an event may mail someone."""
    ids = [i for i, name in zip(entry_ids, events, strict=False) if name in MAILING]
    if not ids:
        return
    try:
        send_ticket_notifications.enqueue(ids)
    except Exception:  # the change is committed; a lost notification must not fail the request
        log.exception("Could not enqueue ticket mail for entries %s", ids)


def _requester(ticket) -> list[Recipient]:
    contact = ticket.contact
    if contact is None or not contact.email or not contact.is_active:
        return []
    return [Recipient(address=contact.email, name=f"{contact.first_name} {contact.last_name}".strip())]


def notify_entry(entry: TicketEntry) -> list[OutboundEmail]:
    """Send whatever mail `entry` calls for (inside a scope that sees its ticket)."""
    ticket = entry.ticket
    if ticket.merged_into_id:
        return []
    if entry.event == events.CREATED:
        if ticket.source in NO_ACK_SOURCES:
            return []
        return send_ticket_mail(
            ticket=ticket, event=MailEvent.TICKET_CREATED, recipients=_requester(ticket), entry=entry
        )
    if entry.event == events.STATUS_CHANGED and (entry.data or {}).get("to") == TicketStatus.RESOLVED:
        return send_ticket_mail(
            ticket=ticket, event=MailEvent.TICKET_RESOLVED, recipients=_requester(ticket), entry=entry
        )
    if is_public_staff_reply(entry):
        recipients = _requester(ticket) + [Recipient(address=str(a)) for a in (ticket.cc_emails or [])]
        return send_ticket_mail(
            ticket=ticket, event=MailEvent.AGENT_REPLY, recipients=recipients, entry=entry
        )
    return []


def notify_entries(entry_ids: list[int]) -> list[OutboundEmail]:
    """Send the mail for `entry_ids`, each MSP inside its own narrowed system scope."""
    with system_scope("ticket mail: find the entries' MSPs"):
        by_msp: dict[int, list[int]] = defaultdict(list)
        for pk, msp_id in TicketEntry.objects.filter(pk__in=entry_ids).values_list("pk", "msp_id"):
            by_msp[msp_id].append(pk)
    rows: list[OutboundEmail] = []
    for msp_id, ids in by_msp.items():
        with system_scope("ticket mail: notify the people of a ticket", msp_id=msp_id):
            entries = TicketEntry.objects.filter(pk__in=ids).select_related(
                "ticket", "ticket__contact", "author_user"
            )
            for entry in entries.order_by("id"):
                rows += notify_entry(entry)
    return rows


@task(queue_name="default", max_attempts=5, backoff_base=60, backoff_max=3600)
def send_ticket_notifications(entry_ids: list[int]) -> int:
    """Mail the people of the tickets of `entry_ids`; retried while a relay refuses (no duplicates)."""
    rows = notify_entries(entry_ids)
    failed = [r for r in rows if r.status == OutboundStatus.FAILED]
    if failed:
        raise NotificationRetry(f"{len(failed)} mail(s) failed: {failed[0].error}")
    return len([r for r in rows if r.status == OutboundStatus.SENT])
