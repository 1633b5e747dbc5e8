"""The signed-in user's own account pages: personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from offload.accounts.models import ApiToken
from offload.accounts.services.tokens import MAX_TOKEN_NAME, create_api_token, revoke_api_token, tokens_of
from offload.core.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; POST creates one and shows its secret once, on this response only."""
    new_token = None
    error = ""
    if request.method == "POST":
        try:
            name = request.POST.get("name", "")[: MAX_TOKEN_NAME + 1]
            _token, new_token = create_api_token(actor=request.user, user=request.user, name=name)  # type: ignore[arg-type]
        except DomainError as exc:
            error = exc.message
    response = render(
        request,
        "accounts/tokens.html",
        {
            "tokens": tokens_of(request.user),  # type: ignore[arg-type]
            "new_token": new_token,
            "error": error,
            "max_name": MAX_TOKEN_NAME,
        },
        status=400 if error else 200,
    )
    # The secret appears in this page only: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's own tokens; anybody else's is not found."""
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()  # type: ignore[misc]
    if token is None:
        raise Http404("No such token.")
    revoke_api_token(actor=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens")
