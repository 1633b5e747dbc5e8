"""Who is acting in a request: the user, their chosen membership, and its scope."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from offload.accounts.choices import STAFF_ROLES
from offload.accounts.models import Membership, User
from offload.accounts.scopes import active_memberships, scope_for_membership
from offload.tenancy.scoping import NOBODY, Scope

SESSION_KEY = "offload_membership_id"


@dataclass(frozen=True)
class Acting:
    """The request's identity. `scope` decides which tenant rows exist for it."""

    user: User | None
    membership: Membership | None
    memberships: tuple[Membership, ...]
    scope: Scope
    has_mfa: bool = False

    @property
    def is_staff(self) -> bool:
        return self.membership is not None and self.membership.role in STAFF_ROLES

    @property
    def role(self) -> str:
        return self.membership.role if self.membership else ""


ANONYMOUS = Acting(user=None, membership=None, memberships=(), scope=NOBODY)


def acting_for_user(user: User, membership_id: int | None = None) -> Acting:
    """The identity of `user`, acting through `membership_id` if given and theirs, else the first."""
    memberships = tuple(active_memberships(user))
    chosen = next((m for m in memberships if m.id == membership_id), memberships[0] if memberships else None)
    scope = scope_for_membership(chosen) if chosen else NOBODY
    has_mfa = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return Acting(user=user, membership=chosen, memberships=memberships, scope=scope, has_mfa=has_mfa)


def resolve_acting(request: HttpRequest) -> Acting:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return acting_for_user(user, request.session.get(SESSION_KEY))
