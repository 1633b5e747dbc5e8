"""Runbooks: keep the provider's library, adopt and override per MSP, attach to tickets by
category, and record each completed step (with its evidence) on the ticket's timeline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import rules
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.models import User
from offload.core.errors import DomainError, NotFound
from offload.noc.models import LibraryRunbook, Runbook, RunbookStepDone, TicketRunbook
from offload.noc.runbook_steps import clean_steps
from offload.servicedesk import events
from offload.servicedesk.models import Attachment, Category, Ticket, TicketEntry
from offload.servicedesk.rules import acting_role
from offload.servicedesk.services.guards import require
from offload.tenancy.choices import AgreementStatus
from offload.tenancy.models import ServiceAgreement
from offload.tenancy.scoping import Scope, current_scope, system_scope

ATTACHED = "runbook.attached"
STEP_DONE = "runbook.step_completed"
COMPLETED = "runbook.completed"

RUNBOOK_EDITORS = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN})
LIBRARY_EDITORS = frozenset({Role.PROVIDER_ADMIN, Role.NOC_LEAD})


@rules.predicate
def _edits_runbooks(user: Any, obj: Any = None) -> bool:
    return acting_role(user) in RUNBOOK_EDITORS


@rules.predicate
def _edits_library(user: Any, obj: Any = None) -> bool:
    return acting_role(user) in LIBRARY_EDITORS


rules.add_perm("noc.change_runbook", _edits_runbooks)
rules.add_perm("noc.change_library_runbook", _edits_library)


# --- reading ------------------------------------------------------------------------------------


def library_for(scope: Scope) -> QuerySet[LibraryRunbook]:
    """Library runbooks the scope may read: its own provider's, or those of the providers that
    serve its MSPs under an active agreement (published ones only)."""
    if scope.is_unrestricted:
        return LibraryRunbook.objects.all()
    if scope.provider_id is not None:
        return LibraryRunbook.objects.filter(provider_id=scope.provider_id)
    if scope.kind != "msp" or not scope.msp_ids:
        return LibraryRunbook.objects.none()
    providers = ServiceAgreement.objects.filter(status=AgreementStatus.ACTIVE).values("provider_id")
    return LibraryRunbook.objects.filter(provider_id__in=providers, is_published=True)


def access_library_runbook(runbook_id: int | str) -> LibraryRunbook:
    try:
        return library_for(current_scope()).get(pk=int(str(runbook_id)))
    except (LibraryRunbook.DoesNotExist, ValueError):
        raise NotFound("No runbook matches the given query.") from None


def access_runbook(runbook_id: int | str) -> Runbook:
    try:
        return Runbook.objects.select_related("adopted_from").get(pk=int(str(runbook_id)))
    except (Runbook.DoesNotExist, ValueError):
        raise NotFound("No runbook matches the given query.") from None


def access_ticket_runbook(ticket_runbook_id: int | str) -> TicketRunbook:
    try:
        return TicketRunbook.objects.select_related("ticket").get(pk=int(str(ticket_runbook_id)))
    except (TicketRunbook.DoesNotExist, ValueError):
        raise NotFound("No runbook matches the given query.") from None


def runbook_for_ticket(ticket: Ticket) -> Runbook | None:
    """The MSP's active runbook for the ticket's category (the most specific category wins: a
    runbook on "Network" also serves "Network / Wi-Fi"), limited to the ticket kinds it names."""
    if ticket.category_id is None:
        return None
    category = Category.objects.filter(pk=ticket.category_id).only("id", "path").first()
    if category is None:
        return None
    parts = category.path.split(Category.PATH_SEPARATOR)
    ancestors = [Category.PATH_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]
    candidates = (
        Runbook.objects.filter(msp_id=ticket.msp_id, is_active=True, categories__path__in=ancestors)
        .prefetch_related("categories")
        .distinct()
    )
    best: tuple[int, str, Runbook] | None = None
    for runbook in candidates:
        if runbook.ticket_kinds and ticket.kind not in runbook.ticket_kinds:
            continue
        depth = max(len(c.path) for c in runbook.categories.all() if c.path in ancestors)
        key = (-depth, runbook.name, runbook)
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else None


def runbooks_on_ticket(ticket: Ticket) -> list[TicketRunbook]:
    return list(TicketRunbook.objects.filter(ticket=ticket).prefetch_related("done__done_by"))


def runbook_names(ticket_ids: Iterable[int]) -> dict[int, str]:
    """The name of each ticket's (first) runbook, for queue columns: one query."""
    names: dict[int, str] = {}
    rows = TicketRunbook.objects.filter(ticket_id__in=list(ticket_ids)).values_list("ticket_id", "name")
    for ticket_id, name in rows.order_by("attached_at", "id"):
        names.setdefault(ticket_id, name)
    return names


