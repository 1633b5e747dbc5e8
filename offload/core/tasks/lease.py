"""A lock in the database, so that exactly one scheduler enqueues periodic jobs.

django-crontask only locks through Redis; without REDIS_URL its lock is a no-op, and two
schedulers would enqueue every job twice. This lease has the same interface as the Redis lock
crontask expects (`with lock:` and `lock.extend(seconds, replace_ttl)`), raising crontask's own
LockError classes, and works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from crontask.utils import LockError, LockNotOwnedError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from offload.core.tasks.models import Lease


class DatabaseLease:
    """Hold the named lease for `ttl` seconds at a time; renew it with extend() before it lapses."""

    def __init__(self, name: str, *, ttl: float, holder: str | None = None) -> None:
        self.name = name
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{get_random_string(8)}"

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired, or already ours. Never blocks."""
        now = timezone.now()
        expires_at = now + timedelta(seconds=self.ttl)
        with transaction.atomic():
            taken = (
                Lease.objects.filter(name=self.name)
                .filter(Q(expires_at__lt=now) | Q(holder=self.holder))
                .update(holder=self.holder, acquired_at=now, expires_at=expires_at)
            )
            if taken:
                return True
            if Lease.objects.filter(name=self.name).exists():
                return False
            try:
                with transaction.atomic():
                    Lease.objects.create(
                        name=self.name, holder=self.holder, acquired_at=now, expires_at=expires_at
                    )
            except IntegrityError:  # another process created it between our two statements
                return False
        return True

    def extend(self, additional_time: float | None = None, replace_ttl: bool = False) -> bool:
        """Push the expiry to now + ttl; raise LockNotOwnedError if the lease was lost meanwhile."""
        ttl = additional_time if additional_time is not None else self.ttl
        now = timezone.now()
        renewed = Lease.objects.filter(name=self.name, holder=self.holder, expires_at__gte=now).update(
            expires_at=now + timedelta(seconds=ttl)
        )
        if not renewed:
            raise LockNotOwnedError(f"lease {self.name!r} is no longer held by {self.holder}")
        return True

    def release(self) -> None:
        Lease.objects.filter(name=self.name, holder=self.holder).delete()

    def __enter__(self) -> DatabaseLease:
        if not self.try_acquire():
            raise LockError(f"lease {self.name!r} is held by another process")
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
