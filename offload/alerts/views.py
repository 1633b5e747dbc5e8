"""The webhook endpoints monitoring tools post to: /hooks/alerts/<kind>/.

Plain Django views, not the API: a monitoring tool authenticates with its integration token
(`Authorization: Bearer ofa_…`, or `?token=` for tools that cannot set headers), has no session
and no CSRF token, and wants a fast answer. The raw request is stored before anything else.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from offload.alerts.choices import IntegrationKind
from offload.alerts.services.intake import receive_alert_payload
from offload.alerts.services.integrations import authenticate_integration

MAX_BODY = 8 * 1024 * 1024


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.GET.get("token", "").strip()


@csrf_exempt
def alert_webhook(request: HttpRequest, kind: str) -> HttpResponse:
    """Receive one notification of a `kind` tool: 202 stored, 400 unreadable, 401 bad token."""
    if kind not in IntegrationKind.values:
        return _error(404, "unknown_kind", f"No alert endpoint {kind[:40]!r}.")
    # Uptime Kuma's "GET" webhook puts everything in the query string; everybody else POSTs.
    if request.method not in ("POST", "PUT") and not (
        request.method == "GET" and kind == IntegrationKind.UPTIME_KUMA
    ):
        return _error(405, "method_not_allowed", "POST the notification.")
    integration = authenticate_integration(_token(request))
    if integration is None:
        response = _error(401, "invalid_token", "A valid integration token is required.")
        response["WWW-Authenticate"] = 'Bearer realm="offload-alerts"'
        return response
    if integration.kind != kind:
        return _error(403, "wrong_kind", f"This token is for the {integration.kind} endpoint.")
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        return _error(413, "too_large", f"The payload is larger than {MAX_BODY} bytes.")
    query = {k: str(v) for k, v in request.GET.items() if k != "token"}
    result = receive_alert_payload(
        integration=integration,
        body=request.body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        headers=dict(request.headers.items()),
        query=query,
        method=request.method or "POST",
    )
    return JsonResponse(result.body, status=result.status)
