"""The portal's ticket pages: my tickets, open a ticket, the public thread, reply, close or reopen,
follow, rate the resolution, and attachment downloads through an access check.

Every page runs inside the scope of the visitor's client membership at this portal's MSP, so a
client user reads only their own tickets and a client admin all of their client's; another
person's or another client's ticket answers 404 exactly like one that does not exist. Clients read
public entries only (the entry and attachment querysets hide internal notes and staff events).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offload.accounts.models import User
from offload.core.errors import DomainError, NotFound
from offload.portal.forms import NewTicketForm, RatingForm, ReplyForm, RequesterFilterForm, human_size
from offload.portal.home import client_status, portal_nav
from offload.portal.resolver import Portal
from offload.portal.views import current_visitor, portal_view, render_portal
from offload.portal.visitors import Visitor, VisitorKind
from offload.servicedesk.access import access_attachment, access_ticket_by_reference
from offload.servicedesk.choices import (
    DONE_STATUSES,
    OPEN_STATUSES,
    EntryKind,
    TicketSource,
    TicketStatus,
    Transition,
    Visibility,
)
from offload.servicedesk.events import STATUS_CHANGED
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services import entries, following, satisfaction, tickets
from offload.tenancy.models import Contact
from offload.tenancy.scoping import activate

PAGE_SIZE = 25


class ClientPage:
    """What every portal ticket page knows: the portal, the visitor, their contact and role."""

    def __init__(self, request: HttpRequest, portal: Portal, visitor: Visitor) -> None:
        assert visitor.membership is not None
        self.request = request
        self.portal = portal
        self.visitor = visitor
        self.membership = visitor.membership
        self.user: User = request.user  # type: ignore[assignment]
        self.is_client_admin = visitor.membership.role == "client_admin"
        assert visitor.membership.contact_id is not None
        self.contact = Contact.objects.select_related("client").get(pk=visitor.membership.contact_id)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        max_bytes, max_count = entries.attachment_limits()
        base = {
            "contact": self.contact,
            "membership": self.membership,
            "is_client_admin": self.is_client_admin,
            "nav": portal_nav(self.portal),
            "limits": {"count": max_count, "size": human_size(max_bytes)},
        }
        return render_portal(self.request, self.portal, template, {**base, **context}, status=status)

    def ticket(self, reference: str) -> Ticket:
        try:
            return access_ticket_by_reference(self.user, reference)
        except NotFound as exc:
            raise Http404("No such ticket") from exc

    def ticket_url(self, ticket: Ticket, name: str = "ticket_detail") -> str:
        return self.portal.url(name, reference=ticket.reference)


ClientView = Callable[..., HttpResponseBase]


def client_page(view: ClientView) -> Callable[..., HttpResponseBase]:
    """Resolve the portal and the visitor; only this MSP's client people get `view`, in their scope."""

    @portal_view
    @wraps(view)
    def wrapper(request: HttpRequest, portal: Portal, *args: Any, **kwargs: Any) -> HttpResponseBase:
        visitor = current_visitor(request, portal)
        if visitor.kind == VisitorKind.ANONYMOUS:
            return redirect(f"{portal.sign_in_url}?{urlencode({'next': request.get_full_path()})}")
        if visitor.kind == VisitorKind.STAFF:
            # 403, not 200: the page is about an object the staff member does not reach here.
            return render_portal(request, portal, "portal/staff_notice.html", {}, status=403)
        if visitor.kind == VisitorKind.OUTSIDER:
            return render_portal(request, portal, "portal/not_yours.html", {}, status=403)
        # The portal may be used through another of the person's memberships than the session's one.
        with activate(visitor.scope):
            return view(ClientPage(request, portal, visitor), *args, **kwargs)

    return wrapper


# --- the list -------------------------------------------------------------------------------------


