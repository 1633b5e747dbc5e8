from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PortalConfig(AppConfig):
    """The client portal, white-labelled in each MSP's brand."""

    name = "offload.portal"
    label = "portal"

    def ready(self) -> None:
        # Imported here because models can only be imported once the app registry is ready.
        from offload.portal.resolver import forget_portal_hosts
        from offload.tenancy.models import MSP, Brand, PortalHost

        # A renamed host, a recoloured brand or a deactivated MSP must show on the next request.
        for model in (Brand, PortalHost, MSP):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_portal_hosts, sender=model, dispatch_uid=f"portal-hosts-{model.__name__}"
                )
