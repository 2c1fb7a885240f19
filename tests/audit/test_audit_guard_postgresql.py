"""PostgreSQL's own guard on the audit trail, attacked as the app's database role.

Production runs the app as a role that does not own the tables (README, "Running in
production"); here that role is made and the test switches to it with SET LOCAL ROLE, so
every statement below runs with exactly the rights the app has, including TRUNCATE
(granted by the GRANT ALL many set-ups use).
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from customers import audit
from customers.audit import Actor
from customers.audit.verify import verify_trail
from customers.models import AuditChainHead, AuditEntry
from customers.revcent import get_client
from tests.audit_helpers import Operation, open_call

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers"),
]
APP_ROLE = "supportdesk_app_test"


@pytest.fixture
def as_app_role(agent) -> None:
    """From here to the end of the test, statements run as a non-owner role with GRANT ALL."""
    with connection.cursor() as cursor:
        # Roles belong to the whole server: parallel test processes may race to make it.
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        # Production revokes TEMP (README); granted here, so the shadowing test proves the
        # guard's functions resist on their own.
        cursor.execute(
            f"GRANT TEMPORARY ON DATABASE {connection.settings_dict['NAME']} TO {APP_ROLE}"
        )
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")


@pytest.fixture
def trail(agent, as_app_role) -> list[AuditEntry]:
    # Written by the app itself, as the app role: the guard must let normal work through.
    client = get_client()
    client.search_customers("jane@example.com", actor=Actor(user=agent))
    audit.agent_action(
        action=AuditEntry.Operation.CARD_LINK_CREATED, actor=Actor(user=agent), customer_id="C" * 20
    )
    return list(AuditEntry.objects.order_by("chain_seq"))


def refused(sql: str, params: list[str | int | None] | None = None) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params or [])
    return str(caught.value)


def test_the_app_role_is_not_the_owner(as_app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, pg_has_role('postgres', 'MEMBER')")
        assert cursor.fetchone() == (APP_ROLE, False)


def test_the_app_role_writes_a_verifiable_trail(trail):
    assert [row.chain_seq for row in trail] == [1, 2]
    result = verify_trail()
    assert result.ok and result.checked == 2


@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE customers_auditentry",
        "TRUNCATE customers_auditentry CASCADE",
        "TRUNCATE customers_auditchainhead",
    ],
)
def test_truncate_is_refused_even_with_the_old_maintenance_setting(trail, sql):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL supportdesk.audit_maintenance = 'on'")
    assert "append-only" in refused(sql)
    assert AuditEntry.objects.count() == 2


def test_the_head_cannot_be_reset_or_replaced(trail):
    assert "append-only" in refused(
        "UPDATE customers_auditchainhead SET seq = 0, hash = %s", ["0" * 64]
    )
    assert "append-only" in refused(
        "UPDATE customers_auditchainhead SET seq = 1, hash = %s", [trail[0].row_hash]
    )
    assert "append-only" in refused("DELETE FROM customers_auditchainhead")
    assert "append-only" in refused(
        "INSERT INTO customers_auditchainhead (id, seq, hash) VALUES (2, 0, %s)", ["0" * 64]
    )
    assert AuditChainHead.objects.get(pk=1).seq == 2


def test_a_completed_row_cannot_be_inserted(trail):
    forged = AuditEntry(
        operation=AuditEntry.Operation.CREATE_CUSTOMER,
        outcome=AuditEntry.Outcome.OK,
        api_call_id="madeup123",
        username="alice",
    )
    with pytest.raises(DatabaseError, match="only open rows"), transaction.atomic():
        forged.save(force_insert=True)


def test_a_completed_row_cannot_be_completed_again_or_changed(trail):
    assert "append-only" in refused(
        "UPDATE customers_auditentry SET outcome = 'api_error', api_call_id = 'madeup' "
        "WHERE id = %s",
        [trail[0].pk],
    )
    assert "append-only" in refused(
        "UPDATE customers_auditentry SET completed_at = NULL, chain_seq = NULL WHERE id = %s",
        [trail[0].pk],
    )
    assert "append-only" in refused("DELETE FROM customers_auditentry WHERE id = %s", [trail[0].pk])


def test_an_open_row_can_only_be_completed_as_the_next_link(trail, agent):
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    # A made-up result outside the chain: refused by the database.
    assert "next link" in refused(
        "UPDATE customers_auditentry SET completed_at = now(), outcome = 'ok', "
        "api_call_id = 'madeup' WHERE id = %s",
        [started.pk],
    )
    # A made-up result that takes the next place with a made-up hash: the database cannot
    # check a MAC it has no key for, but the verifier can.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_auditentry SET completed_at = now(), outcome = 'ok', "
            "api_call_id = 'madeup', chain_seq = 3, prev_hash = %s, row_hash = %s, "
            "chain_key_id = 'dev' WHERE id = %s",
            [trail[-1].row_hash, "f" * 64, started.pk],
        )
        cursor.execute("UPDATE customers_auditchainhead SET seq = 3, hash = %s", ["f" * 64])
    problems = [str(p) for p in verify_trail().problems]
    assert problems == [
        f"Audit entry {started.pk} (chain position 3) content was changed after it was written"
    ]


def test_identity_columns_of_an_open_row_cannot_change(trail, agent):
    started = open_call(agent, Operation.SEARCH_CUSTOMERS)
    assert "append-only" in refused(
        "UPDATE customers_auditentry SET username = 'somebody' WHERE id = %s", [started.pk]
    )


def shadow(
    name: str, columns: str, rows: str, params: list[str | int | None] | None = None
) -> None:
    """A temporary table named like a table the guard reads: with no fixed search_path,
    PostgreSQL looks in the session's temporary schema before pg_catalog and public."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
        cursor.execute(f"INSERT INTO pg_temp.{name} {rows}", params or [])


