from django.urls import path
from ninja import NinjaAPI

api = NinjaAPI(title="Offload API", version="1", urls_namespace="api")


@api.get("/health")
def health(request):
    return {"status": "ok"}


urlpatterns = [path("", api.urls)]
