from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared kernel: base models, errors, API toolkit, HTML sanitising. No domain words here."""

    name = "offload.core"
    label = "core"

    def ready(self) -> None:
        from offload.core import signals  # noqa: F401  (connects post_migrate: cache table)
