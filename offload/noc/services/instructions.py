"""Standing instructions: written by the MSP's staff, versioned on every change, acknowledged by agents.

An edit that changes nothing writes nothing; an edit that changes the title, text or a flag writes
a new `InstructionVersion` (who, when, what) and moves the instruction to it, so an agent's earlier
acknowledgement no longer counts and the ticket shows "not acknowledged" again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import timezone

from offload.accounts.choices import MSP_ROLES, PROVIDER_ROLES, Role
from offload.accounts.models import User
from offload.core.errors import DomainError, PermissionDenied
from offload.noc.models import (
    InstructionAcknowledgement,
    InstructionLevel,
    InstructionVersion,
    StandingInstruction,
)
from offload.noc.selectors.instructions import applies
from offload.servicedesk import events
from offload.servicedesk.models import Ticket
from offload.servicedesk.rules import acting_role
from offload.tenancy.models import Asset, Client, Contact, Site
from offload.tenancy.scoping import current_scope

ACKNOWLEDGED = "instruction.acknowledged"
EDITOR_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN})
READER_ROLES = MSP_ROLES | PROVIDER_ROLES
ACKNOWLEDGER_ROLES = frozenset(
    {Role.NOC_AGENT, Role.NOC_LEAD, Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.MSP_OWNER}
)
TEXT_LIMIT = 10_000


@dataclass(frozen=True)
class InstructionFlags:
    """The structured part of an instruction: what the console shows as badges."""

    is_vip: bool = False
    no_reboot_start: dt.time | None = None
    no_reboot_end: dt.time | None = None
    no_reboot_zone: str = ""
    call_before_onsite_name: str = ""
    call_before_onsite_phone: str = ""
    approval_from: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("no_reboot_start", "no_reboot_end"):
            data[key] = data[key].strftime("%H:%M") if data[key] else None
        return data


@dataclass(frozen=True)
class Target:
    """Where an instruction applies: nothing (the whole MSP) or one client, site, contact or asset."""

    client: Client | None = None
    site: Site | None = None
    contact: Contact | None = None
    asset: Asset | None = None

    @property
    def level(self) -> InstructionLevel:
        for name in ("asset", "contact", "site"):
            if getattr(self, name) is not None:
                return InstructionLevel(name)
        return InstructionLevel.CLIENT if self.client is not None else InstructionLevel.MSP


def can_edit(actor: User | None) -> bool:
    return acting_role(actor) in EDITOR_ROLES


def can_read(actor: User | None) -> bool:
    return acting_role(actor) in READER_ROLES


def _require_editor(actor: User) -> None:
    if not can_edit(actor):
        raise PermissionDenied("Only the MSP's staff write standing instructions.")


def _clean_flags(flags: InstructionFlags) -> InstructionFlags:
    if (flags.no_reboot_start is None) != (flags.no_reboot_end is None):
        raise DomainError(
            "A no-reboot window needs a start and an end.", code="incomplete_window", field="no_reboot_end"
        )
    if flags.no_reboot_start is not None and flags.no_reboot_start == flags.no_reboot_end:
        raise DomainError("The no-reboot window is empty.", code="empty_window", field="no_reboot_end")
    zone = flags.no_reboot_zone.strip()
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise DomainError(
                f"Unknown time zone {zone!r}.", code="invalid_zone", field="no_reboot_zone"
            ) from exc
    return InstructionFlags(
        is_vip=flags.is_vip,
        no_reboot_start=flags.no_reboot_start,
        no_reboot_end=flags.no_reboot_end,
        no_reboot_zone=zone if flags.no_reboot_start is not None else "",
        call_before_onsite_name=flags.call_before_onsite_name.strip()[:200],
        call_before_onsite_phone=flags.call_before_onsite_phone.strip()[:40],
        approval_from=flags.approval_from.strip()[:200],
    )


def _target_msp(target: Target) -> int | None:
    """The MSP the target rows belong to; refuses rows of two clients (a forged id joining tenants)."""
    rows = [r for r in (target.client, target.site, target.contact, target.asset) if r is not None]
    if not rows:
        return None
    client_ids = {getattr(r, "client_id", None) or r.pk for r in rows if r is not None}
    if target.client is not None:
        client_ids.add(target.client.pk)
    if len(client_ids) > 1 or len({r.msp_id for r in rows}) > 1:
        raise DomainError("The target belongs to another client.", code="foreign_reference", field="client")
    return rows[0].msp_id


def _write_version(
    instruction: StandingInstruction, actor: User | None, flags: InstructionFlags
) -> InstructionVersion:
    return InstructionVersion.objects.create(
        msp_id=instruction.msp_id,
        instruction=instruction,
        number=instruction.version,
        title=instruction.title,
        text=instruction.text,
        flags=flags.as_json(),
        author=actor if getattr(actor, "pk", None) else None,
        created_at=timezone.now(),
    )


def _apply(instruction: StandingInstruction, title: str, text: str, flags: InstructionFlags) -> None:
    instruction.title = title
    instruction.text = text
    for key, value in asdict(flags).items():
        setattr(instruction, key, value)


def _clean_text(title: str, text: str) -> tuple[str, str]:
    title = title.strip()[:200]
    if not title:
        raise DomainError("Give the instruction a title.", code="title_required", field="title")
    text = text.strip()
    if len(text) > TEXT_LIMIT:
        raise DomainError(f"At most {TEXT_LIMIT} characters.", code="too_long", field="text")
    return title, text


def create_instruction(
    *,
    actor: User,
    msp_id: int | None = None,
    target: Target,
    title: str,
    text: str = "",
    flags: InstructionFlags | None = None,
) -> StandingInstruction:
    """A new instruction at the target's level, with its first version."""
    _require_editor(actor)
    title, text = _clean_text(title, text)
    flags = _clean_flags(flags or InstructionFlags())
    owner = _target_msp(target)
    scope = current_scope()
    msp = owner or msp_id or (next(iter(scope.msp_ids)) if len(scope.msp_ids) == 1 else None)
    if msp is None or not scope.sees_msp(msp):
        raise DomainError("Choose the MSP the instruction belongs to.", code="msp_required", field="msp")
    client = target.client
    if client is None:
        for row in (target.site, target.contact, target.asset):
            if row is not None:
                client = row.client
    instruction = StandingInstruction(
        msp_id=msp,
        level=target.level,
        client=client,
        site=target.site,
        contact=target.contact,
        asset=target.asset,
        version=1,
    )
    _apply(instruction, title, text, flags)
    with transaction.atomic():
        instruction.save(force_insert=True)
        _write_version(instruction, actor, flags)
    return instruction


