"""Completing an audit row on PostgreSQL in two round trips instead of five.

The transaction is the one customers/audit/writer.py runs through the ORM, statement for
statement and in the order the guard (migration 0013) checks: lock the chain head, write the
row as the next link, move the head onto it, commit. psycopg's pipeline mode sends
BEGIN + SELECT … FOR UPDATE together (the hash needs the head's values, so that is one wait),
then UPDATE row + UPDATE head + COMMIT together (the second wait). The head lock is held for
one round trip, not three, which is what bounds audit completions per second.

Only outside any transaction of the app's (autocommit), as every API call's completion is;
anywhere else the ORM path runs, as a savepoint.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection

from customers.audit import chain
from customers.models import AuditChainHead, AuditEntry


def usable() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def complete_and_chain(entry: AuditEntry, fields: dict[str, Any]) -> bool | None:
    """As writer._complete_and_chain; None if the chain head row is missing (the ORM path
    then creates it, as after a test database is flushed)."""
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, psycopg.Connection)
    quote = connection.ops.quote_name
    entries, heads = quote(AuditEntry._meta.db_table), quote(AuditChainHead._meta.db_table)
    try:
        with raw.pipeline() as pipeline, raw.cursor() as lock, raw.cursor() as write:
            lock.execute("BEGIN")
            lock.execute(f"SELECT seq, hash FROM {heads} WHERE id = 1 FOR UPDATE")
            pipeline.sync()
            row = lock.fetchone()
            if row is None:
                lock.execute("ROLLBACK")
                return None
            head = AuditChainHead(pk=1, seq=row[0], hash=row[1])
            for name, value in fields.items():
                setattr(entry, name, value)
            values = {**fields, **chain.link_for(entry, head)}
            column = {f.name: f.column or f.name for f in AuditEntry._meta.concrete_fields}
            columns = ", ".join(f"{quote(column[name])} = %s" for name in values)
            write.execute(
                f"UPDATE {entries} SET {columns} WHERE id = %s AND completed_at IS NULL",
                [*values.values(), entry.pk],
            )
            # Moves only if the row above was written (it is not when someone else completed
            # it first); the guard's trigger then checks the row is there with this hash.
            lock.execute(
                f"UPDATE {heads} SET seq = %s, hash = %s WHERE id = 1 AND EXISTS ("
                f"SELECT 1 FROM {entries} WHERE id = %s AND chain_seq = %s AND row_hash = %s)",
                [entry.chain_seq, entry.row_hash, entry.pk, entry.chain_seq, entry.row_hash],
            )
            lock.execute("COMMIT")
            pipeline.sync()
            return write.rowcount == 1
    except BaseException:
        if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raw.execute("ROLLBACK")
        raise
