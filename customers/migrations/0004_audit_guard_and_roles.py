from __future__ import annotations

from django.db import migrations

from customers.migrations import _role_migration

# The database itself refuses to change or remove the trail. The one UPDATE allowed is the
# completion of a row written before its call (completed_at NULL -> set), which may only
# fill in the result columns. TRUNCATE is refused unless the session sets
# supportdesk.audit_maintenance = 'on': that is how the test suite's flush empties tables
# between tests. In production, also give the app's database role no ownership of the table
# (an owner can drop a trigger).
GUARD_SQL = """
CREATE OR REPLACE FUNCTION customers_auditentry_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF current_setting('supportdesk.audit_maintenance', true) = 'on' THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE refused.';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL
     AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at AND NEW.kind = OLD.kind
     AND NEW.operation = OLD.operation AND NEW.http_method = OLD.http_method
     AND NEW.path = OLD.path AND NEW.search_term = OLD.search_term
     AND NEW.target_customer_id = OLD.target_customer_id AND NEW.sandbox = OLD.sandbox
     AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id AND NEW.username = OLD.username
     AND NEW.request_id = OLD.request_id THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: % refused.', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER customers_auditentry_no_change
  BEFORE UPDATE OR DELETE ON customers_auditentry
  FOR EACH ROW EXECUTE FUNCTION customers_auditentry_guard();
CREATE TRIGGER customers_auditentry_no_truncate
  BEFORE TRUNCATE ON customers_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION customers_auditentry_guard();
"""

UNGUARD_SQL = """
DROP TRIGGER IF EXISTS customers_auditentry_no_change ON customers_auditentry;
DROP TRIGGER IF EXISTS customers_auditentry_no_truncate ON customers_auditentry;
DROP FUNCTION IF EXISTS customers_auditentry_guard();
"""


def _run(schema_editor, sql: str) -> None:
    # A plain cursor, without parameters, so the "%" in RAISE is not read as a placeholder.
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def guard(apps, schema_editor):
    _run(schema_editor, GUARD_SQL)


def unguard(apps, schema_editor):
    _run(schema_editor, UNGUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_auditentry")]

    operations = [
        migrations.RunPython(guard, unguard),
        migrations.RunPython(_role_migration.make_roles, migrations.RunPython.noop),
    ]
