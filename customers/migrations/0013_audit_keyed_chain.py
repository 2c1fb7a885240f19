"""The audit chain is signed with a key kept outside the database, and PostgreSQL's guard
covers every way in: INSERT, UPDATE, DELETE and TRUNCATE of the trail and of its head.

Who may do what, enforced by triggers:
- Anyone (the app's role): insert open rows only; complete an open row once, changing only
  its result columns, and only as the chain's next link after the head; move the head one
  step forward onto a row already in the trail.
- Nobody: change or delete a row, reopen one, move the head back.
- The tables' owner only (the role that runs migrations, never the app in production):
  TRUNCATE (a test run's flush, or removing a training trail), and inserting rows as they
  are (restoring a backup, seeding a benchmark). An owner can drop a trigger anyway, so the
  guard is meant for a non-owner app role (README, "Running in production").
The old escape hatch, a session setting any role could set, is gone.
"""

from __future__ import annotations

import importlib

from django.db import migrations, models

GUARD_SQL = """
CREATE OR REPLACE FUNCTION customers_audit_by_owner(rel oid) RETURNS boolean AS $$
  SELECT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = rel), 'MEMBER');
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION customers_auditentry_guard() RETURNS trigger AS $$
DECLARE
  head_seq bigint;
  head_hash varchar;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF customers_audit_by_owner(TG_RELID) THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE refused.';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF customers_audit_by_owner(TG_RELID) OR (
         NEW.completed_at IS NULL AND NEW.chain_seq IS NULL AND NEW.prev_hash = ''
         AND NEW.row_hash = '' AND NEW.chain_key_id = '' AND NEW.outcome = 'unknown'
         AND NEW.http_status IS NULL AND NEW.revcent_code IS NULL AND NEW.error_code = ''
         AND NEW.api_call_id = '' AND NEW.api_call_unix IS NULL AND NEW.message = ''
         AND NEW.customer_id = '' AND NEW.duration_ms IS NULL) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: only open rows may be inserted.';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL
     AND OLD.chain_seq IS NULL
     AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at AND NEW.kind = OLD.kind
     AND NEW.operation = OLD.operation AND NEW.http_method = OLD.http_method
     AND NEW.path = OLD.path AND NEW.search_term = OLD.search_term
     AND NEW.target_customer_id = OLD.target_customer_id AND NEW.sandbox = OLD.sandbox
     AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id AND NEW.username = OLD.username
     AND NEW.request_id = OLD.request_id THEN
    SELECT seq, hash INTO head_seq, head_hash FROM customers_auditchainhead WHERE id = 1;
    IF FOUND AND NEW.chain_seq = head_seq + 1 AND NEW.prev_hash = head_hash
       AND length(NEW.row_hash) = 64 THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: a completed row must be the next link.';
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: % refused.', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION customers_auditchainhead_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND EXISTS (
       SELECT 1 FROM customers_auditentry
       WHERE chain_seq = NEW.seq AND row_hash = NEW.hash AND prev_hash = OLD.hash) THEN
    RETURN NEW;
  END IF;
  IF TG_OP <> 'UPDATE' AND customers_audit_by_owner(TG_RELID) THEN
    IF TG_OP = 'INSERT' THEN
      RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: the chain head only moves one completed row forward (% refused).', TG_OP;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS customers_auditentry_no_change ON customers_auditentry;
CREATE TRIGGER customers_auditentry_no_change
  BEFORE INSERT OR UPDATE OR DELETE ON customers_auditentry
  FOR EACH ROW EXECUTE FUNCTION customers_auditentry_guard();
CREATE TRIGGER customers_auditchainhead_guard
  BEFORE INSERT OR UPDATE OR DELETE ON customers_auditchainhead
  FOR EACH ROW EXECUTE FUNCTION customers_auditchainhead_guard();
CREATE TRIGGER customers_auditchainhead_no_truncate
  BEFORE TRUNCATE ON customers_auditchainhead
  FOR EACH STATEMENT EXECUTE FUNCTION customers_auditchainhead_guard();
"""

UNGUARD_SQL = """
DROP TRIGGER IF EXISTS customers_auditchainhead_guard ON customers_auditchainhead;
DROP TRIGGER IF EXISTS customers_auditchainhead_no_truncate ON customers_auditchainhead;
DROP FUNCTION IF EXISTS customers_auditchainhead_guard();
DROP TRIGGER IF EXISTS customers_auditentry_no_change ON customers_auditentry;
DROP TRIGGER IF EXISTS customers_auditentry_no_truncate ON customers_auditentry;
DROP FUNCTION IF EXISTS customers_auditentry_guard();
DROP FUNCTION IF EXISTS customers_audit_by_owner(oid);
"""


# The earlier guard's migration: its runner (PostgreSQL only, "%" safe) and its triggers.
_0004 = importlib.import_module("customers.migrations.0004_audit_guard_and_roles")


def guard(apps, schema_editor):
    _0004._run(schema_editor, GUARD_SQL)


def back_to_0004(apps, schema_editor):
    _0004._run(schema_editor, UNGUARD_SQL)
    _0004.guard(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_card_link_received")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="chain_key_id",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.RunPython(guard, back_to_0004),
    ]
