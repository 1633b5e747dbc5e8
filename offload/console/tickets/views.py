"""Staff ticket pages: the queue, one ticket (thread, composer, actions), attachments, phone calls.

Views are thin: tickets are read through `access_ticket_by_reference` (another tenant's reference
is a 404, like a missing one), lists through the scoped selectors, and every change goes through
a service, whose refusals (DomainError) are shown to the user as they are.
"""

from __future__ import annotations

from typing import Any, cast

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offload.accounts.models import User
from offload.console.panels import panels_for
from offload.console.tickets import queue as q
from offload.console.tickets.forms import THEN_CHOICES, CallForm, ReplyForm
from offload.console.tickets.thread import describe_thread
from offload.core.errors import DomainError, NotFound
from offload.servicedesk.access import access_attachment, access_ticket, access_ticket_by_reference
from offload.servicedesk.api_attachments import file_response
from offload.servicedesk.choices import OPEN_STATUSES, TicketSource, Transition
from offload.servicedesk.models import CannedReply, Ticket, TicketEntry
from offload.servicedesk.selectors import callers_by_phone, open_tickets_of, queue_page, ticket_thread
from offload.servicedesk.services import bulk, entries, merging, tickets
from offload.servicedesk.services import time as timelog
from offload.tenancy.models import Contact
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import STAFF_SCOPES, staff_only

