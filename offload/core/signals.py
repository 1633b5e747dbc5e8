"""Cross-cutting signal handlers (the only kind Offload uses signals for)."""

from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate, dispatch_uid="offload.core.create_cache_table")
def create_cache_table(sender, using: str = "default", **kwargs) -> None:
    """The database cache (shared by every web process and worker) needs its table after migrate."""
    if getattr(sender, "label", None) == "core":
        call_command("createcachetable", database=using, verbosity=0)
