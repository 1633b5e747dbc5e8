"""The API's view of the caller: who they are and through which membership they act."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from offload.accounts.models import Membership
from offload.core.api.errors import with_errors

router = Router(tags=["me"])


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str


class OrganizationOut(Schema):
    kind: str  # "provider", "msp" or "client"
    id: int
    name: str


class MembershipOut(Schema):
    id: int
    role: str
    role_label: str
    organization: OrganizationOut


class MeOut(Schema):
    user: UserOut
    membership: MembershipOut | None
    memberships: list[MembershipOut]


def _organization(membership: Membership) -> dict[str, Any]:
    # Related rows are read through the base manager: the membership itself says they are the user's.
    if membership.provider is not None:
        return {"kind": "provider", "id": membership.provider.pk, "name": membership.provider.name}
    if membership.contact is not None:
        client = membership.contact.client
        return {"kind": "client", "id": client.pk, "name": client.name}
    assert membership.msp is not None
    return {"kind": "msp", "id": membership.msp.pk, "name": membership.msp.name}


def _membership(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.pk,
        "role": membership.role,
        "role_label": membership.get_role_display(),
        "organization": _organization(membership),
    }


@router.get("/me", response=with_errors({200: MeOut}))
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user, the membership this request acts through, and all their memberships."""
    acting = request.acting  # type: ignore[attr-defined]
    return {
        "user": acting.user,
        "membership": _membership(acting.membership) if acting.membership else None,
        "memberships": [_membership(m) for m in acting.memberships],
    }
