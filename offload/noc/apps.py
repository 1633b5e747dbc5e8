from django.apps import AppConfig


class NocConfig(AppConfig):
    """The NOC as the technicians' team: agreement terms, delegation, dispatch, scope, runbooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "offload.noc"
    label = "noc"
    verbose_name = "NOC"
