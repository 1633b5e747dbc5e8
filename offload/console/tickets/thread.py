"""A ticket's thread as the staff page shows it: messages in full, system events in one line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from offload.servicedesk import events
from offload.servicedesk.choices import EntryKind, TicketStatus, WorkType
from offload.servicedesk.models import TicketEntry

_STATUS = dict(TicketStatus.choices)
_WORK = dict(WorkType.choices)


@dataclass
class ThreadItem:
    entry: TicketEntry
    kind: str  # reply, note, event
    author: str
    summary: str  # events only: one line saying what happened
    time: list[Any]


def _author(entry: TicketEntry) -> str:
    if entry.author_user is not None:
        return entry.author_user.get_full_name() or entry.author_user.email
    if entry.author_contact is not None:
        return entry.author_contact.full_name
    return "System"


def _status(value: Any) -> str:
    return _STATUS.get(str(value), str(value or "").replace("_", " "))


def summarize(entry: TicketEntry) -> str:
    """One line for a system event, from its code and data (never from user-controlled HTML)."""
    data = entry.data or {}
    code = entry.event
    if code == events.CREATED:
        return f"opened the ticket ({data.get('source', '')})".replace(" ()", "")
    if code == events.STATUS_CHANGED:
        before, after = data.get("from"), data.get("to")
        if isinstance(before, dict):
            before, after = before.get("status"), (after or {}).get("status")
        return f"changed status from {_status(before)} to {_status(after)}"
    if code == events.ASSIGNED:
        return "changed the assignment"
    if code == events.TIME_LOGGED:
        billable = "billable" if data.get("is_billable") else "not billable"
        return f"logged {data.get('minutes')} min ({_WORK.get(data.get('work_type', ''), '')}, {billable})"
    if code == events.ATTACHED:
        return f"attached {data.get('filename', 'a file')}"
    if code == events.WATCHER_ADDED:
        return "added a watcher"
    if code == events.FIELDS_CHANGED:
        return f"changed {', '.join(sorted(data.get('changes', data).keys()))}" if data else "changed fields"
    if code in {events.MERGED_INTO, events.MERGED_FROM, events.SPLIT_TO, events.SPLIT_FROM}:
        other = data.get("reference") or data.get("target") or data.get("source") or ""
        verb = {
            events.MERGED_INTO: "merged this ticket into",
            events.MERGED_FROM: "merged in",
            events.SPLIT_TO: "split messages off to",
            events.SPLIT_FROM: "split this ticket off",
        }[code]
        return f"{verb} {other}".strip()
    other = _OTHER_DOMAINS.get(code)
    if other is not None:
        return other(data)
    return code.removeprefix("ticket.").replace("_", " ")


_CLOCKS = {
    "first_response": "first response",
    "plan": "plan",
    "first_resolution": "first resolution",
    "resolution": "resolution",
    "update": "update",
}
_DECISIONS = {
    "in_scope": "NOC in scope",
    "needs_approval": "needs MSP approval",
    "escalate": "stays with the MSP",
}
_LEVELS = {"l1": "L1", "l2": "L2", "lead": "NOC lead", "msp": "the MSP"}


def _clock(data: dict[str, Any]) -> str:
    return _CLOCKS.get(str(data.get("clock", "")), str(data.get("clock", "")).replace("_", " "))


def _with_note(text: str, data: dict[str, Any]) -> str:
    note = str(data.get("note") or "").strip()
    return f"{text}: “{note[:140]}”" if note else text


def _routed(data: dict[str, Any]) -> str:
    if data.get("not_offered"):
        return f"kept the ticket with the MSP ({data.get('message') or data['not_offered']})"
    decision = _DECISIONS.get(str(data.get("decision", "")), str(data.get("decision", "")))
    because = data.get("because")
    return f"routed the ticket: {decision}" + (f" ({because})" if because else "")


def _triaged(verb: str) -> Any:
    def line(data: dict[str, Any]) -> str:
        parts = [str(data.get("category") or "no category")]
        if data.get("priority"):
            parts.append(str(data["priority"]).upper())
        words = ", ".join(str(w) for w in (data.get("because") or [])[:4])
        return f"{verb} {' · '.join(parts)}" + (f" (because of: {words})" if words else "")

    return line


# One line for the events the NOC, SLA and alert domains record on a ticket's timeline.
_OTHER_DOMAINS: dict[str, Any] = {
    "sla.warning": lambda d: f"SLA warning: {_clock(d)} at {d.get('percent')}% of its time",
    "sla.breached": lambda d: f"SLA breached: {_clock(d)} target missed",
    "runbook.attached": lambda d: f"attached runbook “{d.get('runbook', '')}” ({d.get('steps', '?')} steps)",
    "runbook.step_completed": lambda d: f"completed runbook step {d.get('step')}: {d.get('title', '')}",
    "runbook.completed": lambda d: f"completed runbook “{d.get('runbook', '')}”",
    "delegation.offered": lambda d: _with_note("offered the ticket to the NOC", d),
    "delegation.accepted": lambda d: "accepted the delegation",
    "delegation.declined": lambda d: _with_note("declined the delegation", d),
    "delegation.completed": lambda d: _with_note("completed the work; awaiting the MSP's review", d),
    "delegation.returned": lambda d: _with_note(
        f"returned the ticket ({str(d.get('reason', '')).replace('_', ' ')})", d
    ),
    "delegation.approved": lambda d: "approved the NOC's work",
    "delegation.rejected": lambda d: _with_note("sent the work back to the NOC", d),
    "delegation.cancelled": lambda d: _with_note("took the ticket back from the NOC", d),
    "delegation.claimed": lambda d: "claimed the ticket in the NOC queue",
    "delegation.released": lambda d: "released the ticket back to the NOC queue",
    "delegation.assigned": lambda d: "assigned the ticket to a NOC agent",
    "delegation.escalated": lambda d: _with_note(
        f"escalated from {_LEVELS.get(str(d.get('from_level')), d.get('from_level'))} "
        f"to {_LEVELS.get(str(d.get('to_level')), d.get('to_level'))}",
        d,
    ),
    "routing.decided": _routed,
    "routing.awaiting_approval": lambda d: "asked for approval before the NOC works this ticket",
    "routing.approved": lambda d: "approved sending the ticket to the NOC",
    "routing.declined": lambda d: "decided to keep the ticket with the MSP",
    "triage.suggested": _triaged("triage suggested"),
    "triage.applied": _triaged("triage filed it as"),
    "triage.awaiting_human": _triaged("triage is unsure; suggests"),
    "triage.decided": _triaged("triaged it as"),
    "instruction.acknowledged": lambda d: (
        f"acknowledged standing instruction “{d.get('title', '')}” (v{d.get('version')})"
    ),
}


# Events already visible in the thread some other way (the message itself, its time line).
_HIDDEN = {events.REPLIED, events.NOTED}


def describe_thread(entries: list[TicketEntry]) -> list[ThreadItem]:
    """The items to show, oldest first. Time logged with a message is shown on that message, so
    its `time_logged` event would only say the same thing twice."""
    on_messages = {te.pk for e in entries if e.kind != EntryKind.EVENT for te in e.time_entries.all()}
    items = []
    for entry in entries:
        if entry.kind == EntryKind.EVENT and (
            entry.event in _HIDDEN
            or (entry.event == events.TIME_LOGGED and (entry.data or {}).get("time_entry") in on_messages)
        ):
            continue
        items.append(
            ThreadItem(
                entry=entry,
                kind=entry.kind,
                author=_author(entry),
                summary=summarize(entry) if entry.kind == EntryKind.EVENT else "",
                time=list(entry.time_entries.all()),
            )
        )
    return items
