"""Who is looking at a portal: one of the MSP's client people, staff, or somebody else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from offload.accounts.models import Membership
from offload.accounts.scopes import scope_for_membership
from offload.tenancy.models import Brand
from offload.tenancy.scoping import NOBODY, Scope


class VisitorKind(StrEnum):
    ANONYMOUS = "anonymous"
    # A client admin or client user at one of this brand's MSP's clients.
    CLIENT = "client"
    # Provider or MSP staff: they work in the console, not in a portal.
    STAFF = "staff"
    # Signed in, but a client of another MSP (or of no MSP at all): this portal is not theirs.
    OUTSIDER = "outsider"


@dataclass(frozen=True)
class Visitor:
    """A portal visitor; for a client, the membership and scope they use this portal with."""

    kind: VisitorKind
    membership: Membership | None = None
    scope: Scope = NOBODY


ANONYMOUS_VISITOR = Visitor(kind=VisitorKind.ANONYMOUS)


def visitor_for_memberships(memberships: Iterable[Membership], *, brand: Brand) -> Visitor:
    """Classify a signed-in person for `brand`'s portal by their active memberships."""
    memberships = list(memberships)
    for membership in memberships:
        if membership.is_client and membership.msp_id == brand.msp_id:
            scope = scope_for_membership(membership)
            # An inactive contact resolves to no scope: such a person may not use the portal.
            if scope.kind == "client":
                return Visitor(kind=VisitorKind.CLIENT, membership=membership, scope=scope)
    if any(m.is_provider_staff or m.is_msp_staff for m in memberships):
        return Visitor(kind=VisitorKind.STAFF)
    return Visitor(kind=VisitorKind.OUTSIDER)
