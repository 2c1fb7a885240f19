"""The audit writes in as few round trips as the database allows (customers/audit/fastwrite.py):
same rows, same chain, same guard as the ORM's transaction.

Transactional tests: the two-round-trip path runs only in autocommit, as every API call's
completion does in production (a test-case transaction would send it down the ORM path).
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from customers import audit
from customers.audit import Actor, fastwrite
from customers.audit.chain import open_problem
from customers.audit.verify import verify_trail
from customers.models import AuditChainHead, AuditEntry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL path"),
]


def _open(agent) -> AuditEntry:
    return audit.api_call_started(
        operation=AuditEntry.Operation.SEARCH_CUSTOMERS,
        http_method="POST",
        path="/v2/customers/search",
        actor=Actor(user=agent),
        sandbox=True,
        search_term="jane@example.com",
    )


def _result(call_id: str) -> dict[str, object]:
    return audit.call_result(
        outcome=AuditEntry.Outcome.OK,
        duration_ms=12,
        http_status=200,
        revcent_code=1,
        api_call_id=call_id,
    )


def _complete(entry: AuditEntry, call_id: str) -> None:
    audit.api_calls_completed([(entry, _result(call_id))])


def test_completions_in_two_round_trips_are_links_of_one_verified_chain(agent):
    assert fastwrite.usable()
    entries = [_open(agent) for _ in range(3)]
    for number, entry in enumerate(entries):
        _complete(entry, f"CALL{number:016d}")
    rows = list(AuditEntry.objects.order_by("chain_seq"))
    assert [row.api_call_id for row in rows] == [f"CALL{n:016d}" for n in range(3)]
    assert all(row.completed_at and len(row.row_hash) == 64 for row in rows)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (rows[-1].chain_seq, rows[-1].row_hash)
    result = verify_trail()
    assert result.ok and result.checked == 3


def test_a_second_completion_changes_nothing_and_is_logged(agent, caplog):
    entry = _open(agent)
    _complete(entry, "FIRST000000000000000")
    head = AuditChainHead.objects.get(pk=1)
    with caplog.at_level(logging.ERROR):
        _complete(AuditEntry.objects.get(pk=entry.pk), "SECOND00000000000000")
    assert "already completed" in caplog.text
    assert AuditEntry.objects.get(pk=entry.pk).api_call_id == "FIRST000000000000000"
    assert AuditChainHead.objects.get(pk=1).seq == head.seq
    assert connection.connection.info.transaction_status == 0  # idle: nothing left open
    assert verify_trail().ok


def test_a_missing_chain_head_is_made_as_before(agent):
    # After a flush (the tables' owner may delete the head), the ORM path makes it again.
    AuditChainHead.objects.all().delete()
    entry = _open(agent)
    _complete(entry, "AFTERFLUSH0000000000")
    assert AuditChainHead.objects.get(pk=1).seq == 1
    assert connection.connection.info.transaction_status == 0
    assert verify_trail().ok


def test_rows_completed_together_are_consecutive_links_in_their_order(agent):
    entries = [_open(agent) for _ in range(3)]
    audit.api_calls_completed(
        [(entry, _result(f"TOGETHER{n:012d}")) for n, entry in enumerate(entries)]
    )
    rows = list(AuditEntry.objects.order_by("chain_seq"))
    assert [(row.pk, row.chain_seq) for row in rows] == [
        (e.pk, n + 1) for n, e in enumerate(entries)
    ]
    assert [row.api_call_id for row in rows] == [f"TOGETHER{n:012d}" for n in range(3)]
    assert connection.connection.info.transaction_status == 0
    result = verify_trail()
    assert result.ok and result.checked == 3


def test_a_row_completed_by_someone_else_leaves_the_others_to_complete_on_their_own(agent, caplog):
    first, second, third = (_open(agent) for _ in range(3))
    _complete(AuditEntry.objects.get(pk=second.pk), "SOMEONEELSE000000000")
    with caplog.at_level(logging.ERROR):
        audit.api_calls_completed(
            [(entry, _result(f"LATER{n:015d}")) for n, entry in enumerate([first, second, third])]
        )
    assert f"Audit entry {second.pk} was already completed" in caplog.text
    found = {row.pk: row.api_call_id for row in AuditEntry.objects.all()}
    assert found == {
        first.pk: "LATER000000000000000",
        second.pk: "SOMEONEELSE000000000",
        third.pk: "LATER000000000000002",
    }
    assert connection.connection.info.transaction_status == 0
    result = verify_trail()
    assert result.ok and result.checked == 3


def _unsaved(agent, term: str) -> AuditEntry:
    return AuditEntry(
        operation=AuditEntry.Operation.SEARCH_CUSTOMERS,
        http_method="POST",
        path="/v2/customers/search",
        search_term=term,
        sandbox=True,
        user=agent,
        username=agent.username,
    )


def test_rows_opened_in_two_round_trips_are_the_rows_the_orm_opens(agent):
    fast = [_unsaved(agent, "a@example.com"), _unsaved(agent, "b@example.com")]
    plain = [_unsaved(agent, "a@example.com"), _unsaved(agent, "b@example.com")]
    with CaptureQueriesContext(connection) as captured:
        fastwrite.insert_open(fast)  # autocommit: the two messages
    assert len(captured.captured_queries) == 2
    with transaction.atomic():
        fastwrite.insert_open(plain)  # inside a transaction: bulk_create and the ORM's UPDATE
    stored = {row["id"]: row for row in AuditEntry.objects.values()}
    differ = {"id", "created_at", "open_mac"}  # each row's own, and what signs them
    for made_fast, made_plain in zip(fast, plain, strict=True):
        row, twin = stored[made_fast.pk], stored[made_plain.pk]
        assert {k: v for k, v in row.items() if k not in differ} == {
            k: v for k, v in twin.items() if k not in differ
        }
        assert (row["created_at"], row["open_mac"]) == (made_fast.created_at, made_fast.open_mac)
        assert open_problem(row) == open_problem(twin) == ""
    assert verify_trail().problems == []


def test_an_agent_action_is_opened_signed_completed_and_chained_in_two_messages(agent, monkeypatch):
    import psycopg

    sent: list[str] = []
    execute = psycopg.ClientCursor.execute

    def counted(self, query, *args, **kwargs):
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    call = _open(agent)
    _complete(call, "CALL0000000000000001")
    monkeypatch.setattr(psycopg.ClientCursor, "execute", counted)
    entry = audit.agent_action(
        action=AuditEntry.Operation.ASSISTANT_TOOL_CALL,
        actor=Actor(user=agent),
        message="search_customers: ok; arguments: query.",
    )
    assert len(sent) == 2
    assert sent[0].startswith("BEGIN; INSERT") and sent[1].rstrip().endswith("COMMIT")
    row = AuditEntry.objects.get(pk=entry.pk)
    assert row.completed_at == row.created_at
    assert (row.outcome, row.message) == ("ok", "search_customers: ok; arguments: query.")
    assert row.chain_seq == 2 and open_problem(AuditEntry.objects.values().get(pk=row.pk)) == ""
    result = verify_trail()
    assert result.ok and result.checked == 2


def test_an_agent_action_makes_the_chain_head_when_it_is_missing(agent):
    AuditChainHead.objects.all().delete()  # as after a test database is flushed
    first = audit.agent_action(action=AuditEntry.Operation.SIGN_IN, actor=Actor(user=agent))
    second = audit.agent_action(action=AuditEntry.Operation.SIGN_IN, actor=Actor(user=agent))
    assert [first.chain_seq, second.chain_seq] == [1, 2]
    assert AuditEntry.objects.count() == 2
    assert verify_trail().ok
