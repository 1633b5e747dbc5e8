"""One error body for every API failure, and the handlers that produce it.

Every error answers `{"error": {"code": ..., "message": ..., "fields": {...}}}`; `code` is stable
and machine-readable, `message` is for people, `fields` maps input names to their problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import Field

from offload.core.errors import DomainError

# The error statuses every operation declares, so clients can rely on the body's shape.
ERROR_STATUSES = (400, 401, 403, 404, 422, 429)

CODE_FOR_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "throttled",
}


class ErrorDetail(Schema):
    code: str = Field(description="Stable, machine-readable reason, e.g. `not_found`, `invalid`.")
    message: str = Field(description="What went wrong, for people.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Problems per input field (dotted path), when the input is at fault.",
    )


class ErrorOut(Schema):
    """The body of every error response."""

    error: ErrorDetail


def with_errors(responses: dict[int, Any], statuses: Iterable[int] = ERROR_STATUSES) -> dict[int, Any]:
    """`responses` plus the shared error body for every error status, for an operation's `response=`."""
    merged: dict[int, Any] = dict.fromkeys(statuses, ErrorOut)
    merged.update(responses)
    return merged


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    code = code or CODE_FOR_STATUS.get(status, "error")
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    # ninja prefixes the source ("body", "query", "path") and, for bodies, the parameter name.
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def validation_fields(errors: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """pydantic's error list as {field: [messages]}."""
    fields: dict[str, list[str]] = {}
    for err in errors:
        message = str(err.get("msg", "Invalid value."))
        fields.setdefault(_field_name(err.get("loc", ())), []).append(message)
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every failure of `api` answer with `ErrorOut`."""

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=422,
            code="invalid",
            message="The input is not valid.",
            fields=validation_fields(exc.errors),
        )

    def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # A model's own rules (full_clean) refused the row: the same 422 as a schema violation.
        if hasattr(exc, "error_dict"):
            fields = {
                ("__all__" if name == NON_FIELD_ERRORS else name): [str(m) for m in messages]
                for name, messages in exc.message_dict.items()
            }
        else:
            fields = {"__all__": [str(m) for m in exc.messages]}
        return error_response(
            api, request, status=422, code="invalid", message="The input is not valid.", fields=fields
        )

    def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        fields = {exc.field: [exc.message]} if exc.field else None
        return error_response(
            api, request, status=exc.status, code=exc.code, message=exc.message, fields=fields
        )

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=401,
            code="not_authenticated",
            message="Send a valid API token (Authorization: Bearer ofl_…) or sign in.",
        )

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return error_response(
            api, request, status=429, code="throttled", message="Too many requests; slow down."
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = exc.message if isinstance(exc.message, str) else "Request failed."
        code = "csrf_failed" if exc.status_code == 403 and "CSRF" in message else None
        return error_response(api, request, status=exc.status_code, code=code, message=message)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, status=404, code="not_found", message="Not found.")

    def on_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return error_response(
            api, request, status=403, code="permission_denied", message="You may not do this."
        )

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ValidationError, on_validation),
        (DjangoValidationError, on_model_validation),
        (DomainError, on_domain),
        (AuthenticationError, on_authentication),
        (Throttled, on_throttled),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (DjangoPermissionDenied, on_permission_denied),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