def unshadow(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE pg_temp.{name}")


def test_temporary_tables_named_like_what_the_guard_reads_change_nothing(trail, client, agent):
    # The app role passes for the owner of both tables in a pg_class of its own...
    shadow(
        "pg_class",
        "oid oid, relowner oid, relname name",
        "SELECT c.oid, r.oid, c.relname FROM pg_catalog.pg_class c, pg_catalog.pg_roles r "
        "WHERE c.relname LIKE 'customers_audit%%' AND r.rolname = current_user",
    )
    assert "only open rows" in refused(
        "INSERT INTO public.customers_auditentry (created_at, completed_at, kind, operation, "
        "http_method, path, search_term, target_customer_id, sandbox, outcome, error_code, "
        "api_call_id, message, customer_id, username, request_id, chain_seq, prev_hash, "
        "row_hash, chain_key_id) VALUES (now(), now(), 'api_call', 'CreateCustomer', 'POST', "
        "'/customer', '', '', false, 'ok', '', 'madeup123', '', '', 'alice', '', 3, %s, %s, 'dev')",
        [trail[-1].row_hash, "f" * 64],
    )
    assert "append-only" in refused("DELETE FROM public.customers_auditchainhead")
    assert "append-only" in refused(
        "TRUNCATE public.customers_auditentry, public.customers_auditchainhead"
    )
    unshadow("pg_class")
    # ...a chain head of its own, to complete a row at a place of its choosing...
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    shadow(
        "customers_auditchainhead",
        "id int, seq bigint, hash varchar",
        "VALUES (1, 99, %s)",
        ["f" * 64],
    )
    assert "next link" in refused(
        "UPDATE public.customers_auditentry SET completed_at = now(), outcome = 'ok', "
        "chain_seq = 100, prev_hash = %s, row_hash = %s, chain_key_id = 'dev' WHERE id = %s",
        ["f" * 64, "e" * 64, started.pk],
    )
    unshadow("customers_auditchainhead")
    # ...or a trail of its own, to move the head onto a row that is not there.
    shadow(
        "customers_auditentry",
        "chain_seq bigint, row_hash varchar, prev_hash varchar",
        "VALUES (3, %s, %s)",
        ["e" * 64, trail[-1].row_hash],
    )
    assert "append-only" in refused(
        "UPDATE public.customers_auditchainhead SET seq = 3, hash = %s", ["e" * 64]
    )
    unshadow("customers_auditentry")

    assert AuditChainHead.objects.get(pk=1).seq == 2
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 302
    result = verify_trail()
    assert not result.problems and result.checked == 3  # the two, and the sign-in


OPEN_ROW = (
    "INSERT INTO customers_auditentry (created_at, kind, operation, http_method, path, "
    "search_term, target_customer_id, sandbox, outcome, error_code, api_call_id, message, "
    "customer_id, username, request_id, prev_hash, row_hash, chain_key_id, open_mac, "
    "open_key_id) VALUES ('2001-01-01T00:00:00Z', 'api_call', 'CreateCustomer', 'POST', "
    "'/customer', '', '', false, 'unknown', '', '', '', '', 'alice', '', '', '', '', %s, %s) "
)


def test_an_open_row_takes_the_databases_time_and_comes_unsigned(trail):
    with connection.cursor() as cursor:
        cursor.execute(OPEN_ROW + "RETURNING id, created_at, statement_timestamp()", ["", ""])
        entry_id, created_at, now = cursor.fetchone()
    assert created_at == now  # not the time the insert asked for
    assert "only open rows may be inserted, unsigned" in refused(OPEN_ROW, ["f" * 64, "dev"])
    # Inserted without the key, it stays unsigned: named forged, never abandoned.
    assert [str(p) for p in verify_trail().problems] == [
        f"Audit entry {entry_id} (chain position 0) is open but was not signed when it was "
        "opened: forged"
    ]


def test_an_open_row_is_signed_once_with_nothing_else_changed(trail, agent):
    started = open_call(agent, Operation.CREATE_CUSTOMER)  # the app signed it
    assert "append-only" in refused(
        "UPDATE customers_auditentry SET open_mac = %s WHERE id = %s", ["e" * 64, started.pk]
    )
    with connection.cursor() as cursor:
        cursor.execute(OPEN_ROW + "RETURNING id", ["", ""])
        unsigned = cursor.fetchone()[0]
    assert "append-only" in refused(
        "UPDATE customers_auditentry SET open_mac = %s, open_key_id = 'dev', "
        "target_customer_id = 'C1' WHERE id = %s",
        ["e" * 64, unsigned],
    )
    # A made-up signature gets in (the database holds no key), and is caught by the verifier.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_auditentry SET open_mac = %s, open_key_id = 'dev' WHERE id = %s",
            ["e" * 64, unsigned],
        )
    assert [str(p) for p in verify_trail().problems] == [
        f"Audit entry {unsigned} (chain position 0) is open but does not match its signature: "
        "forged"
    ]


@pytest.mark.parametrize(
    "change", ["open_mac = repeat('e', 64)", "open_key_id = 'k9'", "created_at = now()"]
)
def test_completing_a_row_keeps_its_time_and_signature(trail, agent, change):
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    assert "append-only" in refused(
        "UPDATE customers_auditentry SET completed_at = now(), outcome = 'ok', chain_seq = 3, "
        f"prev_hash = %s, row_hash = %s, chain_key_id = 'dev', {change} WHERE id = %s",
        [trail[-1].row_hash, "f" * 64, started.pk],
    )
