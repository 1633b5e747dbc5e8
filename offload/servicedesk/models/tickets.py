"""Tickets, their per-MSP reference counter, and the workflow's named transitions."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from offload.core.errors import DomainError
from offload.servicedesk.choices import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Impact,
    Priority,
    TicketKind,
    TicketSource,
    TicketStatus,
    Transition,
    Urgency,
)
from offload.servicedesk.querysets import StaffOnlyHistoricalRecords, TicketManager
from offload.tenancy.scoping import TenantModel

S = TicketStatus
_WORKING = {S.NEW, S.TRIAGED, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_CLIENT, S.WAITING_ON_VENDOR}

# Where each named transition may start. The target of `reopen` and `assign` depends on the ticket
# (see Ticket.target_of); the others always land on one status.
TRANSITION_SOURCES: dict[str, frozenset[str]] = {
    Transition.TRIAGE: frozenset({S.NEW}),
    Transition.ASSIGN: frozenset(_WORKING),
    Transition.START_WORK: frozenset(_WORKING - {S.IN_PROGRESS}),
    Transition.WAIT_ON_CLIENT: frozenset(_WORKING - {S.WAITING_ON_CLIENT, S.NEW}),
    Transition.WAIT_ON_VENDOR: frozenset(_WORKING - {S.WAITING_ON_VENDOR, S.NEW}),
    Transition.RESOLVE: frozenset(_WORKING),
    # Closing without resolving first is allowed: duplicates and spam are closed outright.
    Transition.CLOSE: frozenset(_WORKING | {S.RESOLVED}),
    Transition.REOPEN: frozenset(DONE_STATUSES),
}
TRANSITION_TARGETS: dict[str, str] = {
    Transition.TRIAGE: S.TRIAGED,
    Transition.START_WORK: S.IN_PROGRESS,
    Transition.WAIT_ON_CLIENT: S.WAITING_ON_CLIENT,
    Transition.WAIT_ON_VENDOR: S.WAITING_ON_VENDOR,
    Transition.RESOLVE: S.RESOLVED,
    Transition.CLOSE: S.CLOSED,
}


class TicketCounter(TenantModel):
    """The last ticket number an MSP handed out; one row per MSP, locked while a number is taken."""

    msp = models.OneToOneField("tenancy.MSP", on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.msp_id}: {self.last_number}"


class Ticket(TenantModel):
    """A request, incident or task of one client, worked by an MSP (or its provider) to an end.

    A client user sees the tickets they requested (`contact`): the scope's "own" path is one
    lookup, and the requester is the one that is always set. Tickets where they are only a CC or
    participant come with the participant model (a later issue) — until then the portal shows a
    CC'd person nothing they did not ask for, which errs on the side of privacy.
    """

    reference = models.CharField(max_length=40, help_text="Human reference, e.g. ACME-1042.")
    number = models.PositiveBigIntegerField()
    client = models.ForeignKey("tenancy.Client", on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey(
        "tenancy.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="The requester.",
    )
    site = models.ForeignKey(
        "tenancy.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    asset = models.ForeignKey(
        "tenancy.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    source = models.CharField(max_length=20, choices=TicketSource.choices, default=TicketSource.PORTAL)
    kind = models.CharField(max_length=20, choices=TicketKind.choices, default=TicketKind.INCIDENT)
    category = models.ForeignKey(
        "servicedesk.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    impact = models.CharField(max_length=10, choices=Impact.choices, default=Impact.MEDIUM)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "servicedesk.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True, help_text="Sanitized on write; safe to render.")
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets")
    cc_emails = models.JSONField(default=list, blank=True, help_text="Addresses copied on public replies.")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    tenant_client_path: ClassVar[str | None] = "client"
    tenant_own_path: ClassVar[str | None] = "contact"

    objects = TicketManager()  # type: ignore[misc]  # narrows TenantModel.objects
    history = StaffOnlyHistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["msp", "reference"], name="ticket_reference_unique_per_msp"),
            models.UniqueConstraint(fields=["msp", "number"], name="ticket_number_unique_per_msp"),
        ]
        indexes = [
            # The queue: by status, newest activity first, keyset on (updated_at, id).
            models.Index(fields=["msp", "status", "-updated_at", "-id"], name="ticket_queue_status"),
            models.Index(fields=["msp", "assignee", "status"], name="ticket_queue_assignee"),
            models.Index(fields=["msp", "client", "status"], name="ticket_queue_client"),
            # One client's queue newest first, however big the client (an ordered walk, no sort).
            models.Index(fields=["msp", "client", "-updated_at", "-id"], name="ticket_queue_client_recent"),
            models.Index(fields=["msp", "team", "status"], name="ticket_queue_team"),
            models.Index(fields=["msp", "contact", "status"], name="ticket_queue_contact"),
            models.Index(fields=["msp", "-updated_at", "-id"], name="ticket_queue_all"),
            # The queue most people look at most of the time: open tickets, kept small by the
            # condition, so that any page of it is an index walk whatever the status mix.
            models.Index(
                fields=["msp", "-updated_at", "-id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="ticket_queue_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in DONE_STATUSES

    def target_of(self, transition: str) -> str:
        """The status `transition` would move this ticket to."""
        if transition == Transition.REOPEN:
            # Back to whoever held it; an unowned ticket goes back to the triage queue.
            return S.IN_PROGRESS if self.assignee_id else S.NEW
        if transition == Transition.ASSIGN:
            # Handing over work in progress keeps its status; only fresh tickets become "assigned".
            return S.ASSIGNED if self.status in {S.NEW, S.TRIAGED} else self.status
        return TRANSITION_TARGETS[transition]

    def refusal(self, transition: str) -> DomainError | None:
        """Why `transition` is not allowed now, or None when it is."""
        if transition not in TRANSITION_SOURCES:
            return DomainError(f"Unknown transition {transition!r}.", code="unknown_transition")
        if self.merged_into_id is not None:
            return DomainError(
                f"{self.reference} was merged into another ticket; work on that one.", code="ticket_merged"
            )
        if self.status not in TRANSITION_SOURCES[transition]:
            return DomainError(
                f"A ticket that is {self.get_status_display().lower()} "
                f"cannot {transition.replace('_', ' ')}.",
                code="transition_not_allowed",
                field="status",
            )
        return None

    def can(self, transition: str) -> bool:
        return self.refusal(transition) is None

    def can_triage(self) -> bool:
        return self.can(Transition.TRIAGE)

    def can_assign(self) -> bool:
        return self.can(Transition.ASSIGN)

    def can_start_work(self) -> bool:
        return self.can(Transition.START_WORK)

    def can_wait_on_client(self) -> bool:
        return self.can(Transition.WAIT_ON_CLIENT)

    def can_wait_on_vendor(self) -> bool:
        return self.can(Transition.WAIT_ON_VENDOR)

    def can_resolve(self) -> bool:
        return self.can(Transition.RESOLVE)

    def can_close(self) -> bool:
        return self.can(Transition.CLOSE)

    def can_reopen(self) -> bool:
        return self.can(Transition.REOPEN)
