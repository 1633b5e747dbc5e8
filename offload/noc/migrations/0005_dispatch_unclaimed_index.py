"""A partial index for auto-assignment and "assign next": a provider's unclaimed active delegations
by OLA resolve due. Plain SQL on purpose: the delegation model (another module's) does not declare
it, and a model-state index would make makemigrations propose removing it; both backends support
partial indexes with this syntax."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS delegation_unclaimed_due ON noc_delegation "
    "(provider_id, ola_resolve_due, id) WHERE is_active AND agent_id IS NULL"
)
DROP = "DROP INDEX IF EXISTS delegation_unclaimed_due"


class Migration(migrations.Migration):
    dependencies = [("noc", "0004_scope_routing_triage")]

    operations = [migrations.RunSQL(CREATE, DROP)]
