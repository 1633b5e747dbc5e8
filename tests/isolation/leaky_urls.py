"""The real URLconf plus deliberately leaky endpoints, for proving the isolation test catches them.

Each view is a mistake someone could make tomorrow; none of them is referenced by the checker.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, register_converter
from django.views.decorators.csrf import csrf_exempt

from offload.config.urls import urlpatterns as real_urlpatterns
from offload.tenancy.models import Client
from offload.tenancy.scoping import system_scope


def all_clients(request: HttpRequest) -> HttpResponse:
    """A list that forgot the scope: every tenant's clients."""
    with system_scope("BUG: a list that bypasses the scope"):
        return HttpResponse("\n".join(c.name for c in Client.objects.all()))


def client_count(request: HttpRequest) -> HttpResponse:
    """A dashboard counter over every tenant: shows no names, but the number leaks."""
    with system_scope("BUG: a count that bypasses the scope"):
        return JsonResponse({"clients": Client.objects.count()})


def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A detail page that fetched by id without the scope: 200 for another tenant's client."""
    with system_scope("BUG: a detail view that bypasses the scope"):
        client = Client.objects.filter(pk=pk).first()
    return HttpResponse("ok" if client else "missing", status=200 if client else 404)


@csrf_exempt
def client_rename(request: HttpRequest, pk: int) -> HttpResponse:
    """A write that changed another tenant's row."""
    if request.method != "POST":
        return HttpResponse(status=405)
    with system_scope("BUG: a write that bypasses the scope"):
        Client.objects.filter(pk=pk).update(notes="renamed by a leaky view")
    return HttpResponse(status=204)


class WeirdConverter:
    """A converter the isolation test has never heard of."""

    regex = "[a-z]{3}-[0-9]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(WeirdConverter, "isolation_weird")

leaky_urlpatterns = [
    path("isolation-meta/all-clients/", all_clients),
    path("isolation-meta/client-count/", client_count),
    path("isolation-meta/clients/<int:pk>/", client_detail),
    path("isolation-meta/clients/<int:pk>/rename/", client_rename),
    path("isolation-meta/weird/<isolation_weird:code>/", all_clients),
]

urlpatterns = leaky_urlpatterns + real_urlpatterns