@require_GET
@client_page
def ticket_list(page: ClientPage) -> HttpResponse:
    """My tickets (a client admin: all of the client's, filtered by requester), newest activity first."""
    request = page.request
    form = RequesterFilterForm(
        request.GET or None, client_id=page.contact.client_id if page.is_client_admin else None
    )
    queryset = Ticket.objects.select_related("contact").filter(merged_into__isnull=True)
    state = "open"
    if form.is_valid():
        state = form.cleaned_data.get("state") or "open"
        requester = form.cleaned_data.get("requester")
        if requester is not None and page.is_client_admin:
            queryset = queryset.filter(contact=requester)
    if state == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif state == "done":
        queryset = queryset.filter(status__in=DONE_STATUSES)
    queryset = queryset.order_by("-updated_at", "-id").only(
        "reference",
        "subject",
        "status",
        "updated_at",
        "created_at",
        "contact__first_name",
        "contact__last_name",
    )
    paginator = Paginator(queryset, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = [{"ticket": t, "status": client_status(t.status), "url": page.ticket_url(t)} for t in page_obj]
    query = request.GET.copy()
    query.pop("page", None)
    return page.render(
        "portal/tickets/list.html",
        {"form": form, "rows": rows, "page_obj": page_obj, "state": state, "query": query.urlencode()},
    )


# --- opening a ticket -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@client_page
def ticket_new(page: ClientPage) -> HttpResponse:
    """Open a ticket with a description and files; it is the visitor's own request."""
    request = page.request
    form = NewTicketForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        msp_id=page.portal.brand.msp_id,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket = tickets.open_ticket(
                    actor=page.user,
                    client=page.contact.client,
                    contact=page.contact,
                    subject=data["subject"],
                    description=data["description"],
                    category=data["category"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                    source=TicketSource.PORTAL,
                )
                if data["attachments"]:
                    names = ", ".join(f.name for f in data["attachments"])
                    entry = entries.add_reply(actor=page.user, ticket=ticket, body=f"Attached: {names}")
                    _attach(page.user, entry, data["attachments"])
        except DomainError as exc:
            form.add_error(_form_field(form, exc), exc.message)
        else:
            messages.success(request, f"Thank you. Your request {ticket.reference} was received.")
            return redirect(page.ticket_url(ticket))
    status = 400 if request.method == "POST" else 200
    return page.render("portal/tickets/new.html", {"form": form}, status=status)


def _attach(user: User, entry: TicketEntry, files: list[Any]) -> None:
    for upload in files:
        entries.add_attachment(
            actor=user,
            entry=entry,
            content=upload.read(),
            filename=upload.name or "attachment",
            content_type=upload.content_type or "application/octet-stream",
        )


def _form_field(form: Any, exc: DomainError) -> str | None:
    field = "attachments" if exc.field == "file" else exc.field
    return field if field in form.fields else None


# --- one ticket -----------------------------------------------------------------------------------


def _thread(ticket: Ticket) -> list[TicketEntry]:
    """The public thread: replies and the status changes a client may know of, files alongside."""
    return list(
        TicketEntry.objects.filter(ticket=ticket, visibility=Visibility.PUBLIC)
        .filter(Q(kind=EntryKind.REPLY) | Q(kind=EntryKind.EVENT, event=STATUS_CHANGED))
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def _items(page: ClientPage, ticket: Ticket) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    brand_name = page.portal.brand.name
    for entry in _thread(ticket):
        if entry.kind == EntryKind.EVENT:
            text = f"Status changed to {client_status(str(entry.data.get('to', ''))).lower()}"
            items.append({"kind": "event", "entry": entry, "text": text})
            continue
        # Client people write as their contact; staff (the MSP's or its provider's) as the brand.
        from_us = entry.author_contact_id is None
        if entry.author_contact is not None:
            author = entry.author_contact.full_name
        elif entry.author_user is not None and entry.author_user.first_name:
            author = f"{entry.author_user.first_name} · {brand_name}"
        else:
            author = brand_name
        files = [
            {
                "attachment": a,
                "url": page.portal.url(
                    "ticket_attachment", reference=ticket.reference, attachment_id=str(a.pk)
                ),
            }
            for a in entry.attachments.all()
            if not a.is_inline
        ]
        items.append({"kind": "reply", "entry": entry, "author": author, "from_us": from_us, "files": files})
    return items


def _detail_context(page: ClientPage, ticket: Ticket) -> dict[str, Any]:
    rated = satisfaction.rated_resolution(ticket)
    return {
        "ticket": ticket,
        "status": client_status(ticket.status),
        "items": _items(page, ticket),
        "is_done": ticket.status in DONE_STATUSES,
        "can_reply": ticket.status != TicketStatus.CLOSED and ticket.merged_into_id is None,
        "can_close": ticket.can_close(),
        "can_reopen": ticket.can_reopen(),
        "can_rate": ticket.status in DONE_STATUSES and ticket.resolved_at is not None and rated is None,
        "rated": rated,
        "ask_rating": page.request.GET.get("rate") == "1",
        "is_following": following.is_following(actor=page.user, ticket=ticket),
        "is_requester": ticket.contact_id == page.contact.pk,
        "urls": {
            name: page.ticket_url(ticket, f"ticket_{name}") for name in ("reply", "status", "follow", "rate")
        },
    }


@require_GET
@client_page
def ticket_detail(page: ClientPage, reference: str) -> HttpResponse:
    """The ticket and its public thread; with ?rate=1 (the link in the resolution mail) the rating form."""
    ticket = page.ticket(reference)
    context = _detail_context(page, ticket)
    context.update(reply_form=ReplyForm(), rating_form=RatingForm())
    return page.render("portal/tickets/detail.html", context)


def _detail_with_errors(page: ClientPage, ticket: Ticket, **forms: Any) -> HttpResponse:
    context = _detail_context(page, ticket)
    context.update(reply_form=ReplyForm(), rating_form=RatingForm(), **forms)
    return page.render("portal/tickets/detail.html", context, status=400)


@require_POST
@client_page
def ticket_reply(page: ClientPage, reference: str) -> HttpResponseBase:
    """Add a public reply, with files; replying to a resolved ticket reopens it (the service decides)."""
    ticket = page.ticket(reference)
    form = ReplyForm(page.request.POST, page.request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                entry = entries.add_reply(actor=page.user, ticket=ticket, body=form.cleaned_data["body"])
                _attach(page.user, entry, form.cleaned_data["attachments"])
        except DomainError as exc:
            form.add_error(_form_field(form, exc), exc.message)
        else:
            messages.success(page.request, "Your reply was sent.")
            return redirect(f"{page.ticket_url(ticket)}#entry-{entry.pk}")
    return _detail_with_errors(page, ticket, reply_form=form)


@require_POST
@client_page
def ticket_status(page: ClientPage, reference: str) -> HttpResponseBase:
    """Close ("this is solved") or reopen the ticket: the workflow's named transitions."""
    ticket = page.ticket(reference)
    transition = page.request.POST.get("transition", "")
    if transition not in {Transition.CLOSE, Transition.REOPEN}:
        messages.error(page.request, "That is not something you can do here.")
        return redirect(page.ticket_url(ticket))
    try:
        tickets.transition_ticket(
            actor=page.user,
            ticket=ticket,
            transition=transition,
            reason="Closed by the client in the portal" if transition == Transition.CLOSE else "",
        )
    except DomainError as exc:
        messages.error(page.request, exc.message)
    else:
        done = (
            "Glad it is solved. The request is closed."
            if transition == Transition.CLOSE
            else "The request is open again."
        )
        messages.success(page.request, done)
    return redirect(page.ticket_url(ticket))


@require_POST
@client_page
def ticket_follow(page: ClientPage, reference: str) -> HttpResponseBase:
    """Follow (be copied on replies) or stop following a colleague's ticket."""
    ticket = page.ticket(reference)
    follow = page.request.POST.get("follow") == "1"
    try:
        following.set_following(actor=page.user, ticket=ticket, follow=follow)
    except DomainError as exc:
        messages.error(page.request, exc.message)
    else:
        messages.success(
            page.request,
            "You will get an email for every reply." if follow else "You no longer follow this request.",
        )
    return redirect(page.ticket_url(ticket))


@require_POST
@client_page
def ticket_rate(page: ClientPage, reference: str) -> HttpResponseBase:
    """Rate the resolution (once per resolution)."""
    ticket = page.ticket(reference)
    form = RatingForm(page.request.POST)
    if form.is_valid():
        try:
            satisfaction.rate_resolution(
                actor=page.user,
                ticket=ticket,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            if exc.code == "already_rated":
                messages.info(page.request, exc.message)
                return redirect(page.ticket_url(ticket))
            form.add_error(None, exc.message)
        else:
            messages.success(page.request, "Thank you for your feedback.")
            return redirect(page.ticket_url(ticket))
    return _detail_with_errors(page, ticket, rating_form=form)


@require_GET
@client_page
def ticket_attachment(page: ClientPage, reference: str, attachment_id: int) -> FileResponse:
    """A file of a public message of this ticket, downloaded only after the access check."""
    ticket = page.ticket(reference)
    try:
        attachment = access_attachment(page.user, attachment_id)
    except NotFound as exc:
        raise Http404("No such file") from exc
    if attachment.entry.ticket_id != ticket.pk or attachment.entry.visibility != Visibility.PUBLIC:
        raise Http404("No such file")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No such file") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
