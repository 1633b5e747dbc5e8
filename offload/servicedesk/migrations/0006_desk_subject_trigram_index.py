"""A trigram index for the queue's subject search (PostgreSQL only; nothing on SQLite).

`selectors.search_tickets` filters with `subject__icontains`, which PostgreSQL compiles to
`UPPER(subject::text) LIKE UPPER('%word%')`. A GIN index with `gin_trgm_ops` on exactly that
expression lets the planner answer a rare word from the index instead of reading every ticket of
the MSP; frequent words still walk the queue index in order and stop after one page.
"""

from django.db import migrations

INDEX = "ticket_subject_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "servicedesk_ticket" '
        'USING gin ((UPPER("subject"::text)) gin_trgm_ops)'
    )
    # Statistics of the new index expression: without them the planner guesses a handful of
    # matches for every word and reads all 40,000 tickets of a common one instead of one page.
    schema_editor.execute('ANALYZE "servicedesk_ticket"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0005_kb_articles_csat"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
