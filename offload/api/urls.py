"""The public API at /api/v1/: one NinjaAPI that mounts each app's router.

Authentication, the tenant scope, throttling and the error format are decided here, once, for
every operation; the routers only describe resources.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Swagger

from offload.accounts.api import router as accounts_router
from offload.alerts.api import router as alerts_router
from offload.api.auth import BearerToken, SessionCookie
from offload.api.throttling import PerUserThrottle
from offload.core.api.errors import install_error_handlers
from offload.noc.api_delegation import router as noc_delegation_router
from offload.noc.api_dispatch import router as noc_dispatch_router
from offload.noc.api_routing import router as noc_routing_router
from offload.noc.api_runbooks import router as noc_runbooks_router
from offload.servicedesk.api import router as servicedesk_router
from offload.servicedesk.api_attachments import router as servicedesk_attachments_router
from offload.servicedesk.api_kb import router as servicedesk_kb_router
from offload.servicedesk.api_mail import router as servicedesk_mail_router
from offload.servicedesk.api_sla import router as servicedesk_sla_router
from offload.servicedesk.api_webhooks import router as servicedesk_webhooks_router
from offload.tenancy.api import router as tenancy_router

DESCRIPTION = """
Offload's API. Authenticate with a personal token (`Authorization: Bearer ofl_…`, created on
the console's *API tokens* page or with `offload token EMAIL`) or with a signed-in browser session
(send the CSRF token on unsafe methods). Every list is cursor-paginated: follow `next` until it
is null. Every error answers `{"error": {"code", "message", "fields"}}`.
"""

api = NinjaAPI(
    title="Offload API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api",
    auth=[BearerToken(), SessionCookie()],
    throttle=[PerUserThrottle()],
    # Self-hosted Swagger UI (django-ninja ships it as static files): no CDN, and no inline script,
    # so it runs under the console's nonce-based Content-Security-Policy.
    docs=Swagger(settings={"persistAuthorization": False, "defaultModelsExpandDepth": 0}),
)
install_error_handlers(api)


@api.get("/health", auth=None, response={200: dict}, tags=["meta"], include_in_schema=False)
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


api.add_router("", accounts_router)
api.add_router("", tenancy_router)
api.add_router("", servicedesk_router)
api.add_router("", servicedesk_attachments_router)
api.add_router("", servicedesk_kb_router)
api.add_router("", servicedesk_mail_router)
api.add_router("", servicedesk_sla_router)
api.add_router("", servicedesk_webhooks_router)
api.add_router("", noc_delegation_router)
api.add_router("", noc_dispatch_router)
api.add_router("", noc_runbooks_router)
api.add_router("", noc_routing_router)
api.add_router("", alerts_router)

urlpatterns = [path("", api.urls)]
