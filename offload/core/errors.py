"""Domain errors carry a machine-readable code that the API and the UI show unchanged."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action. `code` is stable; `message` is for people."""

    code: str = "invalid"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFound(DomainError):
    """The object does not exist, or belongs to a tenant the actor cannot see: the same answer."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    """The actor sees the object but may not do this to it."""

    code = "permission_denied"
    status = 403
