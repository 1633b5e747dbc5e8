"""`offload alert-token`: the spelling the issue uses; the command is alert_token."""

from offload.alerts.management.commands.alert_token import Command

__all__ = ["Command"]