def flags_of(instruction: StandingInstruction) -> InstructionFlags:
    return InstructionFlags(
        is_vip=instruction.is_vip,
        no_reboot_start=instruction.no_reboot_start,
        no_reboot_end=instruction.no_reboot_end,
        no_reboot_zone=instruction.no_reboot_zone,
        call_before_onsite_name=instruction.call_before_onsite_name,
        call_before_onsite_phone=instruction.call_before_onsite_phone,
        approval_from=instruction.approval_from,
    )


def update_instruction(
    *,
    actor: User,
    instruction: StandingInstruction,
    title: str,
    text: str,
    flags: InstructionFlags,
) -> StandingInstruction:
    """Change the title, text or flags: a new version when anything differs (nothing written otherwise)."""
    _require_editor(actor)
    title, text = _clean_text(title, text)
    flags = _clean_flags(flags)
    with transaction.atomic():
        locked = StandingInstruction.objects.select_for_update(of=("self",)).get(pk=instruction.pk)
        if (locked.title, locked.text, flags_of(locked)) == (title, text, flags):
            return locked
        _apply(locked, title, text, flags)
        locked.version += 1
        locked.save()
        _write_version(locked, actor, flags)
    return locked


def set_instruction_active(
    *, actor: User, instruction: StandingInstruction, is_active: bool
) -> StandingInstruction:
    """Retire an instruction (it stops showing on tickets) or bring it back; its versions stay."""
    _require_editor(actor)
    instruction.is_active = is_active
    instruction.save(update_fields=["is_active", "updated_at"])
    return instruction


def acknowledge_instruction(
    *, actor: User, instruction: StandingInstruction, ticket: Ticket
) -> InstructionAcknowledgement:
    """Record that the actor read the instruction's current version on `ticket` (once per version)."""
    if acting_role(actor) not in ACKNOWLEDGER_ROLES:
        raise PermissionDenied("Only staff working the ticket acknowledge its instructions.")
    if not applies(instruction, ticket):
        raise DomainError(
            "This instruction does not apply to the ticket.", code="not_applicable", field="instruction"
        )
    # The instruction came from the ticket's applicable set, which the caller was allowed to read.
    version = InstructionVersion._base_manager.get(instruction=instruction, number=instruction.version)
    existing = InstructionAcknowledgement.objects.filter(version=version, ticket=ticket, user=actor).first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            ack = InstructionAcknowledgement.objects.create(
                msp_id=ticket.msp_id, version=version, ticket=ticket, user=actor, at=now
            )
            events.record_event(
                ticket=ticket,
                actor=actor,
                event=ACKNOWLEDGED,
                data={"instruction": instruction.pk, "version": version.number, "title": version.title},
                at=now,
            )
    except IntegrityError:  # a double click: the first one counts
        return InstructionAcknowledgement.objects.get(version=version, ticket=ticket, user=actor)
    return ack