# Buttons of the header, in workflow order; assigning has its own control.
TRANSITION_BUTTONS = [
    (Transition.TRIAGE, "Triage", "btn-outline-secondary"),
    (Transition.START_WORK, "Start work", "btn-outline-primary"),
    (Transition.WAIT_ON_CLIENT, "Wait on client", "btn-outline-secondary"),
    (Transition.WAIT_ON_VENDOR, "Wait on vendor", "btn-outline-secondary"),
    (Transition.RESOLVE, "Resolve", "btn-outline-success"),
    (Transition.CLOSE, "Close", "btn-outline-dark"),
    (Transition.REOPEN, "Reopen", "btn-outline-warning"),
]
# Content types a browser may show inline without running anything; everything else downloads.
INLINE_SAFE = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)
RECENT_TICKETS = 6


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the views are behind `staff_only`)."""
    return cast(User, request.user)


def _ticket(request: HttpRequest, reference: str) -> Ticket:
    try:
        return access_ticket_by_reference(request.user, reference)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to the `next` the form carried if it is ours, else to `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=False):
        return redirect(target)
    return redirect(fallback)


def _refused(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


# --- Queue ---------------------------------------------------------------------------------------


@staff_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The queue: keyset pages of the scoped selector, filters, saved views, keyboard driven.

    A fixed number of queries whatever the page: the page itself, one per picker list, one per
    built-in view count, the saved views and their (cached) counts, and one for SLA deadlines.
    """
    user_id = request.user.pk
    assert user_id is not None  # staff_only
    saved = q.load_saved(user_id)
    query = q.parse_query(request.GET, saved=saved)
    after = q.valid_cursor(request.GET.get("after", ""))
    page = queue_page(
        filters=query.filters, user_id=user_id, after=after, limit=q.PAGE_SIZE, search=query.search
    )
    now = timezone.now()
    q.annotate_times(page.tickets, now=now)
    context: dict[str, Any] = {
        "query": query,
        "page": page,
        "now": now,
        "is_more": bool(after),
        "can_bulk": rules.has_perm("servicedesk.bulk_update_tickets", request.user),
        "can_work": rules.has_perm("servicedesk.work_ticket", request.user),
        "bulk_transitions": [(t, label) for t, label, _ in TRANSITION_BUTTONS if t != Transition.REOPEN],
    }
    rows_only = request.headers.get("HX-Request") == "true"
    if rows_only:
        response = render(request, "console/tickets/queue.html#rows", context)
    else:
        context |= {"views": q.sidebar(user_id=user_id, saved=saved), **q.options()}
        response = render(request, "console/tickets/queue.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_only
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign or move the chosen tickets at once (desk managers); refusals are counted, not hidden."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit() and len(i) < 19]
    assignee: User | None = None
    raw_assignee = request.POST.get("assignee", "")
    if raw_assignee:
        assignee = q.colleagues().filter(pk=int(raw_assignee) if raw_assignee.isdigit() else 0).first()
        if assignee is None:
            messages.error(request, "No such colleague.")
            return _back(request, reverse("tickets:queue"))
    transition = request.POST.get("transition") or None
    try:
        result = bulk.bulk_update(
            actor=_actor(request), ticket_ids=ids, assignee=assignee, transition=transition
        )  # type: ignore[arg-type]
    except DomainError as exc:
        _refused(request, exc)
        return _back(request, reverse("tickets:queue"))
    if result.updated:
        messages.success(request, f"{len(result.updated)} ticket(s) updated.")
    if result.refused:
        messages.warning(request, f"{len(result.refused)} ticket(s) could not take this change.")
    return _back(request, reverse("tickets:queue"))


# --- One ticket ---------------------------------------------------------------------------------


def _canned_replies(request: HttpRequest, ticket: Ticket) -> list[tuple[CannedReply, str]]:
    rows = CannedReply.objects.filter(msp_id=ticket.msp_id, is_active=True).filter(
        owner_id__in=[request.user.pk]
    ) | CannedReply.objects.filter(msp_id=ticket.msp_id, is_active=True, owner__isnull=True)
    return [
        (c, entries.render_canned_reply(canned=c, ticket=ticket, agent=_actor(request)))  # type: ignore[arg-type]
        for c in rows.order_by("title")[:50]
    ]


def _panels(request: HttpRequest, ticket: Ticket, column: str) -> list[tuple[Any, str]]:
    """The registered panels of `column`, each rendered from its template with its own context
    (plus `ticket`), so a panel's template sees exactly the names its context function returned."""
    return [
        (panel, render_to_string(panel.template, {"ticket": ticket, **context}, request=request))
        for panel, context in panels_for(request, ticket, column)
    ]


def _reply_form(ticket: Ticket, form: ReplyForm | None) -> ReplyForm:
    """The composer, offering only the status moves this ticket allows after the message."""
    form = form or ReplyForm()
    field = form.fields["then"]
    field.choices = [(v, label) for v, label in THEN_CHOICES if not v or ticket.can(v)]  # type: ignore[attr-defined]
    return form


def _detail_context(request: HttpRequest, ticket: Ticket, form: ReplyForm | None = None) -> dict[str, Any]:
    user = request.user
    thread = list(ticket_thread(ticket=ticket).prefetch_related("time_entries"))
    recent = list(
        Ticket.objects.filter(client_id=ticket.client_id)
        .exclude(pk=ticket.pk)
        .only("id", "reference", "subject", "status", "updated_at", "msp_id", "client_id")
        .order_by("-updated_at", "-id")[:RECENT_TICKETS]
    )
    can_work = rules.has_perm("servicedesk.work_ticket", user, ticket)
    transitions = [
        (name, label, css)
        for name, label, css in TRANSITION_BUTTONS
        if ticket.can(name) and rules.has_perm(tickets.transition_permission(name), user, ticket)
    ]
    return {
        "ticket": ticket,
        "thread": describe_thread(thread),
        "recent": recent,
        "transitions": transitions,
        "can_work": can_work,
        "can_reply": rules.has_perm("servicedesk.reply_ticket", user, ticket),
        "can_merge": rules.has_perm("servicedesk.merge_ticket", user, ticket),
        "can_split": rules.has_perm("servicedesk.split_ticket", user, ticket),
        "form": _reply_form(ticket, form),
        "canned": _canned_replies(request, ticket) if can_work else [],
        "colleagues": list(q.colleagues()) if can_work else [],
        "watchers": list(ticket.watchers.only("id", "first_name", "last_name", "email")),
        "time_total": sum(te.minutes for e in thread for te in e.time_entries.all()),
        "main_panels": _panels(request, ticket, "main"),
        "side_panels": _panels(request, ticket, "side"),
    }


@staff_only
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A ticket: header with its moves, the thread, the composer, and the client's context."""
    ticket = _ticket(request, reference)
    ticket = Ticket.objects.select_related(
        "client", "contact", "site", "asset", "assignee", "team", "category", "merged_into"
    ).get(pk=ticket.pk)
    return render(request, "console/tickets/detail.html", _detail_context(request, ticket))


def _log_time(request: HttpRequest, ticket: Ticket, data: dict[str, Any], entry: TicketEntry | None) -> None:
    minutes = data.get("minutes") or 0
    if minutes:
        timelog.log_time(
            actor=_actor(request),
            ticket=ticket,
            minutes=minutes,
            is_billable=bool(data.get("is_billable")),
            work_type=data.get("work_type") or "remote_support",
            note=data.get("time_note") or "",
            entry=entry,
        )


def _write_message(
    request: HttpRequest, ticket: Ticket, data: dict[str, Any], files: list[Any]
) -> TicketEntry:
    """One reply or note with its files and time, all or nothing."""
    with transaction.atomic():
        if data["kind"] == "note":
            entry = entries.add_note(actor=_actor(request), ticket=ticket, body=data["body"])  # type: ignore[arg-type]
        else:
            entry = entries.add_reply(actor=_actor(request), ticket=ticket, body=data["body"])  # type: ignore[arg-type]
        for upload in files:
            entries.add_attachment(
                actor=_actor(request),
                entry=entry,
                content=upload.read(),
                filename=upload.name or "attachment",
                content_type=upload.content_type or "application/octet-stream",
            )
        _log_time(request, ticket, data, entry)
    return entry


@staff_only
@require_POST
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    """Post a reply or internal note, its files and the time it took; optionally move the status."""
    ticket = _ticket(request, reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _write_message(request, ticket, data, data["attachments"])
                if data.get("then"):
                    tickets.transition_ticket(actor=_actor(request), ticket=ticket, transition=data["then"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            noun = "Note" if data["kind"] == "note" else "Reply"
            logged = f", {data['minutes']} min logged" if data.get("minutes") else ""
            messages.success(request, f"{noun} added{logged}.")
            return redirect(f"{reverse('tickets:detail', args=[ticket.reference])}#composer")
    ticket = Ticket.objects.select_related("client", "contact", "site", "asset", "assignee", "team").get(
        pk=ticket.pk
    )
    return render(request, "console/tickets/detail.html", _detail_context(request, ticket, form), status=400)


@staff_only
@require_POST
def transition(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(request, reference)
    try:
        tickets.transition_ticket(
            actor=_actor(request),
            ticket=ticket,
            transition=request.POST.get("transition", ""),
            reason=request.POST.get("reason", "")[:500],
        )
    except DomainError as exc:
        _refused(request, exc)
    return redirect("tickets:detail", reference=ticket.reference)


@staff_only
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    """Give the ticket to a colleague (or to nobody); "me" takes it."""
    ticket = _ticket(request, reference)
    raw = request.POST.get("assignee", "")
    assignee: User | None = None
    if raw == "me":
        assignee = request.user  # type: ignore[assignment]
    elif raw:
        assignee = q.colleagues().filter(pk=int(raw) if raw.isdigit() and len(raw) < 19 else 0).first()
        if assignee is None:
            messages.error(request, "No such colleague.")
            return redirect("tickets:detail", reference=ticket.reference)
    try:
        tickets.assign_ticket(actor=_actor(request), ticket=ticket, assignee=assignee)  # type: ignore[arg-type]
    except DomainError as exc:
        _refused(request, exc)
    return redirect("tickets:detail", reference=ticket.reference)


@staff_only
@require_POST
def watch(request: HttpRequest, reference: str) -> HttpResponse:
    """Follow the ticket yourself."""
    ticket = _ticket(request, reference)
    try:
        tickets.add_watcher(actor=_actor(request), ticket=ticket, user=_actor(request))  # type: ignore[arg-type]
    except DomainError as exc:
        _refused(request, exc)
    return redirect("tickets:detail", reference=ticket.reference)


@staff_only
@require_POST
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    """Merge this ticket into another of the same client, named by its reference."""
    ticket = _ticket(request, reference)
    try:
        target = access_ticket_by_reference(request.user, request.POST.get("into", ""))
        merging.merge_tickets(actor=_actor(request), source=ticket, target=target)  # type: ignore[arg-type]
    except NotFound:
        messages.error(request, "No ticket with that reference.")
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{ticket.reference} merged into {target.reference}.")
        return redirect("tickets:detail", reference=target.reference)
    return redirect("tickets:detail", reference=ticket.reference)


@staff_only
@require_POST
def split(request: HttpRequest, reference: str) -> HttpResponse:
    """Open a new ticket from the chosen messages of this one."""
    ticket = _ticket(request, reference)
    ids = [int(i) for i in request.POST.getlist("entries") if i.isdigit() and len(i) < 19]
    try:
        new = merging.split_ticket(
            actor=_actor(request),
            ticket=ticket,
            entry_ids=ids,
            subject=request.POST.get("subject", "") or f"Split from {ticket.reference}",
        )
    except DomainError as exc:
        _refused(request, exc)
        return redirect("tickets:detail", reference=ticket.reference)
    messages.success(request, f"{new.reference} opened from {len(ids)} message(s).")
    return redirect("tickets:detail", reference=new.reference)


@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An attachment's bytes for staff, only through the access check; never rendered as HTML."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if current_scope().kind not in STAFF_SCOPES:
        raise PermissionDenied("The staff console is for provider and MSP staff.")
    return attachment_response(request, pk)


def attachment_response(request: HttpRequest, pk: object) -> HttpResponseBase:
    """The file of attachment `pk` if the acting scope may read its entry, else 404."""
    try:
        return file_response(access_attachment(request.user, pk), inline=request.GET.get("inline") == "1")
    except NotFound as exc:
        raise Http404(str(exc)) from exc


# --- Phone ---------------------------------------------------------------------------------------


@staff_only
@require_GET
def call_lookup(request: HttpRequest) -> HttpResponse:
    """Callers matching the number typed so far, each with their open tickets (htmx rows)."""
    callers = callers_by_phone(phone=request.GET.get("phone", "")[:40])
    open_tickets = open_tickets_of(contact_ids=[c.pk for c in callers])
    context = {
        "callers": [(c, open_tickets.get(c.pk, [])) for c in callers],
        "phone": request.GET.get("phone", ""),
    }
    return render(request, "console/tickets/call.html#callers", context)


def _caller(contact_id: int | None) -> Contact | None:
    if not contact_id:
        return None
    return Contact.objects.select_related("client", "site").filter(pk=contact_id, is_active=True).first()


@staff_only
@require_http_methods(["GET", "POST"])
def call(request: HttpRequest) -> HttpResponse:
    """Log a phone call: find the caller by number, then open a ticket or add to an open one."""
    if not rules.has_perm("servicedesk.work_ticket", request.user):
        raise PermissionDenied("Logging calls is for agents.")
    form = CallForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    caller = _caller(_int(form.data.get("contact", ""))) if form.is_bound else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        caller = _caller(data["contact"])
        if caller is None:
            form.add_error("phone", "Find the caller by number first.")
        else:
            ticket = _save_call(request, form, caller, data)
            if ticket is not None:
                messages.success(request, f"Call logged on {ticket.reference}.")
                return redirect("tickets:detail", reference=ticket.reference)
    callers: list[Any] = []
    if form["phone"].value():
        found = callers_by_phone(phone=str(form["phone"].value()))
        open_tickets = open_tickets_of(contact_ids=[c.pk for c in found])
        callers = [(c, open_tickets.get(c.pk, [])) for c in found]
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "console/tickets/call.html",
        {"form": form, "caller": caller, "callers": callers, "phone": form["phone"].value() or ""},
        status=status,
    )


def _int(value: Any) -> int | None:
    return int(value) if str(value).isdigit() and len(str(value)) < 19 else None


def _save_call(request: HttpRequest, form: CallForm, caller: Contact, data: dict[str, Any]) -> Ticket | None:
    """The ticket the call went on (new or existing), or None with the refusal on the form."""
    try:
        with transaction.atomic():
            if data.get("ticket"):
                ticket = access_ticket(request.user, data["ticket"])
                if ticket.contact_id != caller.pk or ticket.status not in OPEN_STATUSES:
                    raise DomainError(
                        "Choose one of the caller's open tickets.", code="invalid", field="ticket"
                    )
                _write_message(request, ticket, data, [])
            else:
                ticket = tickets.open_ticket(
                    actor=_actor(request),
                    client=caller.client,
                    contact=caller,
                    subject=data["subject"],
                    description=data["body"],
                    source=TicketSource.PHONE,
                    priority=data.get("priority") or None,
                )
                _log_time(request, ticket, data, None)
    except NotFound:
        form.add_error("ticket", "Choose one of the caller's open tickets.")
        return None
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    return ticket
