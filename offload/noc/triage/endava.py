"""The Endava help-desk sample (../shared/data/tickets/) as labelled triage examples.

Labels are the source's anonymised integer codes. How we map them onto triage's three heads:
- category: `category` as is (8 to 9 codes in the subset).
- priority: `urgency` (0 to 3). In this file urgency 3 occurs exactly on the `ticket_type` 1 rows,
  so the priority head also learns request-vs-incident; impact is nearly a copy and is not used.
- NOC eligible: the data has no such label, so we define a stand-in scope matrix: a ticket is NOC
  eligible when it is a routine request (`ticket_type` 1) in one of the categories NOC_CATEGORIES
  (the next three by volume after the dominant category 4, which stays with the MSP). In the
  product the label comes from the MSP's scope matrix and past delegations instead.
`business_service` is set by the help desk during triage, so it is not used as an input feature.
The file has no timestamps: no time-ordered split is possible (see evaluation.time_ordered_split).
"""

from __future__ import annotations

import csv
from pathlib import Path

from offload.noc.triage.features import TicketText
from offload.noc.triage.training import Example

FILENAME = "endava_all_tickets_subset.csv"
NOC_CATEGORIES = frozenset({"5", "6", "7"})


def is_noc_eligible(*, category: str, ticket_type: str) -> bool:
    """The stand-in scope matrix: routine requests in NOC_CATEGORIES."""
    return ticket_type == "1" and category in NOC_CATEGORIES


def load_endava(path: Path) -> list[Example]:
    """Read the CSV (a file, or the folder that holds it) in file order."""
    if path.is_dir():
        path = path / FILENAME
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(
                ticket=TicketText(subject=row["title"], body=row["body"]),
                labels={
                    "category": row["category"],
                    "priority": row["urgency"],
                    "noc_eligible": "yes"
                    if is_noc_eligible(category=row["category"], ticket_type=row["ticket_type"])
                    else "no",
                },
            )
            for row in csv.DictReader(handle)
        ]
