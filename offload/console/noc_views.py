"""The NOC console: one queue across every MSP served, claim/release/escalate, agents and skills.

Provider staff only. Every list is a fixed number of queries (see offload.noc.selectors.dispatch);
writes go through offload.noc.services.dispatch, whose DomainError codes are shown unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from offload.accounts.choices import Role
from offload.accounts.models import Membership
from offload.console.panels import instructions as instruction_panel
from offload.core.businesstime import Calendar
from offload.core.errors import DomainError, NotFound
from offload.noc.choices import DelegationLevel
from offload.noc.models import AgentLevel, AgentProfile, InstructionLevel, Skill, StandingInstruction
from offload.noc.models.agents import DEFAULT_SHIFT
from offload.noc.selectors import dispatch as queue
from offload.noc.selectors import instructions as instruction_selectors
from offload.noc.services import dispatch
from offload.noc.services import instructions as instruction_services
from offload.servicedesk.access import access_ticket
from offload.tenancy.models import Asset, Client, Contact, Site

LEAD_ROLES = frozenset({Role.NOC_LEAD, Role.PROVIDER_ADMIN})
SHOW_CHOICES = [("", "All open"), ("mine", "Mine"), ("unclaimed", "Unclaimed")]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _provider_staff(request: HttpRequest) -> Membership:
    membership = request.acting.membership  # type: ignore[attr-defined]
    if membership is None or not membership.is_provider_staff or membership.provider_id is None:
        raise PermissionDenied("For provider staff.")
    return membership


def _provider_of(membership: Membership) -> int:
    assert membership.provider_id is not None  # _provider_staff checked it
    return membership.provider_id


def _is_lead(membership: Membership) -> bool:
    return membership.role in LEAD_ROLES


def _filters(request: HttpRequest) -> queue.QueueFilters:
    show = request.GET.get("show", "")
    msp = request.GET.get("msp", "")
    level = request.GET.get("level", "")
    return queue.QueueFilters(
        show=show if show in {"mine", "unclaimed"} else "",
        msp_id=int(msp) if msp.isdigit() and len(msp) < 12 else None,
        level=level if level in DelegationLevel.values else "",
    )


@login_required
def noc_queue(request: HttpRequest) -> HttpResponse:
    """The queue: open delegations of every MSP served, most urgent first, with filters."""
    membership = _provider_staff(request)
    filters = _filters(request)
    items = queue.noc_queue(actor_id=request.user.pk, filters=filters)
    msps = queue.served_msps()
    context: dict[str, Any] = {
        "items": items,
        "total": queue.queue_count(actor_id=request.user.pk, filters=filters),
        "filters": filters,
        "show_choices": SHOW_CHOICES,
        "level_choices": DelegationLevel.choices,
        "msps": msps,
        "is_lead": _is_lead(membership),
        "can_work": membership.role in {Role.NOC_AGENT, Role.NOC_LEAD},
        "query": request.GET.urlencode(),
        "now": timezone.now(),
    }
    return render(request, "console/noc/queue.html", context)


def _after_action(request: HttpRequest, delegation_id: int, error: str = "") -> HttpResponse:
    """htmx: the refreshed row (with the refusal, if any); otherwise back to the queue."""
    if request.headers.get("HX-Request"):
        membership = _provider_staff(request)
        items = queue.noc_queue(
            actor_id=request.user.pk, filters=queue.QueueFilters(delegation_id=delegation_id)
        )
        context = {
            "item": items[0] if items else None,
            "is_lead": _is_lead(membership),
            "can_work": membership.role in {Role.NOC_AGENT, Role.NOC_LEAD},
            "now": timezone.now(),
            "query": request.POST.get("query", ""),
            "error": error,
        }
        return render(request, "console/noc/_row.html", context)
    query = request.POST.get("query", "")
    return redirect(f"{reverse('noc_queue')}{'?' + query if query else ''}")


def _act(request: HttpRequest, delegation_id: int, action: Any, done: str, **kwargs: Any) -> HttpResponse:
    _provider_staff(request)
    try:
        action(actor=request.user, delegation_id=delegation_id, **kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        if request.headers.get("HX-Request"):
            return _after_action(request, delegation_id, error=exc.message)
        messages.error(request, exc.message)
        return _after_action(request, delegation_id)
    if not request.headers.get("HX-Request"):
        messages.success(request, done)
    return _after_action(request, delegation_id)


@login_required
@require_POST
def claim(request: HttpRequest, delegation_id: int) -> HttpResponse:
    return _act(request, delegation_id, dispatch.claim_delegation, "Claimed: it is yours now.")


@login_required
@require_POST
def release(request: HttpRequest, delegation_id: int) -> HttpResponse:
    return _act(request, delegation_id, dispatch.release_delegation, "Released back to the queue.")


@login_required
@require_POST
def escalate(request: HttpRequest, delegation_id: int) -> HttpResponse:
    note = request.POST.get("note", "")[:4000]
    return _act(
        request, delegation_id, dispatch.escalate_delegation, "Escalated with your handoff note.", note=note
    )


@login_required
@require_POST
def assign_next(request: HttpRequest) -> HttpResponse:
    """A lead pushes the most urgent unclaimed item to the best agent on shift."""
    _provider_staff(request)
    try:
        run = dispatch.assign_next(actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if run.assigned:
            messages.success(request, "Assigned the most urgent unclaimed item.")
        else:
            messages.info(request, "Nothing to assign: no unclaimed work, or no agent on shift with room.")
    return redirect("noc_queue")


# --- agents ---------------------------------------------------------------------------------------


@login_required
def agents(request: HttpRequest) -> HttpResponse:
    """The provider's staff: level, skills, shift, capacity and current load."""
    membership = _provider_staff(request)
    context = {
        "agents": queue.agent_rows(_provider_of(membership)),
        "skills": queue.provider_skills(_provider_of(membership)),
        "is_lead": _is_lead(membership),
        "skill_form": SkillForm(),
    }
    return render(request, "console/noc/agents.html", context)


