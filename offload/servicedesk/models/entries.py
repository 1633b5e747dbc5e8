"""A ticket's thread (public replies, internal notes, system events) and the files attached to it."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.servicedesk.choices import EntryKind, Visibility
from offload.servicedesk.querysets import AttachmentManager, TicketEntryManager
from offload.tenancy.scoping import TenantModel


class TicketEntry(TenantModel):
    """One item of a ticket's thread: a public reply, an internal note, or a system event.

    Written by a user (staff or a client user) or by a contact (mail from someone without an
    account). `body_html` is sanitized by the service that writes it, never trusted as given.
    System events carry a stable `event` code and its data for the timeline and for listeners.
    Who may read an entry follows `visibility` (see querysets.readable_visibilities).
    """

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        "tenancy.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    event = models.CharField(max_length=40, blank=True, help_text="System events: what happened.")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    objects = TicketEntryManager()  # type: ignore[misc]  # narrows TenantModel.objects

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ticket entries"
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="entry_thread"),
            models.Index(fields=["msp", "created_at"], name="entry_msp_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on ticket {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where an attachment's bytes live: per MSP, under a random name that says nothing.

    The original name is kept in the row only; the storage path can neither be guessed nor
    reveal the ticket, and files are served only through an access check (lessons §5).
    """
    return f"servicedesk/{instance.msp_id}/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}"


class Attachment(TenantModel):
    """A file on a thread entry (an upload, a mail attachment, or an inline image with its cid)."""

    entry = models.ForeignKey(TicketEntry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255, help_text="The name the sender gave it, for display only.")
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_inline = models.BooleanField(default=False)
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_client_path: ClassVar[str | None] = "entry__ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "entry__ticket__contact_id"

    objects = AttachmentManager()  # type: ignore[misc]  # narrows TenantModel.objects

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["msp", "sha256"], name="attachment_msp_sha")]

    def __str__(self) -> str:
        return self.filename
