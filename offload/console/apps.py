from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff console: navigation and home pages for provider and MSP staff."""

    name = "offload.console"
    label = "console"
