"""The demo NOC's dispatch profiles and each MSP's standing instructions.

Idempotent: skills by name, profiles by (provider, user), instructions by (MSP, title); an
instruction is written with its first version and left alone afterwards (edits in the demo make
new versions, which a reload must not undo).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from offload.accounts.choices import Role
from offload.accounts.models import Membership
from offload.core.businesstime import Calendar
from offload.noc.models import AgentProfile, InstructionVersion, Skill, StandingInstruction
from offload.noc.services.instructions import flags_of
from offload.tenancy.models import MSP, Client, Contact, Provider

# (name, category path prefixes) of the NOC's skills, matched to the demo categories.
SKILLS = (
    ("Identity & Microsoft 365", ["Accounts", "Software / Microsoft 365"]),
    ("Networking", ["Network"]),
    ("Endpoints & printing", ["Hardware", "Printing", "Software"]),
    ("Servers & backups", ["Servers", "Backups", "Patching"]),
)
# Per NOC person, by position (lead first, then the agents): level, skills, shift, capacity.
PROFILES = (
    ("lead", [0, 1, 3], Calendar.workdays("Europe/Berlin", ("08:00", "17:00")), 6),
    ("l1", [0, 2], Calendar.workdays("Europe/Berlin", ("07:00", "15:30")), 10),
    ("l2", [1, 3], Calendar.workdays("Europe/Berlin", ("12:00", "20:30")), 8),
    ("l1", [0, 1, 2], Calendar.twenty_four_seven("Europe/Berlin"), 10),
)


def load_agent_profiles(*, provider: Provider) -> str:
    """Skills and dispatch profiles for the provider's NOC lead and agents."""
    skills = []
    for name, paths in SKILLS:
        skill, _ = Skill.objects.update_or_create(
            provider=provider, name=name, defaults={"category_paths": paths}
        )
        skills.append(skill)
    people = list(
        Membership.objects.filter(provider=provider, role__in=[Role.NOC_LEAD, Role.NOC_AGENT], is_active=True)
        .order_by("role", "id")  # noc_agent < noc_lead: put the lead first below
        .select_related("user")
    )
    people.sort(key=lambda m: (m.role != Role.NOC_LEAD, m.id))
    for membership, (level, skill_numbers, shift, capacity) in zip(people, PROFILES, strict=False):
        profile, _ = AgentProfile.objects.get_or_create(
            provider=provider,
            user=membership.user,
            defaults={"level": level, "shift": shift.to_spec(), "capacity": capacity},
        )
        if not profile.skills.exists():
            profile.skills.set([skills[n] for n in skill_numbers])
    return f"NOC dispatch: {len(skills)} skills, {min(len(people), len(PROFILES))} agent profiles"


def _instruction(msp: MSP, title: str, **fields: object) -> bool:
    if StandingInstruction.objects.filter(msp=msp, title=title).exists():
        return False
    instruction = StandingInstruction.objects.create(msp=msp, title=title, version=1, **fields)
    InstructionVersion.objects.create(
        msp=msp,
        instruction=instruction,
        number=1,
        title=instruction.title,
        text=instruction.text,
        flags=flags_of(instruction).as_json(),
        created_at=timezone.now(),
    )
    return True


def load_instructions(*, msp: MSP, clients: list[Client]) -> str:
    """An MSP-wide rule, a VIP contact and a no-reboot window for the first client."""
    first = clients[0]
    made = 0
    made += _instruction(
        msp,
        "Sign every reply with the service desk's name",
        level="msp",
        text="Replies go out in our brand: never mention the NOC or the provider to end users.",
    )
    made += _instruction(
        msp,
        f"No reboots at {first.name} during business hours",
        level="client",
        client=first,
        text="Production runs 07:00-19:00. Schedule reboots after 19:00 or ask the approver.",
        no_reboot_start=datetime.time(7),
        no_reboot_end=datetime.time(19),
        no_reboot_zone=msp.time_zone,
        approval_from=f"{first.name} IT coordinator",
    )
    vip = Contact.objects.filter(client=first, is_active=True).order_by("id").first()
    if vip is not None:
        made += _instruction(
            msp,
            f"VIP: {vip.first_name} {vip.last_name}".strip(),
            level="contact",
            client=first,
            contact=vip,
            text="Managing director. Answer within the hour; call before touching their laptop.",
            is_vip=True,
            call_before_onsite_name=f"{vip.first_name} {vip.last_name}".strip(),
            call_before_onsite_phone=vip.phone or vip.mobile,
        )
    return f"{msp.name}: {made} standing instructions added"
