"""Reads of standing instructions: which apply to which tickets, their flags now, acknowledgements.

Applicability is decided from the ticket's own keys (its MSP, client, site, contact and asset; the
site of its asset or contact counts as its site). Rows are read through the base manager on
purpose, with a predicate built only from tickets the caller already holds — tickets the scope let
it read — so an MSP-wide instruction shows to NOC staff whose agreement covers only some clients,
and nothing of another client can match.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q, QuerySet
from django.utils import timezone

from offload.core.errors import NotFound
from offload.noc.models import (
    InstructionAcknowledgement,
    InstructionLevel,
    InstructionVersion,
    StandingInstruction,
)
from offload.servicedesk.models import Ticket


def ticket_keys(ticket: Ticket) -> dict[str, set[int]]:
    """The ids an instruction may name to apply to `ticket` (needs asset and contact loaded)."""
    sites = {ticket.site_id} if ticket.site_id else set()
    if ticket.asset_id and ticket.asset is not None and ticket.asset.site_id:
        sites.add(ticket.asset.site_id)
    if ticket.contact_id and ticket.contact is not None and ticket.contact.site_id:
        sites.add(ticket.contact.site_id)
    return {
        "client": {ticket.client_id},
        "site": sites,
        "contact": {ticket.contact_id} if ticket.contact_id else set(),
        "asset": {ticket.asset_id} if ticket.asset_id else set(),
    }


def applies(instruction: StandingInstruction, ticket: Ticket) -> bool:
    """Whether `instruction` shows on `ticket`."""
    if instruction.msp_id != ticket.msp_id or not instruction.is_active:
        return False
    if instruction.level == InstructionLevel.MSP:
        return True
    keys = ticket_keys(ticket)
    level = str(instruction.level)
    return getattr(instruction, f"{level}_id") in keys[level]


def _candidates(tickets: Sequence[Ticket]) -> QuerySet[StandingInstruction]:
    """Active instructions that may apply to any of `tickets` (one query; see the module docstring)."""
    msp_ids: set[int] = set()
    keys: dict[str, set[int]] = defaultdict(set)
    for ticket in tickets:
        msp_ids.add(ticket.msp_id)
        for name, ids in ticket_keys(ticket).items():
            keys[name] |= ids
    predicate = Q(level=InstructionLevel.MSP, msp_id__in=msp_ids)
    for name in ("client", "site", "contact", "asset"):
        if keys[name]:
            predicate |= Q(level=name, **{f"{name}_id__in": keys[name]})
    manager = StandingInstruction._base_manager
    return manager.filter(predicate, msp_id__in=msp_ids, is_active=True).order_by("level", "title", "id")


def no_reboot_now(instruction: StandingInstruction, now: dt.datetime | None = None) -> bool:
    """Whether the instruction's no-reboot window is open at `now` (in its zone; wraps past midnight)."""
    if instruction.no_reboot_start is None or instruction.no_reboot_end is None:
        return False
    try:
        zone = ZoneInfo(instruction.no_reboot_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = (now or timezone.now()).astimezone(zone).time().replace(tzinfo=None)
    start, end = instruction.no_reboot_start, instruction.no_reboot_end
    if start < end:
        return start <= local < end
    return local >= start or local < end


@dataclass
class TicketInstructions:
    """The instructions that apply to one ticket, and which of their current versions were acknowledged."""

    instructions: list[StandingInstruction] = field(default_factory=list)
    acknowledged: dict[int, list[InstructionAcknowledgement]] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def is_vip(self) -> bool:
        return any(i.is_vip for i in self.instructions)

    @property
    def no_reboot_now(self) -> bool:
        return any(no_reboot_now(i, self.now) for i in self.instructions)

    @property
    def calls_first(self) -> list[StandingInstruction]:
        return [i for i in self.instructions if i.calls_first]

    @property
    def needs_approval(self) -> list[StandingInstruction]:
        return [i for i in self.instructions if i.approval_from]

    @property
    def unacknowledged(self) -> list[StandingInstruction]:
        return [i for i in self.instructions if not self.acknowledged.get(i.pk)]

    def rows(self) -> list[tuple[StandingInstruction, list[InstructionAcknowledgement], bool]]:
        """(instruction, acknowledgements of its current version, no-reboot window open now)."""
        return [(i, self.acknowledged.get(i.pk, []), no_reboot_now(i, self.now)) for i in self.instructions]


def instructions_for_tickets(
    tickets: Iterable[Ticket], *, now: dt.datetime | None = None
) -> dict[int, TicketInstructions]:
    """Per ticket id: its instructions and acknowledgements of their current versions (two queries).

    The tickets must have `asset` and `contact` loaded (select_related) to find their sites.
    """
    tickets = list(tickets)
    now = now or timezone.now()
    result = {t.pk: TicketInstructions(now=now) for t in tickets}
    if not tickets:
        return result
    candidates = list(_candidates(tickets))
    for ticket in tickets:
        result[ticket.pk].instructions = [i for i in candidates if applies(i, ticket)]
    if candidates:
        acks = (
            InstructionAcknowledgement._base_manager.filter(
                ticket_id__in=[t.pk for t in tickets], version__instruction_id__in=[i.pk for i in candidates]
            )
            .select_related("version", "user")
            .order_by("at")
        )
        current = {i.pk: i.version for i in candidates}
        for ack in acks:
            if current.get(ack.version.instruction_id) == ack.version.number:
                result[ack.ticket_id].acknowledged.setdefault(ack.version.instruction_id, []).append(ack)
    return result


def instructions_for_ticket(ticket: Ticket, *, now: dt.datetime | None = None) -> TicketInstructions:
    return instructions_for_tickets([ticket], now=now)[ticket.pk]


def instruction_on_ticket(ticket: Ticket, instruction_id: object) -> StandingInstruction:
    """One instruction that applies to `ticket` (the ticket was read through its access helper)."""
    for instruction in instructions_for_ticket(ticket).instructions:
        if str(instruction.pk) == str(instruction_id):
            return instruction
    raise NotFound("No such instruction on this ticket.")


def instruction_list(
    *, level: str = "", client_id: int | None = None, active: bool | None = None
) -> QuerySet[StandingInstruction]:
    """The instructions the acting scope sees, for the CRUD pages and the API (one query)."""
    queryset = StandingInstruction.objects.select_related("msp", "client", "site", "contact", "asset")
    if level:
        queryset = queryset.filter(level=level)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.order_by("client__name", "level", "title", "id")


def access_instruction(actor: object, instruction_id: object) -> StandingInstruction:
    """The instruction if the acting scope sees it, else NotFound."""
    try:
        return StandingInstruction.objects.select_related("msp", "client", "site", "contact", "asset").get(
            pk=int(str(instruction_id))
        )
    except (StandingInstruction.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such instruction.") from exc


def versions_of(instruction: StandingInstruction) -> list[InstructionVersion]:
    return list(
        InstructionVersion.objects.filter(instruction=instruction)
        .select_related("author")
        .order_by("-number")
    )
