from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world: a provider, three MSPs and their clients, loaded by `offload demo-data`."""

    name = "offload.demo"
    label = "demo"
    verbose_name = "Demo world"
