"""Factories for service-desk rows; everything defaults to one MSP and one of its clients."""

from __future__ import annotations

import factory
from django.utils import timezone

from offload.servicedesk import models
from offload.servicedesk.choices import EntryKind, Visibility, WorkType
from offload.tenancy.testing import ScopedFactory
from offload.tenancy.tests import factories as tf


class TeamFactory(ScopedFactory):
    class Meta:
        model = models.Team

    msp = factory.SubFactory(tf.MSPFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class CategoryFactory(ScopedFactory):
    class Meta:
        model = models.Category

    msp = factory.SubFactory(tf.MSPFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    path = factory.LazyAttribute(lambda o: o.name)


class TicketFactory(ScopedFactory):
    """A ticket with a reference outside the service's range (900000+), so that tests of the
    allocator are not confused by factory rows."""

    class Meta:
        model = models.Ticket

    client = factory.SubFactory(tf.ClientFactory)
    msp = factory.LazyAttribute(lambda o: o.client.msp)
    contact = None
    number = factory.Sequence(lambda n: 900000 + n)
    reference = factory.LazyAttribute(lambda o: f"{o.msp.ticket_prefix}-{o.number}")
    subject = factory.Sequence(lambda n: f"Printer on floor {n} is jammed")
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)


class TicketEntryFactory(ScopedFactory):
    class Meta:
        model = models.TicketEntry

    ticket = factory.SubFactory(TicketFactory)
    msp = factory.LazyAttribute(lambda o: o.ticket.msp)
    kind = EntryKind.REPLY
    visibility = Visibility.PUBLIC
    body = factory.Sequence(lambda n: f"Message {n}")
    created_at = factory.LazyFunction(timezone.now)


class CannedReplyFactory(ScopedFactory):
    class Meta:
        model = models.CannedReply

    msp = factory.SubFactory(tf.MSPFactory)
    title = factory.Sequence(lambda n: f"Canned {n}")
    body = "Hello {{contact.first_name}}, we are on it ({{ticket.reference}})."


class SavedViewFactory(ScopedFactory):
    class Meta:
        model = models.SavedView

    msp = factory.SubFactory(tf.MSPFactory)
    name = factory.Sequence(lambda n: f"Queue {n}")
    filters = factory.LazyFunction(lambda: {"open": True})


class TimeEntryFactory(ScopedFactory):
    class Meta:
        model = models.TimeEntry

    ticket = factory.SubFactory(TicketFactory)
    msp = factory.LazyAttribute(lambda o: o.ticket.msp)
    minutes = 15
    started_at = factory.LazyFunction(timezone.now)
    work_type = WorkType.REMOTE_SUPPORT
