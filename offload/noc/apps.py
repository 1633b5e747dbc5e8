import importlib

from django.apps import AppConfig

# Modules whose import connects receivers of servicedesk's committed ticket events.
SUBSCRIBERS = [
    "offload.noc.services.delegation",
    "offload.noc.services.runbooks",
    "offload.noc.services.triage",
]


class NocConfig(AppConfig):
    """The NOC as the technicians' team: agreement terms, delegation, dispatch, scope, runbooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "offload.noc"
    label = "noc"
    verbose_name = "NOC"

    def ready(self) -> None:
        for module in SUBSCRIBERS:
            importlib.import_module(module)
