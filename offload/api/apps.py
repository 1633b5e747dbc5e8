from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API at /api/v1/: mounts each domain app's router."""

    name = "offload.api"
    label = "api"
