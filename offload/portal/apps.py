from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The client portal, white-labelled in each MSP's brand."""

    name = "offload.portal"
    label = "portal"
