"""Console pages for mail: held (quarantined) and ignored inbound mail, and the MSP's IMAP mailboxes.

Held mail is shown safely: headers and the text are escaped by the template (the mail's HTML is
never rendered), and the raw source is offered as text/plain with `nosniff`. Reviewers (owner,
service managers, technicians) re-queue, discard, or file a mail for a client; the rows are the
scoped InboundMessage rows, so technicians limited to some clients see only their clients' mail
and another MSP's message is a 404 like a missing one.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesHeaderParser
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offload.core.errors import DomainError
from offload.core.mail import MailParseError, parse_message
from offload.servicedesk.models import InboundMessage, InboundStatus, Mailbox, MailboxAuth, MailboxSecurity
from offload.servicedesk.rules import acting_role
from offload.servicedesk.services import intake
from offload.servicedesk.services.mailboxes import poll_one_mailbox
from offload.tenancy.models import Client
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only

MAX_LIST = 200
MAX_SHOWN_BODY = 100_000
MAILBOX_ADMIN_ROLES = frozenset({"msp_owner", "service_manager"})
STATUS_FILTERS = {
    "quarantined": [InboundStatus.QUARANTINED],
    "ignored": [InboundStatus.IGNORED],
    "all": [
        InboundStatus.QUARANTINED,
        InboundStatus.IGNORED,
        InboundStatus.PROCESSED,
        InboundStatus.RECEIVED,
    ],
}


def _reviewer(request: HttpRequest) -> None:
    if current_scope().kind != "msp" or acting_role(request.user) not in intake.MAIL_REVIEW_ROLES:
        raise PermissionDenied("Held mail is reviewed by the MSP's owner, service managers and technicians.")


def _message(message_id: int) -> InboundMessage:
    message = InboundMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message.")
    return message


@require_GET
@staff_only
def held_mail(request: HttpRequest) -> HttpResponse:
    """Mail the pipeline held for a person (default) or ignored, newest first, with the reason."""
    _reviewer(request)
    status = request.GET.get("status", "quarantined")
    if status not in STATUS_FILTERS:
        status = "quarantined"
    rows = list(
        InboundMessage.objects.filter(status__in=STATUS_FILTERS[status])
        .defer("raw")
        .select_related("ticket")
        .order_by("-received_at", "-id")[:MAX_LIST]
    )
    return render(
        request, "console/mail/list.html", {"rows": rows, "status": status, "filters": STATUS_FILTERS}
    )


class FileForm(forms.Form):
    # The queryset is set in __init__, inside the request's scope: a scoped queryset built at
    # import time would need a scope that management commands (which import the URLconf) lack.
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=None, help_text="The sender becomes its contact."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["client"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Client.objects.filter(is_active=True).order_by("name")


def _headers(raw: bytes) -> list[tuple[str, str]]:
    try:
        parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        return [(str(k), str(v)[:2000]) for k, v in parsed.items()][:200]
    except Exception:
        return []


@require_GET
@staff_only
def held_mail_detail(request: HttpRequest, inbound_message_id: int) -> HttpResponse:
    """One stored mail: reason, headers and text (escaped, never its HTML), and what to do with it."""
    _reviewer(request)
    message = _message(inbound_message_id)
    raw = bytes(message.raw)
    text, problems = "", []
    try:
        parsed = parse_message(raw)
        text = (parsed.text or "")[:MAX_SHOWN_BODY]
        problems = parsed.problems
        attachments = [(a.filename, a.content_type, a.size) for a in parsed.attachments]
    except MailParseError as exc:
        problems, attachments = [str(exc)], []
    return render(
        request,
        "console/mail/detail.html",
        {
            "message": message,
            "headers": _headers(raw),
            "text": text,
            "problems": problems,
            "attachments": attachments,
            "file_form": FileForm(),
            "held": message.status != InboundStatus.PROCESSED,
        },
    )


@require_GET
@staff_only
def held_mail_raw(request: HttpRequest, inbound_message_id: int) -> HttpResponse:
    """The raw source as plain text (never rendered as HTML by the browser)."""
    _reviewer(request)
    message = _message(inbound_message_id)
    response = HttpResponse(bytes(message.raw), content_type="text/plain; charset=us-ascii")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="message-{message.pk}.eml.txt"'
    return response


@require_POST
@staff_only
def held_mail_action(request: HttpRequest, inbound_message_id: int) -> HttpResponse:
    """Re-queue, discard, or file for a client (POST `action`)."""
    _reviewer(request)
    message = _message(inbound_message_id)
    action = request.POST.get("action", "")
    try:
        if action == "requeue":
            intake.requeue_message(actor=request.user, message=message)
            messages.success(request, "The mail is queued to be processed again.")
        elif action == "discard":
            intake.discard_message(actor=request.user, message=message)
            messages.success(request, "The mail was discarded.")
        elif action == "file":
            form = FileForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose one of your clients.")
                return redirect("mail_held_detail", inbound_message_id=message.pk)
            done = intake.file_for_client(
                actor=request.user, message=message, client=form.cleaned_data["client"]
            )
            if done.status == InboundStatus.PROCESSED and done.ticket_id:
                messages.success(request, "The mail was filed.")
                assert done.ticket is not None
                return redirect("tickets:detail", reference=done.ticket.reference)
            messages.error(request, f"The mail could not be filed: {done.reason}.")
        else:
            raise Http404("No such action.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("mail_held_detail", inbound_message_id=message.pk)


# --- mailboxes --------------------------------------------------------------------------------------


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Empty: keep the stored one.",
    )
    oauth_client_secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Empty: keep the stored one.",
    )
    oauth_refresh_token = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Empty: keep the stored one.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "auth",
            "password",
            "oauth_token_url",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_refresh_token",
            "oauth_scope",
            "folder",
            "processed_folder",
            "is_active",
        ]

    def save_keeping_secrets(self, original: dict[str, str]) -> Mailbox:
        mailbox = self.save(commit=False)
        for field in ("password", "oauth_client_secret", "oauth_refresh_token"):
            if not self.cleaned_data.get(field):
                setattr(mailbox, field, original.get(field, ""))
        mailbox.save()
        return mailbox


def _mailbox_admin(request: HttpRequest) -> bool:
    return current_scope().kind == "msp" and acting_role(request.user) in MAILBOX_ADMIN_ROLES


@require_http_methods(["GET", "POST"])
@staff_only
def mailbox_list(request: HttpRequest) -> HttpResponse:
    """The MSP's mailboxes with their last poll and error; owners and service managers add one."""
    _reviewer(request)
    can_edit = _mailbox_admin(request)
    form = MailboxForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Mailboxes are set up by the MSP's owner and service managers.")
        if form.is_valid():
            mailbox = form.save(commit=False)
            mailbox.msp_id = next(iter(current_scope().msp_ids))
            mailbox.save()
            messages.success(request, f"Mailbox {mailbox.name} added; it is polled every minute.")
            return redirect("mail_mailboxes")
    boxes = list(Mailbox.objects.order_by("name", "id"))
    return render(
        request,
        "console/mail/mailboxes.html",
        {"boxes": boxes, "form": form, "can_edit": can_edit},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_only
def mailbox_edit(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Change a mailbox (secrets are never shown; empty keeps them)."""
    _reviewer(request)
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise Http404("No such mailbox.")
    if not _mailbox_admin(request):
        raise PermissionDenied("Mailboxes are set up by the MSP's owner and service managers.")
    original = {f: getattr(mailbox, f) for f in ("password", "oauth_client_secret", "oauth_refresh_token")}
    form = MailboxForm(request.POST if request.method == "POST" else None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        form.save_keeping_secrets(original)
        messages.success(request, "Mailbox saved.")
        return redirect("mail_mailboxes")
    return render(
        request,
        "console/mail/mailbox_form.html",
        {"mailbox": mailbox, "form": form, "auth": MailboxAuth, "security": MailboxSecurity},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@staff_only
def mailbox_poll(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Queue a poll of this mailbox now (also clears its back-off)."""
    _reviewer(request)
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise Http404("No such mailbox.")
    poll_one_mailbox.enqueue(mailbox.pk, mailbox.msp_id)
    messages.success(request, f"{mailbox.name} will be polled in a moment.")
    return redirect("mail_mailboxes")