class SkillForm(forms.Form):
    name = forms.CharField(max_length=100)
    category_paths = forms.CharField(
        required=False,
        label="Categories",
        max_length=1000,
        help_text="Category path prefixes, comma-separated (e.g. Email, Network / Firewall).",
    )

    def paths(self) -> list[str]:
        raw = self.cleaned_data.get("category_paths", "")
        return [p.strip() for p in raw.split(",") if p.strip()][:50]


def _require_lead(request: HttpRequest) -> Membership:
    membership = _provider_staff(request)
    if not _is_lead(membership):
        raise PermissionDenied("For NOC leads and provider admins.")
    return membership


@login_required
@require_POST
def skill_create(request: HttpRequest) -> HttpResponse:
    membership = _require_lead(request)
    form = SkillForm(request.POST)
    if form.is_valid():
        Skill.objects.update_or_create(
            provider_id=_provider_of(membership),
            name=form.cleaned_data["name"].strip(),
            defaults={"category_paths": form.paths()},
        )
        messages.success(request, "Skill saved.")
    else:
        messages.error(request, "A skill needs a name.")
    return redirect("agents")


@login_required
@require_POST
def skill_delete(request: HttpRequest, skill_id: int) -> HttpResponse:
    membership = _require_lead(request)
    deleted, _ = Skill.objects.filter(provider_id=_provider_of(membership), pk=skill_id).delete()
    if not deleted:
        raise Http404("No such skill.")
    messages.success(request, "Skill removed.")
    return redirect("agents")


