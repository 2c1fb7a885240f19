"""Writing audit rows in as few statements and round trips as the database allows.

Every RevCent call costs two audit writes (its row before the call, its result after), so
these are the app's busiest statements. The rows and the chain are exactly the ones the
ORM would write; only the way they travel differs:

- Opening rows: one INSERT … RETURNING id, created_at for all the rows of a step (a
  duplicate check's searches), on any database, instead of one ORM save each; then one
  UPDATE signing them all, in the same transaction. On PostgreSQL in autocommit, that
  transaction goes in two messages (BEGIN with the INSERT, the UPDATE with COMMIT).
- Completing rows, on PostgreSQL in autocommit (as every call's completion is): the
  transaction customers/audit/writer.py runs through the ORM, statement for statement and in
  the order the guard (migration 0013) checks, sent as two messages of several statements
  (psycopg's client-side binding allows that): BEGIN and lock the chain head (one wait, the
  links need the head's values); then each row written as the next link with the head
  moved onto it, a check that the head ended on the last row, COMMIT (the second wait).
  Several rows share the two waits and the one lock, which is held for one round trip.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Value, When

from customers.audit import chain
from customers.models import AuditChainHead, AuditEntry

Completion = tuple[AuditEntry, dict[str, Any]]


def insert_open(entries: list[AuditEntry]) -> None:
    """Insert new (open) rows in one statement, each given its id and the database's time,
    and sign them in the same transaction, so no one ever sees them unsigned."""
    if not entries:  # every call of the step was refused before it had a row
        return
    if usable() and not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        _open_in_two_round_trips(entries)
        return
    # Within a transaction already (an app's, or a test's), no savepoint: the rows stand or
    # fall with it, as a row saved there would.
    with transaction.atomic(savepoint=False):
        # One INSERT … RETURNING id, created_at (bulk_create returns what the database fills in).
        AuditEntry.objects.bulk_create(entries)
        macs = _signed(entries)
        signed = Case(*(When(pk=pk, then=Value(mac)) for pk, mac in macs.items()))
        unsigned = AuditEntry.objects.filter(pk__in=macs, open_mac="")
        unsigned._write_once(open_key_id=settings.AUDIT_CHAIN_KEY_ID, open_mac=signed)


def _signed(entries: list[AuditEntry]) -> dict[int, str]:
    for entry in entries:
        chain.sign_open(entry)
    return {entry.pk: entry.open_mac for entry in entries}


def _open_in_two_round_trips(entries: list[AuditEntry]) -> None:
    """insert_open's transaction, statement for statement, in two messages instead of four
    waits (BEGIN, INSERT, UPDATE, COMMIT): BEGIN and the INSERT (the signatures need its ids
    and time), then the signing UPDATE and COMMIT. Measured on loopback (a busy two-core
    machine, 300 steps of one row): 1.4 ms a step against 3.4 through the ORM's transaction,
    0.9 for the unsigned INSERT alone before rows were signed."""
    insert, params = _insert(entries)
    # Django's own cursor binds client-side unless told not to (checked by the caller), so it
    # takes several statements in one message, and the statements show in its logs.
    with _own_transaction(), connection.cursor() as cursor:
        cursor.execute("BEGIN; " + insert, params)
        cursor.nextset()  # past BEGIN's result, to the INSERT's
        _inserted(entries, cursor.fetchall())
        sign, sign_params = _signing(entries)
        cursor.execute(sign + "; COMMIT", sign_params)


@contextlib.contextmanager
def _own_transaction() -> Iterator[psycopg.Connection[Any]]:
    """The connection, for a transaction this module begins and ends in its own messages
    (BEGIN … COMMIT); rolled back if anything stops it before its COMMIT, so the connection
    goes back to Django idle, as it was lent."""
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, psycopg.Connection)
    try:
        yield raw
    except BaseException:
        if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raw.execute("ROLLBACK")
        raise


def _insert(entries: list[AuditEntry]) -> tuple[str, list[Any]]:
    """One INSERT of open rows, RETURNING what the database gives them (id, its time)."""
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    # The database fills in what it computes (created_at: its time); a plain default such as
    # channel's "" (there for rows written by an older release mid-deploy) is sent as set.
    fields = [f for f in fields if not hasattr(f.db_default, "resolve_expression")]
    quote = connection.ops.quote_name
    table = quote(AuditEntry._meta.db_table)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    insert = (
        f"INSERT INTO {table} ({', '.join(quote(f.column or f.name) for f in fields)}) "
        f"VALUES {', '.join([row] * len(entries))} RETURNING {quote('id')}, {quote('created_at')}"
    )
    params = [
        f.get_db_prep_save(f.pre_save(e, add=True), connection) for e in entries for f in fields
    ]
    return insert, params


def _inserted(entries: list[AuditEntry], returned: list[Any]) -> None:
    # Ids come from one sequence in the order of the VALUES, whatever order RETURNING uses.
    for entry, (pk, created_at) in zip(entries, sorted(returned), strict=True):
        entry.pk, entry.created_at = pk, created_at
        entry._state.adding, entry._state.db = False, connection.alias


def _signing(entries: list[AuditEntry]) -> tuple[str, list[Any]]:
    """The UPDATE that signs new open rows (only rows still unsigned)."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    macs = _signed(entries)
    pairs = ", ".join(["(%s::bigint, %s)"] * len(macs))
    return (
        f"UPDATE {table} AS t SET open_key_id = %s, open_mac = v.mac FROM (VALUES {pairs}) "
        "AS v(id, mac) WHERE t.id = v.id AND t.open_mac = ''",
        [settings.AUDIT_CHAIN_KEY_ID, *(x for pair in macs.items() for x in pair)],
    )


