"""Indexes for the audit search box's case-insensitive and prefix matches (PostgreSQL).

Django's iexact/istartswith compare UPPER(column::text); a plain index on the column does
not serve that, so at a million rows each search was a full scan. An index on that very
expression, with text_pattern_ops so LIKE 'PREFIX%' can range-scan it under any collation
(its = serves the exact matches too). SQLite (development) scans; it has no such tables.
Not in the model's Meta: Django's OpClass renders PostgreSQL-only SQL on every backend.
"""

from django.db import migrations

COLUMNS = {
    "audit_call_id_upper": "api_call_id",
    "audit_username_upper": "username",
    "audit_search_term_upper": "search_term",
}


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in COLUMNS.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "customers_auditentry" '
            f'((UPPER("{column}"::text)) text_pattern_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0014_identity_claims"),
    ]

    operations = [migrations.RunPython(add_indexes, drop_indexes)]
