from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    # The user's own account pages (API tokens); "accounts/" belongs to allauth.
    path("account/", include("offload.accounts.urls")),
    path("api/v1/", include("offload.api.urls")),
    # Monitoring tools post alerts here with an integration token (no session, no CSRF).
    path("hooks/alerts/", include("offload.alerts.urls")),
    path("admin/", admin.site.urls),
    # The client portal by path, for local use; on a portal host name it is served at "/".
    path("portal/<slug:portal_slug>/", include("offload.portal.urls")),
    path("", include("offload.console.urls")),
]