# --- the provider's library ---------------------------------------------------------------------


def save_library_runbook(
    *,
    actor: User | None,
    provider_id: int,
    name: str,
    steps: Any,
    summary: str = "",
    suggested_categories: Iterable[str] = (),
    is_published: bool = True,
    runbook: LibraryRunbook | None = None,
) -> LibraryRunbook:
    """Create or change a library runbook; a change to its steps raises its version."""
    require(actor, "noc.change_library_runbook")
    scope = current_scope()
    if not scope.is_system and scope.provider_id != provider_id:
        raise NotFound("No provider matches the given query.")
    name = " ".join(name.split())[:200]
    if not name:
        raise DomainError("A runbook needs a name.", code="required", field="name")
    cleaned = clean_steps(steps)
    with transaction.atomic():
        if runbook is None:
            runbook = LibraryRunbook(provider_id=provider_id)
        elif runbook.provider_id != provider_id:
            raise NotFound("No runbook matches the given query.")
        elif runbook.steps != cleaned:
            runbook.version += 1
        runbook.name = name
        runbook.summary = summary
        runbook.steps = cleaned
        runbook.suggested_categories = [str(c)[:200] for c in suggested_categories]
        runbook.is_published = is_published
        runbook.updated_by = actor
        try:
            with transaction.atomic():
                runbook.save()
        except IntegrityError:
            raise DomainError(
                "The library already has a runbook of this name.", code="duplicate", field="name"
            ) from None
    return runbook


# --- an MSP's runbooks --------------------------------------------------------------------------


def _categories(msp_id: int, category_ids: Iterable[int]) -> list[Category]:
    ids = {int(c) for c in category_ids}
    found = list(Category.objects.filter(msp_id=msp_id, pk__in=ids))
    if len(found) != len(ids):
        raise DomainError("Unknown category.", code="invalid", field="categories")
    return found


def _check_msp(msp_id: int) -> None:
    if not current_scope().sees_msp(msp_id):
        raise NotFound("No MSP matches the given query.")


def save_runbook(
    *,
    actor: User | None,
    msp_id: int,
    name: str,
    steps: Any,
    summary: str = "",
    category_ids: Iterable[int] = (),
    ticket_kinds: Iterable[str] = (),
    is_active: bool = True,
    runbook: Runbook | None = None,
) -> Runbook:
    """Create or change an MSP's runbook. Changing an adopted runbook's steps makes it an
    override: later library versions are offered, never applied over the MSP's changes."""
    require(actor, "noc.change_runbook")
    _check_msp(msp_id)
    name = " ".join(name.split())[:200]
    if not name:
        raise DomainError("A runbook needs a name.", code="required", field="name")
    cleaned = clean_steps(steps)
    categories = _categories(msp_id, category_ids)
    kinds = sorted({str(k) for k in ticket_kinds})
    with transaction.atomic():
        if runbook is None:
            runbook = Runbook(msp_id=msp_id)
        elif runbook.msp_id != msp_id:
            raise NotFound("No runbook matches the given query.")
        elif runbook.steps != cleaned:
            runbook.version += 1
            if runbook.adopted_from_id:
                runbook.overridden = True
        runbook.name = name
        runbook.summary = summary
        runbook.steps = cleaned
        runbook.ticket_kinds = kinds
        runbook.is_active = is_active
        try:
            with transaction.atomic():
                runbook.save()
        except IntegrityError:
            raise DomainError(
                "This MSP already has a runbook of this name.", code="duplicate", field="name"
            ) from None
        runbook.categories.set(categories)
    return runbook


