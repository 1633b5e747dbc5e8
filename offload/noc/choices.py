"""Closed vocabularies of the NOC: delegation states, levels, return reasons, coverage, clocks."""

from django.db import models


class DelegationState(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


# A delegation in one of these states holds the ticket (one per ticket, see the model's constraint):
# offered and waiting, worked by the NOC (accepted, or rejected back to it), or awaiting review.
ACTIVE_STATES = frozenset(
    {DelegationState.OFFERED, DelegationState.ACCEPTED, DelegationState.COMPLETED, DelegationState.REJECTED}
)
# The NOC is working it: it may complete or return.
WORKING_STATES = frozenset({DelegationState.ACCEPTED, DelegationState.REJECTED})


class DelegationLevel(models.TextChoices):
    L1 = "l1", "L1"
    L2 = "l2", "L2"
    LEAD = "lead", "NOC lead"


class ReturnReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", "Out of scope"
    NEEDS_ONSITE = "needs_onsite", "Needs onsite work"
    NEEDS_APPROVAL = "needs_approval", "Needs approval"
    NEEDS_INFORMATION = "needs_information", "Needs information"
    BEYOND_SKILL = "beyond_skill", "Beyond skill"


class Coverage(models.TextChoices):
    """When the provider's OLA clocks run for an agreement."""

    BUSINESS_HOURS = "business_hours", "Business hours"
    AFTER_HOURS = "after_hours", "After hours only"
    ALWAYS = "24x7", "24x7"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    NOT_STARTED = "not_started", "Not started"


class Holder(models.TextChoices):
    """Who held a ticket's client-facing clock."""

    MSP = "msp", "MSP"
    NOC = "noc", "NOC"
    CLIENT = "client", "Waiting on client"
    VENDOR = "vendor", "Waiting on vendor"
