"""Opening tickets and moving them: references, fields, assignment, workflow, watchers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from offload.accounts.models import User
from offload.core.errors import DomainError, NotFound
from offload.core.mail.html import sanitize_html
from offload.servicedesk import events
from offload.servicedesk.access import access_ticket
from offload.servicedesk.choices import (
    Impact,
    Priority,
    TicketKind,
    TicketSource,
    TicketStatus,
    Transition,
    Urgency,
)
from offload.servicedesk.models import Category, Team, Ticket, TicketCounter
from offload.servicedesk.selectors import invalidate_queue_counts
from offload.servicedesk.services.catalog import priority_for
from offload.servicedesk.services.guards import (
    acting_contact,
    check_can_work_on,
    is_client_actor,
    require,
    workable_clients,
)
from offload.tenancy.models import Asset, Client, Contact, Site

MAX_CC = 20


def allocate_number(*, msp_id: int) -> int:
    """The next ticket number of `msp_id`; call inside the transaction that saves the ticket.

    The counter row is incremented with an UPDATE … SET n = n + 1, which takes the row lock on
    PostgreSQL (a concurrent opener waits for our commit, then increments the committed value) and
    runs inside SQLite's IMMEDIATE write transaction; the number is then read back within the same
    transaction. A rolled-back ticket gives its number back. The row is created on first use; two
    first openers race on its unique key and the loser increments the winner's row.
    """
    counters = TicketCounter.objects.filter(msp_id=msp_id)
    if not counters.update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                TicketCounter.objects.create(msp_id=msp_id, last_number=1)
            return 1
        except IntegrityError:
            counters.update(last_number=F("last_number") + 1)
    return counters.values_list("last_number", flat=True).get()


def _clean_cc(cc_emails: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for address in cc_emails:
        address = address.strip().lower()
        if address and "@" in address and address not in cleaned:
            cleaned.append(address)
    if len(cleaned) > MAX_CC:
        raise DomainError(f"At most {MAX_CC} CC addresses.", code="too_many_cc", field="cc_emails")
    return cleaned


def _check_belongs(ticket_msp_id: int, client: Client, **related: Any) -> None:
    """Refuse related rows of another client or MSP (a forged id must not join two tenants)."""
    for name, row in related.items():
        if row is None:
            continue
        owner = getattr(row, "client_id", None)
        if row.msp_id != ticket_msp_id or (owner is not None and owner != client.pk):
            raise DomainError(f"The {name} belongs to another client.", code="foreign_reference", field=name)


def _check_choice(value: str, choices: type, field: str) -> None:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise DomainError(f"Unknown {field} {value!r}.", code="invalid_choice", field=field)


def open_ticket(
    *,
    actor: User | None,
    client: Client,
    subject: str,
    description: str = "",
    description_html: str = "",
    contact: Contact | None = None,
    site: Site | None = None,
    asset: Asset | None = None,
    source: str = TicketSource.PORTAL,
    kind: str = TicketKind.INCIDENT,
    category: Category | None = None,
    impact: str = Impact.MEDIUM,
    urgency: str = Urgency.MEDIUM,
    priority: str | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    cc_emails: Iterable[str] = (),
    at: datetime | None = None,
) -> Ticket:
    """Open a ticket for `client` with the MSP's next reference; records `ticket.created`.

    Priority comes from the MSP's impact x urgency matrix unless staff set it. A client actor
    opens tickets as themselves (their contact) and cannot set priority, team or assignee.
    """
    require(actor, "servicedesk.open_ticket")
    if not Client.objects.filter(pk=client.pk).exists():
        raise NotFound("No client matches the given query.")
    subject = " ".join(subject.split())[:300]
    if not subject:
        raise DomainError("A ticket needs a subject.", code="required", field="subject")
    for value, choices, field in (
        (source, TicketSource, "source"),
        (kind, TicketKind, "kind"),
        (impact, Impact, "impact"),
        (urgency, Urgency, "urgency"),
    ):
        _check_choice(value, choices, field)
    if priority is not None:
        _check_choice(priority, Priority, "priority")
    if actor is not None and is_client_actor(actor):
        own = acting_contact(actor, msp_id=client.msp_id)
        if own is None or own.client_id != client.pk:
            raise NotFound("No client matches the given query.")
        # A client admin may open a ticket for a colleague; a client user only for themselves.
        contact = contact if (contact is not None and Contact.objects.filter(pk=contact.pk).exists()) else own
        priority, team, assignee = None, None, None
    _check_belongs(
        client.msp_id, client, contact=contact, site=site, asset=asset, category=category, team=team
    )
    now = at or timezone.now()
    # Mail intake opens tickets as the system on a contact's behalf; the portal as the client user.
    from_customer = is_client_actor(actor) or (actor is None and contact is not None)
    # Everything that can be decided before the number is taken is: the counter row stays locked
    # until commit, so the work done while holding it is what serializes an MSP's openers.
    priority = priority or priority_for(msp=client.msp, impact=impact, urgency=urgency)
    if assignee is not None:
        every, clients = workable_clients(assignee, msp_id=client.msp_id)
        if not every and client.pk not in clients:
            raise DomainError(
                f"{assignee} does not work for this client.", code="not_a_colleague", field="assignee"
            )
    with transaction.atomic():
        number = allocate_number(msp_id=client.msp_id)
        ticket = Ticket(
            msp_id=client.msp_id,
            client=client,
            contact=contact,
            site=site or (contact.site if contact else None),
            asset=asset,
            source=source,
            kind=kind,
            category=category,
            impact=impact,
            urgency=urgency,
            priority=priority,
            team=team,
            subject=subject,
            description=description,
            description_html=sanitize_html(description_html) if description_html else "",
            cc_emails=_clean_cc(cc_emails),
            number=number,
            reference=f"{client.msp.ticket_prefix}-{number}",
            created_at=now,
            updated_at=now,
            last_customer_message_at=now if from_customer else None,
        )
        if assignee is not None:
            ticket.assignee = assignee
            ticket.status = TicketStatus.ASSIGNED
        ticket._history_user = actor  # type: ignore[attr-defined]  # read by simple-history
        ticket.save(force_insert=True)
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=events.CREATED,
            data={"reference": ticket.reference, "source": source, "priority": ticket.priority},
            at=now,
        )
        invalidate_queue_counts(ticket.msp_id)
    return ticket


def lock_ticket(ticket: Ticket, actor: User | None) -> Ticket:
    """`ticket` re-read under a row lock, so concurrent changes queue up instead of overwriting.

    The audit history of the saves that follow names `actor` as the one who made them.
    """
    locked = access_ticket(None, ticket.pk, for_update=True)
    locked._history_user = actor  # type: ignore[attr-defined]  # read by simple-history
    return locked


def _describe(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


EDITABLE_FIELDS = {
    "subject", "kind", "category", "impact", "urgency", "priority",
    "site", "asset", "contact", "team", "cc_emails",
}  # fmt: skip


def update_ticket_fields(*, actor: User | None, ticket: Ticket, changes: dict[str, Any]) -> Ticket:
    """Change the allowed fields in `changes`; records `ticket.fields_changed` with old and new.

    A new impact or urgency re-rates the priority through the matrix unless `changes` sets it.
    """
    require(actor, "servicedesk.work_ticket", ticket)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]!r} cannot be changed here.", code="not_editable")
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        if ticket.merged_into_id:
            raise DomainError(f"{ticket.reference} was merged into another ticket.", code="ticket_merged")
        changes = dict(changes)
        for field, choices in (
            ("kind", TicketKind),
            ("impact", Impact),
            ("urgency", Urgency),
            ("priority", Priority),
        ):
            if field in changes:
                _check_choice(changes[field], choices, field)
        if "subject" in changes:
            changes["subject"] = " ".join(str(changes["subject"]).split())[:300]
            if not changes["subject"]:
                raise DomainError("A ticket needs a subject.", code="required", field="subject")
        if "cc_emails" in changes:
            changes["cc_emails"] = _clean_cc(changes["cc_emails"])
        related = {k: changes[k] for k in ("category", "site", "asset", "contact", "team") if k in changes}
        _check_belongs(ticket.msp_id, ticket.client, **related)
        if ({"impact", "urgency"} & set(changes)) and "priority" not in changes:
            changes["priority"] = priority_for(
                msp=ticket.msp,
                impact=changes.get("impact", ticket.impact),
                urgency=changes.get("urgency", ticket.urgency),
            )
        diff = {}
        for field, value in changes.items():
            old = getattr(ticket, field)
            if _describe(old) != _describe(value):
                diff[field] = [_describe(old), _describe(value)]
                setattr(ticket, field, value)
        if not diff:
            return ticket
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=[*diff, "updated_at"])
        events.record_event(ticket=ticket, actor=actor, event=events.FIELDS_CHANGED, data={"changes": diff})
        invalidate_queue_counts(ticket.msp_id)
    return ticket


def assign_ticket(
    *, actor: User | None, ticket: Ticket, assignee: User | None, team: Team | None = None
) -> Ticket:
    """Give `ticket` to `assignee` (None: nobody) and, if given, to `team`; records `ticket.assigned`.

    A new or triaged ticket becomes "assigned"; an assigned ticket left without assignee goes
    back to "triaged"; work in progress keeps its status.
    """
    require(actor, "servicedesk.work_ticket", ticket)
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        refusal = ticket.refusal(Transition.ASSIGN)
        if refusal is not None:
            raise refusal
        if assignee is not None:
            check_can_work_on(assignee, ticket)
        if team is not None:
            _check_belongs(ticket.msp_id, ticket.client, team=team)
        before = {"assignee": ticket.assignee_id, "team": ticket.team_id, "status": ticket.status}
        ticket.assignee = assignee
        if team is not None:
            ticket.team = team
        if assignee is not None:
            ticket.status = ticket.target_of(Transition.ASSIGN)
        elif ticket.status == TicketStatus.ASSIGNED:
            ticket.status = TicketStatus.TRIAGED
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["assignee", "team", "status", "updated_at"])
        after = {"assignee": ticket.assignee_id, "team": ticket.team_id, "status": ticket.status}
        events.record_event(
            ticket=ticket, actor=actor, event=events.ASSIGNED, data={"from": before, "to": after}
        )
        invalidate_queue_counts(ticket.msp_id)
    return ticket


def apply_status(ticket: Ticket, target: str, *, at: datetime) -> None:
    """Set `target` and the timestamps that go with it (no save, no checks)."""
    ticket.status = target
    ticket.updated_at = at
    if target == TicketStatus.RESOLVED:
        ticket.resolved_at = at
    elif target == TicketStatus.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    else:
        ticket.resolved_at = None
        ticket.closed_at = None


STATUS_FIELDS = ["status", "updated_at", "resolved_at", "closed_at"]


def transition_permission(transition: str) -> str:
    if transition == Transition.CLOSE:
        return "servicedesk.close_ticket"
    if transition == Transition.REOPEN:
        return "servicedesk.reopen_ticket"
    return "servicedesk.work_ticket"


def transition_ticket(*, actor: User | None, ticket: Ticket, transition: str, reason: str = "") -> Ticket:
    """Move `ticket` by the named `transition`; records `ticket.status_changed`.

    Refused with a DomainError (code `transition_not_allowed`, `ticket_merged` or
    `unknown_transition`) when the ticket's status does not allow it.
    """
    if transition not in Transition.values or transition == Transition.ASSIGN:
        raise DomainError(f"Unknown transition {transition!r}.", code="unknown_transition")
    require(actor, transition_permission(transition), ticket)
    with transaction.atomic():
        ticket = lock_ticket(ticket, actor)
        refusal = ticket.refusal(transition)
        if refusal is not None:
            raise refusal
        before = ticket.status
        apply_status(ticket, ticket.target_of(transition), at=timezone.now())
        ticket.save(update_fields=STATUS_FIELDS)
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=events.STATUS_CHANGED,
            data={"transition": transition, "from": before, "to": ticket.status, "reason": reason[:500]},
        )
        invalidate_queue_counts(ticket.msp_id)
    return ticket


def add_watcher(*, actor: User | None, ticket: Ticket, user: User) -> Ticket:
    """Let `user` (staff who may work this ticket) follow it; records `ticket.watcher_added`."""
    require(actor, "servicedesk.watch_ticket", ticket)
    check_can_work_on(user, ticket)
    with transaction.atomic():
        if ticket.watchers.filter(pk=user.pk).exists():
            return ticket
        ticket.watchers.add(user)
        events.record_event(ticket=ticket, actor=actor, event=events.WATCHER_ADDED, data={"user": user.pk})
    return ticket
