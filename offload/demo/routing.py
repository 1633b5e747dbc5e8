"""The demo scope matrix of each MSP: routine work to the NOC, server changes with approval,
projects always with the MSP. Saved as a new version only when the rules differ from the current
one, so loading twice changes nothing. (Triage models are trained from closed tickets with
`offload triage train`; the demo's few weeks of tickets are not enough history to be useful.)
"""

from __future__ import annotations

from offload.noc.models import ScopeDecision, ScopeMatrix, ScopeRule
from offload.noc.services.scope import Draft, RuleSpec, save_scope_matrix
from offload.servicedesk.models import Category
from offload.tenancy.models import MSP

IN, ASK, OUT = ScopeDecision.IN_SCOPE, ScopeDecision.NEEDS_APPROVAL, ScopeDecision.ESCALATE
MATRIX = (
    ("Accounts / Password reset", IN),
    ("Printing", IN),
    ("Network / Wi-Fi", IN),
    ("Patching", IN),
    ("Backups", IN),
    ("Servers", ASK),
    ("Projects", OUT),
)
DEFAULT = OUT


def _category(msp: MSP, path: str) -> Category:
    """The MSP's category at `path`, created with its parents when missing (as the demo desk does)."""
    found = Category.objects.filter(msp=msp, path=path).first()
    if found is not None:
        return found
    parent_path, _, name = path.rpartition(" / ")
    parent = _category(msp, parent_path) if parent_path else None
    return Category.objects.create(msp=msp, name=name or path, path=path, parent=parent)


def load_routing(*, msp: MSP) -> str:
    """Save the demo scope matrix for `msp` unless its current version already says the same."""
    wanted = {(_category(msp, path).pk, ""): decision for path, decision in MATRIX}
    matrix = (
        ScopeMatrix.objects.filter(msp=msp, client__isnull=True).select_related("current_version").first()
    )
    if matrix is not None and matrix.current_version is not None:
        current = {
            (r.category_id, r.asset_kind): r.decision
            for r in ScopeRule.objects.filter(version_id=matrix.current_version_id)
        }
        if current == wanted and matrix.current_version.default_decision == DEFAULT:
            return f"{msp.name}: scope matrix v{matrix.current_version.number} unchanged"
    version = save_scope_matrix(
        actor=None,
        msp_id=msp.pk,
        draft=Draft(
            client_id=None,
            rules=[RuleSpec(category_id, kind, decision) for (category_id, kind), decision in wanted.items()],
            default_decision=DEFAULT,
        ),
        note="Demo: routine work to the NOC, server changes with approval, projects stay with us",
    )
    return f"{msp.name}: scope matrix v{version.number}"