class AgentForm(forms.Form):
    level = forms.ChoiceField(choices=AgentLevel.choices)
    capacity = forms.IntegerField(min_value=0, max_value=200, help_text="Most open items held at once.")
    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    zone = forms.CharField(
        max_length=64, initial="UTC", help_text="IANA zone of the shift, e.g. Europe/Berlin."
    )
    always_on = forms.BooleanField(required=False, label="Around the clock (24x7)")
    days = forms.MultipleChoiceField(
        choices=[(d, d.title()) for d in DAYS], required=False, widget=forms.CheckboxSelectMultiple
    )
    start = forms.TimeField(
        required=False, label="Shift starts", widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(required=False, label="Shift ends", widget=forms.TimeInput(attrs={"type": "time"}))
    is_active = forms.BooleanField(required=False, label="Takes work (auto-assignment)")

    def __init__(self, *args: Any, provider_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skills: Any = self.fields["skills"]
        skills.queryset = Skill.objects.filter(provider_id=provider_id).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["shift"] = self._shift(data)
        except (ValueError, KeyError) as exc:
            raise forms.ValidationError(f"That shift is not a valid calendar: {exc}") from exc
        return data

    @staticmethod
    def _shift(data: dict[str, Any]) -> dict[str, Any]:
        zone = (data.get("zone") or "UTC").strip()
        if data.get("always_on"):
            return Calendar.twenty_four_seven(zone).to_spec()
        start: dt.time | None = data.get("start")
        end: dt.time | None = data.get("end")
        days = data.get("days") or []
        if not days or start is None or end is None:
            raise ValueError("choose days, a start and an end (or around the clock)")
        frame = (start.strftime("%H:%M"), end.strftime("%H:%M"))
        return Calendar.workdays(zone, frame, days=[DAYS.index(d) for d in days]).to_spec()


def _initial(profile: AgentProfile | None) -> dict[str, Any]:
    spec = (profile.shift if profile else None) or DEFAULT_SHIFT
    week = spec.get("week", {})
    first = next(iter(week.values()), [["08:00", "18:00"]])[0]
    return {
        "level": profile.level if profile else AgentLevel.L1,
        "capacity": profile.capacity if profile else 8,
        "skills": list(profile.skills.all()) if profile else [],
        "zone": spec.get("zone", "UTC"),
        "always_on": bool(spec.get("always_open")),
        "days": list(week) or DAYS[:5],
        "start": first[0],
        "end": first[1],
        "is_active": profile.is_active if profile else True,
    }


@login_required
def agent_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    """A lead sets an agent's level, skills, shift and capacity."""
    lead = _require_lead(request)
    member = (
        Membership.objects.filter(
            pk=membership_id,
            provider_id=_provider_of(lead),
            is_active=True,
            role__in=[Role.NOC_AGENT, Role.NOC_LEAD],
        )
        .select_related("user")
        .first()
    )
    if member is None:
        raise Http404("No such agent.")
    profile = AgentProfile.objects.filter(provider_id=_provider_of(lead), user_id=member.user_id).first()
    form = AgentForm(request.POST or None, provider_id=_provider_of(lead), initial=_initial(profile))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile, _ = AgentProfile.objects.update_or_create(
            provider_id=_provider_of(lead),
            user_id=member.user_id,
            defaults={
                "level": data["level"],
                "capacity": data["capacity"],
                "shift": data["shift"],
                "is_active": data["is_active"],
            },
        )
        profile.skills.set(data["skills"])
        messages.success(request, f"Saved {member.user}'s dispatch profile.")
        return redirect("agents")
    context = {"form": form, "member": member, "title": f"Dispatch profile · {member.user}"}
    return render(request, "console/noc/agent_form.html", context)


# --- standing instructions ------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Membership:
    membership = request.acting.membership  # type: ignore[attr-defined]
    if membership is None or not (membership.is_provider_staff or membership.is_msp_staff):
        raise PermissionDenied("For staff.")
    return membership


def _editor(request: HttpRequest) -> Membership:
    membership = _staff(request)
    if not instruction_services.can_edit(request.user):  # type: ignore[arg-type]
        raise PermissionDenied("Only the MSP's staff write standing instructions.")
    return membership


class InstructionForm(forms.Form):
    """Title, text and flags of an instruction (targets are chosen by `TargetForm`)."""

    title = forms.CharField(max_length=200)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)
    is_vip = forms.BooleanField(required=False, label="VIP: handle with priority and care")
    no_reboot_start = forms.TimeField(
        required=False, label="No reboots from", widget=forms.TimeInput(attrs={"type": "time"})
    )
    no_reboot_end = forms.TimeField(
        required=False, label="until", widget=forms.TimeInput(attrs={"type": "time"})
    )
    no_reboot_zone = forms.CharField(
        required=False, max_length=64, label="Time zone of the window", help_text="e.g. Europe/Berlin"
    )
    call_before_onsite_name = forms.CharField(required=False, max_length=200, label="Call before onsite work")
    call_before_onsite_phone = forms.CharField(required=False, max_length=40, label="Their phone")
    approval_from = forms.CharField(required=False, max_length=200, label="Changes need approval from")

    def flags(self) -> instruction_services.InstructionFlags:
        data = self.cleaned_data
        return instruction_services.InstructionFlags(
            is_vip=data["is_vip"],
            no_reboot_start=data["no_reboot_start"],
            no_reboot_end=data["no_reboot_end"],
            no_reboot_zone=data["no_reboot_zone"],
            call_before_onsite_name=data["call_before_onsite_name"],
            call_before_onsite_phone=data["call_before_onsite_phone"],
            approval_from=data["approval_from"],
        )


class TargetForm(forms.Form):
    """Where a new instruction applies: nothing chosen = the whole MSP; a client, then optionally one
    of its sites, contacts or assets (the lists are that client's only). The class-level querysets
    are empty placeholders (no scope is active at import); __init__ sets the scoped ones."""

    client = forms.ModelChoiceField(
        queryset=Client._base_manager.none(), required=False, empty_label="Whole MSP"
    )
    site = forms.ModelChoiceField(queryset=Site._base_manager.none(), required=False, empty_label="—")
    contact = forms.ModelChoiceField(queryset=Contact._base_manager.none(), required=False, empty_label="—")
    asset = forms.ModelChoiceField(queryset=Asset._base_manager.none(), required=False, empty_label="—")

    def __init__(self, *args: Any, client_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = dict(self.fields)
        fields["client"].queryset = Client.objects.filter(is_active=True).order_by("name")
        if client_id is not None:
            fields["site"].queryset = Site.objects.filter(client_id=client_id).order_by("name")
            contacts = Contact.objects.filter(client_id=client_id, is_active=True)
            fields["contact"].queryset = contacts.order_by("first_name", "last_name")
            assets = Asset.objects.filter(client_id=client_id, is_active=True)
            fields["asset"].queryset = assets.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [k for k in ("site", "contact", "asset") if data.get(k)]
        if len(chosen) > 1:
            raise forms.ValidationError("Choose one site, contact or asset (or none for the whole client).")
        if chosen and not data.get("client"):
            raise forms.ValidationError("Choose the client first.")
        return data

    def target(self) -> instruction_services.Target:
        data = self.cleaned_data
        return instruction_services.Target(
            client=data.get("client"),
            site=data.get("site"),
            contact=data.get("contact"),
            asset=data.get("asset"),
        )


def _digits(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@login_required
def instruction_list(request: HttpRequest) -> HttpResponse:
    """Every standing instruction the actor sees (MSP staff write, NOC staff read)."""
    _staff(request)
    level = request.GET.get("level", "")
    rows = instruction_selectors.instruction_list(
        level=level if level in InstructionLevel.values else "",
        client_id=_digits(request.GET.get("client")),
    )[:500]
    context = {
        "instructions": list(rows),
        "can_edit": instruction_services.can_edit(request.user),  # type: ignore[arg-type]
        "levels": InstructionLevel.choices,
        "level": level,
    }
    return render(request, "console/noc/instruction_list.html", context)


@login_required
def instruction_create(request: HttpRequest) -> HttpResponse:
    _editor(request)
    source = request.POST if request.method == "POST" else request.GET
    client_id = _digits(source.get("client"))
    targets = TargetForm(source or None, client_id=client_id)
    choosing = "choose" in request.POST
    form = InstructionForm(initial=request.POST.dict()) if choosing else InstructionForm(request.POST or None)
    if request.method == "POST" and not choosing and targets.is_valid() and form.is_valid():
        try:
            instruction = instruction_services.create_instruction(
                actor=request.user,  # type: ignore[arg-type]
                target=targets.target(),
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                flags=form.flags(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Standing instruction saved.")
            return redirect("noc_instruction_detail", instruction.pk)
    context = {"form": form, "targets": targets, "title": "New standing instruction", "client_id": client_id}
    return render(request, "console/noc/instruction_form.html", context)


@login_required
def instruction_detail(request: HttpRequest, instruction_id: int) -> HttpResponse:
    _staff(request)
    instruction = _instruction(request, instruction_id)
    context = {
        "instruction": instruction,
        "versions": instruction_selectors.versions_of(instruction),
        "can_edit": instruction_services.can_edit(request.user),  # type: ignore[arg-type]
        "window_open": instruction_selectors.no_reboot_now(instruction),
    }
    return render(request, "console/noc/instruction_detail.html", context)


def _instruction(request: HttpRequest, instruction_id: int) -> StandingInstruction:
    try:
        return instruction_selectors.access_instruction(request.user, instruction_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def instruction_edit(request: HttpRequest, instruction_id: int) -> HttpResponse:
    """Change an instruction: a real change is a new version (the history keeps the old ones)."""
    _editor(request)
    instruction = _instruction(request, instruction_id)
    initial = {
        "title": instruction.title,
        "text": instruction.text,
        **asdict(instruction_services.flags_of(instruction)),
    }
    form = InstructionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = instruction_services.update_instruction(
                actor=request.user,  # type: ignore[arg-type]
                instruction=instruction,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                flags=form.flags(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            changed = updated.version != instruction.version
            messages.success(
                request, f"Saved as version {updated.version}." if changed else "Nothing changed."
            )
            return redirect("noc_instruction_detail", instruction.pk)
    context = {"form": form, "instruction": instruction, "title": f"Edit · {instruction.title}"}
    return render(request, "console/noc/instruction_form.html", context)


@login_required
@require_POST
def instruction_set_active(request: HttpRequest, instruction_id: int) -> HttpResponse:
    _editor(request)
    instruction = _instruction(request, instruction_id)
    is_active = request.POST.get("is_active") == "1"
    instruction_services.set_instruction_active(
        actor=request.user,  # type: ignore[arg-type]
        instruction=instruction,
        is_active=is_active,
    )
    messages.success(request, "Instruction active again." if is_active else "Instruction retired.")
    return redirect("noc_instruction_detail", instruction.pk)


@login_required
@require_POST
def instruction_acknowledge(request: HttpRequest, ticket_id: int, instruction_id: int) -> HttpResponse:
    """The ticket panel's "Acknowledge" button: records the actor read the current version."""
    _staff(request)
    try:
        ticket = access_ticket(request.user, ticket_id)
        instruction = instruction_selectors.instruction_on_ticket(ticket, instruction_id)
        instruction_services.acknowledge_instruction(
            actor=request.user,  # type: ignore[arg-type]
            instruction=instruction,
            ticket=ticket,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.headers.get("HX-Request"):
        context = instruction_panel.panel_context(request, ticket) or {"panel": None}
        return render(request, "console/panels/_instructions.html", {"ticket": ticket, **context})
    return redirect("tickets:detail", ticket.reference)
