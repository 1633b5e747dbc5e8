"""Mail of the service desk beyond the raw inbound bytes: mailboxes we poll, mails we send, templates.

- `Mailbox`: an IMAP mailbox of an MSP polled by `services.mailboxes` (password or XOAUTH2 login);
  its last poll and last error are kept on the row so staff see a broken mailbox.
- `OutboundEmail`: one mail we sent (or refused to send) to one recipient: the log the per-recipient
  rate limit counts, and what staff read when a customer says "I never got it".
- `MailTemplate`: an MSP's own subject/body for one notification event, overriding the default
  templates in `templates/servicedesk/mail/`.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from offload.tenancy.scoping import TenantModel


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", "TLS (IMAPS, port 993)"
    STARTTLS = "starttls", "STARTTLS (port 143)"
    NONE = "none", "None (local testing only)"


class MailboxAuth(models.TextChoices):
    PASSWORD = "password", "Password"
    XOAUTH2 = "xoauth2", "OAuth 2 (Microsoft 365, Google)"


class Mailbox(TenantModel):
    """An IMAP mailbox an MSP receives support mail in; polled for unseen messages.

    Each fetched message is stored raw for the MSP's brand support address and then marked
    seen, or moved to `processed_folder` when one is set. XOAUTH2 logins trade the stored refresh
    token for an access token at `oauth_token_url` (Microsoft 365:
    https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token, scope
    https://outlook.office365.com/IMAP.AccessAsUser.All offline_access; Google:
    https://oauth2.googleapis.com/token, scope https://mail.google.com/).
    """

    name = models.CharField(max_length=200)
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=MailboxSecurity.choices, default=MailboxSecurity.SSL)
    username = models.CharField(max_length=320)
    auth = models.CharField(max_length=10, choices=MailboxAuth.choices, default=MailboxAuth.PASSWORD)
    password = models.CharField(max_length=500, blank=True)
    oauth_token_url = models.URLField(max_length=500, blank=True)
    oauth_client_id = models.CharField(max_length=300, blank=True)
    oauth_client_secret = models.CharField(max_length=500, blank=True)
    oauth_refresh_token = models.TextField(blank=True)
    oauth_scope = models.CharField(max_length=500, blank=True)
    folder = models.CharField(max_length=200, default="INBOX")
    processed_folder = models.CharField(
        max_length=200, blank=True, help_text="Move fetched mail here; empty: only mark it seen."
    )
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    messages_fetched = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class OutboundStatus(models.TextChoices):
    SENT = "sent", "Sent"
    RATE_LIMITED = "rate_limited", "Rate limited (not sent)"
    FAILED = "failed", "Failed"


class MailEvent(models.TextChoices):
    """The notifications a ticket sends by mail."""

    TICKET_CREATED = "ticket_created", "Ticket received (acknowledgement to the requester)"
    AGENT_REPLY = "agent_reply", "Public reply by staff (to the requester and CCs)"
    TICKET_RESOLVED = "ticket_resolved", "Ticket resolved (with a satisfaction link)"


class OutboundEmail(TenantModel):
    """One notification mail to one recipient about one ticket, sent or not (and why not)."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="outbound_emails")
    entry = models.ForeignKey(
        "servicedesk.TicketEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.CharField(max_length=30, choices=MailEvent.choices)
    recipient = models.CharField(max_length=320, help_text="Lower-cased address.")
    subject = models.CharField(max_length=998)
    message_id = models.CharField(max_length=998, blank=True)
    status = models.CharField(max_length=20, choices=OutboundStatus.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    tenant_client_path: ClassVar[str | None] = "ticket__client_id"
    tenant_own_path: ClassVar[str | None] = "ticket__contact_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The rate limit counts one recipient's recent mails per MSP.
            models.Index(fields=["msp", "recipient", "created_at"], name="outbound_recipient_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient} ({self.status})"


class MailTemplate(TenantModel):
    """An MSP's wording for one mail event: Django template text for the subject and the body.

    Context: `ticket`, `brand`, `recipient_name`, `reply` (the entry's text, for replies),
    `signature`, `portal_url`, `csat_url`. The ticket reference is always put in the subject and
    the reply marker above the body by the sender, whatever the template says.
    """

    event = models.CharField(max_length=30, choices=MailEvent.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["event"]
        constraints = [models.UniqueConstraint(fields=["msp", "event"], name="mailtemplate_one_per_event")]

    def __str__(self) -> str:
        return self.event
