"""The attachment API: upload files to a ticket, list them, download one through the access check.

Scoping is the API base's (another tenant's ticket or file is a 404); what a reader may see is the
attachment queryset's rule (clients: files on public entries of their own tickets only). Limits
(size, count, empty files) are the service's, `entries.add_attachment`; its codes reach the client.
Downloads are always sent as `attachment` with `nosniff` and a sandbox policy, so an uploaded
HTML file or SVG never runs in the API's origin.
"""

from __future__ import annotations

import datetime
import mimetypes
from typing import Any, Literal

from django.db import transaction
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, text
from offload.core.errors import NotFound
from offload.servicedesk.access import access_attachment, access_ticket
from offload.servicedesk.models import Attachment, TicketEntry
from offload.servicedesk.services import entries
from offload.tenancy.services.base import InvalidInput

router = Router()

# Types a browser shows without running anything; everything else is sent as bytes.
INLINE_SAFE = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


class AttachmentOut(Schema):
    id: int
    entry_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    is_inline: bool
    created_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        return f"/api/v1/attachments/{obj.pk}/download"


class AttachmentPage(CursorPage[AttachmentOut]):
    pass


class UploadForm(Schema):
    """Files go on `entry_id` (a reply or note of this ticket you may write to), or on a new
    message: a public reply, or for staff an internal note, with `body` as its text."""

    entry_id: Id | None = None
    kind: Literal["reply", "note"] = "reply"
    body: text(entries.MAX_BODY_CHARS, multiline=True) = ""  # type: ignore[valid-type]


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50


def file_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    """The bytes of `attachment` (already access-checked) as a safe download.

    `inline` is honoured only for types browsers display without running them, and only when the
    file name agrees with the declared type; everything else is `application/octet-stream` sent as
    an attachment. `nosniff` stops a browser from guessing HTML; the sandbox CSP disarms the rest.
    """
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound("The file is missing.") from exc
    declared = (attachment.content_type or "").split(";")[0].strip().lower()
    guessed = mimetypes.guess_type(attachment.filename)[0] or ""
    inline = inline and declared in INLINE_SAFE and guessed == declared
    response = FileResponse(
        handle,
        content_type=declared if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=attachment.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/tickets/{ticket_id}/attachments", response=with_errors({200: AttachmentPage}), tags=["attachments"]
)
def list_attachments(request: HttpRequest, ticket_id: Id, params: Query[PageParams]) -> dict[str, Any]:
    """Files on a ticket's thread, oldest first (clients: only those on public messages)."""
    ticket = access_ticket(request.auth, ticket_id)  # type: ignore[attr-defined]
    queryset = Attachment.objects.filter(entry__ticket_id=ticket.pk)
    return paginate(request, queryset, order="id", limit=params.limit, cursor=params.cursor)


@router.post(
    "/tickets/{ticket_id}/attachments",
    response=with_errors({201: list[AttachmentOut]}),
    tags=["attachments"],
)
def upload_attachments(
    request: HttpRequest,
    ticket_id: Id,
    files: File[list[UploadedFile]],
    form: Form[UploadForm],
) -> Status:
    """Upload one or more files (multipart field `files`) to a ticket, all or none."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = access_ticket(actor, ticket_id)
    if not files:
        raise InvalidInput("Send at least one file.", field="files")
    with transaction.atomic():
        if form.entry_id is not None:
            entry = TicketEntry.objects.filter(pk=form.entry_id, ticket_id=ticket.pk).first()
            if entry is None:
                raise InvalidInput("No such message on this ticket.", field="entry_id")
        else:
            body = form.body.strip() or "Attached: " + ", ".join(
                entries.clean_filename(f.name or "") for f in files
            )
            if form.kind == "note":
                entry = entries.add_note(actor=actor, ticket=ticket, body=body)
            else:
                entry = entries.add_reply(actor=actor, ticket=ticket, body=body)
        stored = [
            entries.add_attachment(
                actor=actor,
                entry=entry,
                content=upload.read(),
                filename=upload.name or "attachment",
                content_type=upload.content_type or "application/octet-stream",
            )
            for upload in files
        ]
    return Status(201, stored)


@router.get(
    "/attachments/{attachment_id}/download",
    response=with_errors({200: None}),
    tags=["attachments"],
)
def download_attachment(request: HttpRequest, attachment_id: Id, inline: bool = False) -> FileResponse:
    """The file's bytes, if the actor may read the message it is on (else 404)."""
    attachment = access_attachment(request.auth, attachment_id)  # type: ignore[attr-defined]
    return file_response(attachment, inline=inline)
