"""Merging duplicate tickets and splitting a thread that turned out to hold two problems."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError
from offload.servicedesk import events
from offload.servicedesk.choices import EntryKind, TicketStatus
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.selectors import invalidate_queue_counts
from offload.servicedesk.services.guards import require
from offload.servicedesk.services.tickets import STATUS_FIELDS, apply_status, lock_ticket, open_ticket


def merge_tickets(*, actor: User | None, source: Ticket, target: Ticket) -> Ticket:
    """Move `source`'s thread into `target` and close `source` as merged into it.

    Both references stay valid: `source` remains, closed, pointing at `target` (mail that quotes
    the old reference still finds its way). Refused across clients or MSPs (code
    `cross_client_merge`), for a ticket into itself and for tickets already merged. Time entries
    stay on `source`, where they were logged. Records `ticket.merged_into` / `ticket.merged_from`.
    """
    require(actor, "servicedesk.merge_ticket", source)
    if source.pk == target.pk:
        raise DomainError("A ticket cannot be merged into itself.", code="merge_into_self")
    with transaction.atomic():
        # Lock both rows in id order so that two opposite merges cannot deadlock.
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: lock_ticket(t, actor) for t in (first, second)}
        source, target = locked[source.pk], locked[target.pk]
        if source.msp_id != target.msp_id or source.client_id != target.client_id:
            raise DomainError("Only tickets of the same client can be merged.", code="cross_client_merge")
        if source.merged_into_id or target.merged_into_id:
            raise DomainError("One of these tickets was already merged.", code="ticket_merged")
        now = timezone.now()
        # Every reply and note moves, also those the merging actor may not read (a provider's
        # internal notes): both tickets were found through the actor's scope above, so the
        # unscoped base manager cannot reach another tenant's rows here.
        thread = TicketEntry._base_manager.filter(ticket_id=source.pk).exclude(kind=EntryKind.EVENT)
        moved = thread.update(ticket=target)
        target.watchers.add(*source.watchers.all())
        target.cc_emails = list(dict.fromkeys([*target.cc_emails, *source.cc_emails]))
        target.updated_at = now
        target.save(update_fields=["cc_emails", "updated_at"])
        before = source.status
        source.merged_into = target
        apply_status(source, TicketStatus.CLOSED, at=now)
        source.save(update_fields=[*STATUS_FIELDS, "merged_into"])
        events.record_events(
            [
                events.build_event(
                    ticket=source,
                    actor=actor,
                    event=events.MERGED_INTO,
                    at=now,
                    data={"target": target.pk, "reference": target.reference, "from": before, "moved": moved},
                ),
                events.build_event(
                    ticket=target,
                    actor=actor,
                    event=events.MERGED_FROM,
                    at=now,
                    data={"source": source.pk, "reference": source.reference, "moved": moved},
                ),
            ]
        )
        invalidate_queue_counts(source.msp_id)
    return target


def split_ticket(*, actor: User | None, ticket: Ticket, entry_ids: Iterable[int], subject: str) -> Ticket:
    """Open a new ticket for the same client and requester from chosen replies and notes of `ticket`.

    The chosen entries move to the new ticket; system events stay where they happened. Records
    `ticket.split_to` on the original and `ticket.split_from` on the new one.
    """
    require(actor, "servicedesk.split_ticket", ticket)
    wanted = {int(i) for i in entry_ids}
    if not wanted:
        raise DomainError("Choose the messages to split off.", code="required", field="entries")
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        if ticket.merged_into_id:
            raise DomainError(f"{ticket.reference} was merged into another ticket.", code="ticket_merged")
        chosen = TicketEntry.objects.filter(ticket_id=ticket.pk, pk__in=wanted).exclude(kind=EntryKind.EVENT)
        found = set(chosen.values_list("pk", flat=True))
        if found != wanted:
            raise DomainError(
                "Some chosen messages are not replies or notes of this ticket.", code="invalid_entries"
            )
        new = open_ticket(
            actor=actor,
            client=ticket.client,
            subject=subject,
            contact=ticket.contact,
            site=ticket.site,
            asset=ticket.asset,
            source=ticket.source,
            kind=ticket.kind,
            category=ticket.category,
            impact=ticket.impact,
            urgency=ticket.urgency,
            team=ticket.team,
        )
        TicketEntry.objects.filter(pk__in=found).update(ticket=new)
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["updated_at"])
        events.record_events(
            [
                events.build_event(
                    ticket=ticket,
                    actor=actor,
                    event=events.SPLIT_TO,
                    data={"ticket": new.pk, "reference": new.reference, "entries": sorted(found)},
                ),
                events.build_event(
                    ticket=new,
                    actor=actor,
                    event=events.SPLIT_FROM,
                    data={"ticket": ticket.pk, "reference": ticket.reference, "entries": sorted(found)},
                ),
            ]
        )
    return new
