"""Statuses, kinds and other closed vocabularies of the service desk."""

from django.db import models


class TicketSource(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    ALERT = "alert", "Alert"
    API = "api", "API"
    PROJECT = "project", "Project"
    SCHEDULE = "schedule", "Schedule"


class TicketKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    SERVICE_REQUEST = "service_request", "Service request"
    MAINTENANCE = "maintenance", "Maintenance"
    ALERT = "alert", "Alert"
    PROJECT_TASK = "project_task", "Project task"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    WAITING_ON_VENDOR = "waiting_on_vendor", "Waiting on vendor"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.TRIAGED,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_ON_CLIENT,
        TicketStatus.WAITING_ON_VENDOR,
    }
)
DONE_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


class Transition(models.TextChoices):
    """The named moves of the ticket workflow (see models/tickets.py for where each may start)."""

    TRIAGE = "triage", "Triage"
    ASSIGN = "assign", "Assign"
    START_WORK = "start_work", "Start work"
    WAIT_ON_CLIENT = "wait_on_client", "Wait on client"
    WAIT_ON_VENDOR = "wait_on_vendor", "Wait on vendor"
    RESOLVE = "resolve", "Resolve"
    CLOSE = "close", "Close"
    REOPEN = "reopen", "Reopen"


class Impact(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Urgency(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Priority(models.TextChoices):
    P1 = "p1", "P1 - Critical"
    P2 = "p2", "P2 - High"
    P3 = "p3", "P3 - Medium"
    P4 = "p4", "P4 - Low"


class EntryKind(models.TextChoices):
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    EVENT = "event", "System event"


class Visibility(models.TextChoices):
    """Who may read a thread entry. Clients read public entries only; the MSP also reads its own
    internal notes; provider (NOC) staff read everything on tickets their agreement covers."""

    PUBLIC = "public", "Public"
    MSP_INTERNAL = "msp_internal", "MSP internal"
    PROVIDER_INTERNAL = "provider_internal", "Provider internal"


class WorkType(models.TextChoices):
    REMOTE_SUPPORT = "remote_support", "Remote support"
    ONSITE = "onsite", "Onsite"
    PROJECT = "project", "Project"
    TRAVEL = "travel", "Travel"
    ADMIN = "admin", "Admin"