def adopt_runbook(
    *, actor: User | None, library_runbook: LibraryRunbook, msp_id: int, category_ids: Iterable[int] = ()
) -> Runbook:
    """Copy a library runbook into the MSP's runbooks, remembering the version it came from.
    Without categories given, the MSP's categories named like the library's suggestions are used."""
    require(actor, "noc.change_runbook")
    _check_msp(msp_id)
    ids = list(category_ids)
    if not ids and library_runbook.suggested_categories:
        wanted = Q()
        for suggestion in library_runbook.suggested_categories:
            wanted |= Q(name__iexact=suggestion) | Q(path__iexact=suggestion)
        ids = list(Category.objects.filter(wanted, msp_id=msp_id).values_list("id", flat=True))
    runbook = save_runbook(
        actor=actor,
        msp_id=msp_id,
        name=library_runbook.name,
        summary=library_runbook.summary,
        steps=library_runbook.steps,
        category_ids=ids,
    )
    runbook.adopted_from = library_runbook
    runbook.adopted_version = library_runbook.version
    runbook.save(update_fields=["adopted_from", "adopted_version", "updated_at"])
    return runbook


def update_from_library(*, actor: User | None, runbook: Runbook, discard_changes: bool = False) -> Runbook:
    """Take the library's current version. An overridden runbook keeps its changes unless the MSP
    explicitly discards them."""
    require(actor, "noc.change_runbook")
    source = runbook.adopted_from
    if source is None:
        raise DomainError("This runbook was not adopted from a library.", code="not_adopted")
    if runbook.overridden and not discard_changes:
        raise DomainError(
            "This runbook was changed after adoption; discard the changes to take the library's version.",
            code="overridden",
        )
    runbook.steps = source.steps
    runbook.summary = source.summary
    runbook.version += 1
    runbook.adopted_version = source.version
    runbook.overridden = False
    runbook.save()
    return runbook


# --- runbooks on tickets ------------------------------------------------------------------------


def attach_runbook(
    *, actor: User | None, ticket: Ticket, runbook: Runbook, at: datetime | None = None
) -> TicketRunbook:
    """Give `ticket` the runbook's current steps (once per runbook); records `runbook.attached`."""
    require(actor, "servicedesk.work_ticket")
    if runbook.msp_id != ticket.msp_id:
        raise NotFound("No runbook matches the given query.")
    now = at or timezone.now()
    with transaction.atomic():
        existing = TicketRunbook.objects.filter(ticket=ticket, runbook=runbook).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                attached = TicketRunbook.objects.create(
                    msp_id=ticket.msp_id,
                    ticket=ticket,
                    runbook=runbook,
                    name=runbook.name,
                    version=runbook.version,
                    steps=runbook.steps,
                    attached_at=now,
                    attached_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:  # attached concurrently by another worker
            return TicketRunbook.objects.get(ticket=ticket, runbook=runbook)
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=ATTACHED,
            data={"runbook": runbook.name, "version": runbook.version, "steps": len(runbook.steps)},
            at=now,
        )
    return attached


def attach_by_category(*, ticket: Ticket) -> TicketRunbook | None:
    """System work: attach the runbook the ticket's category calls for, if any and not yet there."""
    runbook = runbook_for_ticket(ticket)
    if runbook is None:
        return None
    return attach_runbook(actor=None, ticket=ticket, runbook=runbook)


