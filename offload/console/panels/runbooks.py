"""The runbook panel of the staff ticket page: the ticket's runbooks, their steps and who did them."""

from __future__ import annotations

from typing import Any

import rules
from django.http import HttpRequest

from offload.noc.services.runbooks import runbooks_on_ticket
from offload.servicedesk.models import Attachment, Ticket


def runbook_panel(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    attached = runbooks_on_ticket(ticket)
    if not attached:
        return None
    books = []
    for runbook in attached:
        done = {d.step_index: d for d in runbook.done.all()}
        steps = [{"index": i, "step": step, "done": done.get(i)} for i, step in enumerate(runbook.steps)]
        books.append({"runbook": runbook, "steps": steps, "progress": f"{len(done)}/{len(steps)}"})
    needs_files = any(s["evidence"] == "attachment" for r in attached for s in r.steps)
    files = (
        list(Attachment.objects.filter(entry__ticket=ticket).order_by("-id").only("id", "filename")[:50])
        if needs_files
        else []
    )
    return {
        "books": books,
        "files": files,
        "can_work": rules.has_perm("servicedesk.work_ticket", request.user),
        "next": request.get_full_path(),
    }
