"""API tokens: created and shown once, stored only as a hash, revoked by their owner."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from offload.accounts.models import ApiToken, User, hash_token
from offload.core.errors import DomainError, NotFound

# A token's last-used time is written at most this often, so busy clients cost no write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
MAX_TOKEN_NAME = 100


def create_api_token(
    *, actor: User | None, user: User, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with the raw secret, which is never stored.

    `actor` is None when an operator runs `offload token`; otherwise people create their own tokens.
    """
    if actor is not None and actor.pk != user.pk:
        raise NotFound("No such user.")
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME:
        raise DomainError(
            f"Give the token a name of 1 to {MAX_TOKEN_NAME} characters.", code="invalid", field="name"
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("The expiry must be in the future.", code="invalid", field="expires_at")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=raw[: len(ApiToken.PREFIX) + 6],
        key_hash=hash_token(raw),
        expires_at=expires_at,
    )
    return token, raw


def revoke_api_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke `token` (its owner, or an operator); revoking twice keeps the first time."""
    if actor is not None and actor.pk != token.user_id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The usable token whose secret is `raw`, with its user; None for anything else.

    Records the last-used time, at most once per `LAST_USED_RESOLUTION`.
    """
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
        # Conditional update: concurrent requests of one client write once, not once each.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """`user`'s tokens, newest first, revoked ones included (for the token page)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))
