"""Inbound mail as stored before anything else happens, and the Message-IDs that thread tickets.

The pipeline (services/intake.py): the raw bytes are stored first (`InboundMessage`, or
`UnroutedMessage` when no brand owns the recipient address), then a task parses and routes them.
The status choices live here rather than in choices.py because they only make sense on these rows.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from offload.tenancy.scoping import TenantModel


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    QUARANTINED = "quarantined", "Quarantined"
    IGNORED = "ignored", "Ignored"


class MessageDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class InboundMessage(TenantModel):
    """One mail received for an MSP (its brand's support address), kept as the raw bytes we got.

    Stored before parsing so that nothing is lost when parsing or routing fails; deduplicated by
    (msp, Message-ID) — a message without one gets the parser's id derived from its bytes. `status`
    says how processing ended: a ticket or reply (`processed`), deliberately dropped (`ignored`:
    auto-reply, bounce, loop, our own mail), or held for a person (`quarantined`) with `reason`
    (a code) and `error` (details). Scoped through the sender's contact: staff who see every
    client of the MSP see every row (also those without a contact: unknown senders, parse
    failures); anybody limited to some clients sees only mail of their clients' contacts.
    """

    recipient = models.CharField(max_length=320, help_text="The envelope/support address it came in on.")
    message_id = models.CharField(max_length=998)
    raw = models.BinaryField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    reason = models.CharField(max_length=60, blank=True, help_text="Why ignored or quarantined (a code).")
    error = models.TextField(blank=True)
    retryable = models.BooleanField(
        default=False, help_text="A quarantine caused by an unexpected error, which a retry may clear."
    )
    attempts = models.PositiveIntegerField(default=0)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    contact = models.ForeignKey(
        "tenancy.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    entry = models.ForeignKey(
        "servicedesk.TicketEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    tenant_client_path: ClassVar[str | None] = "contact__client_id"
    tenant_own_path: ClassVar[str | None] = "contact"

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["msp", "message_id"], name="inbound_unique_message_id"),
        ]
        indexes = [models.Index(fields=["msp", "status", "received_at"], name="inbound_status_recent")]

    def __str__(self) -> str:
        return f"<{self.message_id}> ({self.status})"


class UnroutedMessage(models.Model):
    """A mail whose recipient is no brand's support address: kept for system admins, no tenant.

    It cannot be an InboundMessage (every tenant row has an MSP, and guessing one would file a mail
    with the wrong MSP). Not tenant-scoped, so only system-scope code (system admins) reads these.
    """

    recipient = models.CharField(max_length=320)
    message_id = models.CharField(max_length=998, blank=True)
    raw = models.BinaryField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    reason = models.CharField(max_length=60)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.reason}"


class MailThreadId(TenantModel):
    """A Message-ID we know on a ticket: of an inbound mail we filed, or of a mail we sent.

    Replies name these in In-Reply-To/References, which is how they find their ticket first
    (before any subject tag). Outbound mail registers its id with
    `services.intake.remember_message_id` when it is sent.
    """

    message_id = models.CharField(max_length=998, help_text="Lower-cased, without angle brackets.")
    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(
        "servicedesk.TicketEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(max_length=10, choices=MessageDirection.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["msp", "message_id"], name="mailthreadid_unique_per_msp"),
        ]

    def __str__(self) -> str:
        return f"<{self.message_id}> → ticket {self.ticket_id}"