def complete_step(
    *,
    actor: User | None,
    ticket_runbook: TicketRunbook,
    step_index: int,
    note: str = "",
    attachment: Attachment | None = None,
    at: datetime | None = None,
) -> RunbookStepDone:
    """Mark one step done with the evidence it asks for; records `runbook.step_completed`, and
    `runbook.completed` when every required step is done."""
    require(actor, "servicedesk.work_ticket")
    steps = ticket_runbook.steps
    if not 0 <= step_index < len(steps):
        raise DomainError("This runbook has no such step.", code="invalid", field="step")
    step = steps[step_index]
    note = note.strip()[:5000]
    if step["evidence"] == "note" and not note:
        raise DomainError(
            f"“{step['title']}” needs a note as evidence.", code="evidence_required", field="note"
        )
    if step["evidence"] == "attachment":
        if attachment is None:
            raise DomainError(
                f"“{step['title']}” needs a file as evidence.", code="evidence_required", field="attachment"
            )
        if not TicketEntry.objects.filter(
            pk=attachment.entry_id, ticket_id=ticket_runbook.ticket_id
        ).exists():
            raise DomainError("That file is not on this ticket.", code="invalid", field="attachment")
    now = at or timezone.now()
    ticket = ticket_runbook.ticket
    with transaction.atomic():
        try:
            with transaction.atomic():
                done = RunbookStepDone.objects.create(
                    msp_id=ticket_runbook.msp_id,
                    ticket_runbook=ticket_runbook,
                    step_index=step_index,
                    done_by=actor if getattr(actor, "pk", None) else None,
                    done_at=now,
                    evidence_note=note,
                    attachment=attachment,
                )
        except IntegrityError:
            raise DomainError("This step is already done.", code="already_done", field="step") from None
        events.record_event(
            ticket=ticket,
            actor=actor,
            event=STEP_DONE,
            data={
                "runbook": ticket_runbook.name,
                "step": step_index + 1,
                "title": step["title"],
                "note": note[:500],
                "attachment": attachment.filename if attachment else "",
            },
            at=now,
        )
        done_steps = set(ticket_runbook.done.values_list("step_index", flat=True))
        required = {i for i, s in enumerate(steps) if s.get("required", True)}
        if ticket_runbook.completed_at is None and required <= done_steps:
            ticket_runbook.completed_at = now
            ticket_runbook.save(update_fields=["completed_at"])
            events.record_event(
                ticket=ticket, actor=actor, event=COMPLETED, data={"runbook": ticket_runbook.name}, at=now
            )
    return done


# --- attach on new tickets and category changes -------------------------------------------------


@task(queue_name="default")
def attach_runbooks_task(ticket_ids: list[int]) -> int:
    """Attach category runbooks to the given tickets (each inside its MSP's scope)."""
    attached = 0
    with system_scope("runbooks: which MSP each ticket belongs to"):
        owners = dict(Ticket.objects.filter(pk__in=ticket_ids).values_list("id", "msp_id"))
    for ticket_id, msp_id in owners.items():
        with system_scope("runbooks: attach the category's runbook", msp_id=msp_id):
            ticket = Ticket.objects.filter(pk=ticket_id).first()
            if ticket is not None and attach_by_category(ticket=ticket) is not None:
                attached += 1
    return attached


WATCHED_EVENTS = frozenset({events.CREATED, events.FIELDS_CHANGED})


@receiver(events.ticket_event_committed, dispatch_uid="noc.runbooks.attach")
def _on_ticket_event(sender: Any, *, entry_ids: list[int], **kwargs: Any) -> None:
    if not WATCHED_EVENTS.intersection(kwargs.get("events", ())):
        return
    refs = kwargs.get("refs")
    if refs is not None:  # as recorded (events.announce): the tickets without reloading the rows
        ticket_ids = sorted({ticket_id for _id, _msp, ticket_id, _name in refs})
    else:
        with system_scope("runbooks: tickets of committed events"):
            ticket_ids = sorted(
                set(TicketEntry.objects.filter(pk__in=entry_ids).values_list("ticket_id", flat=True))
            )
    if ticket_ids:
        attach_runbooks_task.enqueue(ticket_ids)