def record(entry: AuditEntry, fields: dict[str, Any]) -> bool | None:
    """A row that is complete when it is written (an agent action): opened, signed, completed
    and chained in one transaction of two messages, instead of insert_open's two and
    complete_and_chain's two. BEGIN, the INSERT and the head's lock first (the row's
    signature and link need its id, its time and the head); then the signing UPDATE, the
    completion, the head's move, the check, COMMIT. The head stays locked for one round trip,
    as in complete_and_chain. Completed at its own time (created_at, the database's). None if
    the chain head row is missing (the caller then takes the ORM path)."""
    insert, params = _insert([entry])
    heads = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with _own_transaction() as raw, psycopg.ClientCursor(raw) as cursor:
        cursor.execute(
            f"BEGIN; {insert}; SELECT seq, hash FROM {heads} WHERE id = 1 FOR UPDATE", params
        )
        cursor.nextset()  # past BEGIN's result, to the INSERT's
        _inserted([entry], cursor.fetchall())
        cursor.nextset()
        found = cursor.fetchone()
        if found is None:
            cursor.execute("ROLLBACK")
            # As it was before: the INSERT is undone, so its id and time are not the row's.
            entry.pk, entry._state.adding = None, True
            entry.created_at = AuditEntry._meta.get_field("created_at").get_default()
            return None
        fields = {"completed_at": entry.created_at, **fields}
        sign, sign_params = _signing([entry])
        head = AuditChainHead(pk=1, seq=found[0], hash=found[1])
        statements, chain_params = _chaining([(entry, fields)], head)
        try:
            cursor.execute("; ".join([sign, *statements]), [*sign_params, *chain_params])
        except psycopg.errors.DivisionByZero:
            raw.execute("ROLLBACK")
            return False
        return True


def usable() -> bool:
    """Whether complete_and_chain may run: PostgreSQL, outside any transaction of the app's."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def complete_and_chain(items: list[Completion]) -> list[bool] | None:
    """As writer's ORM path: each row completed with its fields and chained, in order; for
    each, whether it was (False: someone had completed it already). None if the chain head
    row is missing (the ORM path then makes it, as after a test database is flushed)."""
    done = _together(items)
    if done is None:
        return None
    if done:
        return [True] * len(items)
    if len(items) == 1:
        return [False]
    # One of them was completed by someone else (audit_close_abandoned, say): nothing was
    # written, so each goes on its own.
    return [bool(_together([item])) for item in items]


def _together(items: list[Completion]) -> bool | None:
    heads = connection.ops.quote_name(AuditChainHead._meta.db_table)
    # Client-side binding: several statements in one message, which a server-side
    # (prepared) statement cannot hold, whatever the connection's default cursor is.
    with _own_transaction() as raw, psycopg.ClientCursor(raw) as cursor:
        cursor.execute(f"BEGIN; SELECT seq, hash FROM {heads} WHERE id = 1 FOR UPDATE")
        cursor.nextset()  # past BEGIN's result, to the SELECT's
        found = cursor.fetchone()
        if found is None:
            cursor.execute("ROLLBACK")
            return None
        head = AuditChainHead(pk=1, seq=found[0], hash=found[1])
        statements, params = _chaining(items, head)
        try:
            cursor.execute("; ".join(statements), params)
        except psycopg.errors.DivisionByZero:
            raw.execute("ROLLBACK")
            return False
        except psycopg.DatabaseError:
            if len(items) == 1:
                raise
            raw.execute("ROLLBACK")  # the guard refused a later row: each on its own
            return False
        return True


def _chaining(items: list[Completion], head: AuditChainHead) -> tuple[list[str], list[Any]]:
    """Each row completed with its fields as the link after `head`, the head moved onto it,
    then the check that the head ended on the last row, and COMMIT."""
    quote = connection.ops.quote_name
    entries, heads = quote(AuditEntry._meta.db_table), quote(AuditChainHead._meta.db_table)
    column = {f.name: f.column or f.name for f in AuditEntry._meta.concrete_fields}
    statements: list[str] = []
    params: list[Any] = []
    for entry, fields in items:
        for name, value in fields.items():
            setattr(entry, name, value)
        values = {**fields, **chain.link_for(entry, head)}
        columns = ", ".join(f"{quote(column[name])} = %s" for name in values)
        statements.append(f"UPDATE {entries} SET {columns} WHERE id = %s AND completed_at IS NULL")
        params += [*values.values(), entry.pk]
        # Moves only if the row above was written; the guard's trigger then checks the row is
        # there with this hash.
        statements.append(
            f"UPDATE {heads} SET seq = %s, hash = %s WHERE id = 1 AND EXISTS ("
            f"SELECT 1 FROM {entries} WHERE id = %s AND chain_seq = %s AND row_hash = %s)"
        )
        params += [entry.chain_seq, entry.row_hash, entry.pk, entry.chain_seq, entry.row_hash]
        head = AuditChainHead(pk=1, seq=entry.chain_seq or 0, hash=entry.row_hash)
    # All written, or nothing: a head short of the last row divides by zero, which aborts the
    # transaction before its COMMIT.
    statements.append(
        f"SELECT 1 / (SELECT COUNT(*) FROM {heads} WHERE id = 1 AND seq = %s AND hash = %s)"
    )
    params += [head.seq, head.hash]
    statements.append("COMMIT")
    return statements, params
