"""`offload ingest-email`: the spelling MTA configurations use; the command is ingest_email."""

from offload.servicedesk.management.commands.ingest_email import Command

__all__ = ["Command"]
