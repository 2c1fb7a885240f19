"""The audit guard's functions can no longer be shadowed by the role they guard against.

Until now they named pg_class and the app's own tables without a schema, and ran with the
caller's search_path, in which PostgreSQL looks in the session's temporary schema first for
tables: an app role allowed TEMP made a table called pg_class saying it owned the trail,
and the guard believed it (issue 23). Now every function:

- runs with `SET search_path = pg_catalog, pg_temp`: the catalog first, the temporary schema
  last (left out, PostgreSQL would search it first), nothing the caller can create between;
- names everything it reads with its schema: pg_catalog's own, and the app's tables and
  functions in the schema they were created in, looked up when this migration runs (the
  owner's session, where no one else's temporary table can be);
- is SECURITY INVOKER, said out loud: the owner test asks whether current_user owns the table,
  which in a SECURITY DEFINER function would always be the function's owner (everyone would
  pass for the owner), and the guard needs no right the caller lacks (it only reads the two
  tables the caller is writing).

The rules are migration 0013's, with open rows now signed when they are opened (issue 23):
- an open row inserted by anyone but the owner takes the database's time, whatever the
  client sent, and comes unsigned (open_mac and open_key_id blank);
- it may then be signed once: open_mac and open_key_id set, nothing else changed (the app
  does this in the transaction that inserted it, so no one sees it unsigned);
- completing it may not change its time or its signature.
The database holds no key, so it cannot tell a real signature from a made-up one;
verify_audit_log and audit_close_abandoned can.
"""

from __future__ import annotations

import importlib

import django.db.models.functions.datetime
from django.db import migrations, models

GUARD_SQL = """
CREATE OR REPLACE FUNCTION {s}.customers_audit_by_owner(rel oid) RETURNS boolean AS $$
  SELECT pg_catalog.pg_has_role(
    current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = rel), 'MEMBER');
$$ LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION {s}.customers_auditentry_guard() RETURNS trigger AS $$
DECLARE
  head_seq bigint;
  head_hash varchar;
  signed {s}.customers_auditentry;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF {s}.customers_audit_by_owner(TG_RELID) THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE refused.';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF {s}.customers_audit_by_owner(TG_RELID) THEN
      RETURN NEW;  -- restoring a backup keeps every column as it was
    END IF;
    IF NEW.completed_at IS NULL AND NEW.chain_seq IS NULL AND NEW.prev_hash = ''
       AND NEW.row_hash = '' AND NEW.chain_key_id = '' AND NEW.outcome = 'unknown'
       AND NEW.http_status IS NULL AND NEW.revcent_code IS NULL AND NEW.error_code = ''
       AND NEW.api_call_id = '' AND NEW.api_call_unix IS NULL AND NEW.message = ''
       AND NEW.customer_id = '' AND NEW.duration_ms IS NULL
       AND NEW.open_mac = '' AND NEW.open_key_id = '' THEN
      NEW.created_at := statement_timestamp();
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: only open rows may be inserted, unsigned.';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.completed_at IS NULL AND OLD.open_mac = ''
     AND length(NEW.open_mac) = 64 AND NEW.open_key_id <> '' THEN
    signed := OLD;
    signed.open_mac := NEW.open_mac;
    signed.open_key_id := NEW.open_key_id;
    IF NEW IS NOT DISTINCT FROM signed THEN
      RETURN NEW;
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL
     AND OLD.chain_seq IS NULL
     AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at AND NEW.kind = OLD.kind
     AND NEW.operation = OLD.operation AND NEW.http_method = OLD.http_method
     AND NEW.path = OLD.path AND NEW.search_term = OLD.search_term
     AND NEW.target_customer_id = OLD.target_customer_id AND NEW.sandbox = OLD.sandbox
     AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id AND NEW.username = OLD.username
     AND NEW.request_id = OLD.request_id
     AND NEW.open_mac = OLD.open_mac AND NEW.open_key_id = OLD.open_key_id THEN
    SELECT seq, hash INTO head_seq, head_hash FROM {s}.customers_auditchainhead WHERE id = 1;
    IF FOUND AND NEW.chain_seq = head_seq + 1 AND NEW.prev_hash = head_hash
       AND length(NEW.row_hash) = 64 THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: a completed row must be the next link.';
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: % refused.', TG_OP;
END;
$$ LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION {s}.customers_auditchainhead_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND EXISTS (
       SELECT 1 FROM {s}.customers_auditentry
       WHERE chain_seq = NEW.seq AND row_hash = NEW.hash AND prev_hash = OLD.hash) THEN
    RETURN NEW;
  END IF;
  IF TG_OP <> 'UPDATE' AND {s}.customers_audit_by_owner(TG_RELID) THEN
    IF TG_OP = 'INSERT' THEN
      RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: the chain head only moves one completed row forward (% refused).', TG_OP;
END;
$$ LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp;
"""

# The earlier guard's migration: its runner (PostgreSQL only, "%" safe) and its functions.
_0004 = importlib.import_module("customers.migrations.0004_audit_guard_and_roles")
_0013 = importlib.import_module("customers.migrations.0013_audit_keyed_chain")


def _tables_schema(schema_editor) -> str:
    """The schema the trail's table is in, quoted for SQL: where the migrations made it."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT relnamespace::pg_catalog.regnamespace::text FROM pg_catalog.pg_class "
            "WHERE oid = 'customers_auditentry'::pg_catalog.regclass"
        )
        return cursor.fetchone()[0]


def pin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _0004._run(schema_editor, GUARD_SQL.format(s=_tables_schema(schema_editor)))


def unpin(apps, schema_editor):
    # 0013's functions as they were; its triggers (the rest of its SQL) are still in place.
    functions = _0013.GUARD_SQL[: _0013.GUARD_SQL.index("DROP TRIGGER")]
    _0004._run(schema_editor, functions)


class Migration(migrations.Migration):
    dependencies = [("customers", "0016_outcome_denied")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="open_key_id",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="open_mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="created_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(), db_index=True
            ),
        ),
        migrations.RunPython(pin, unpin),
    ]
