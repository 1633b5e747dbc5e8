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
    return code.removeprefix("ticket.").replace("_", " ")


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
