"""The audit completion on PostgreSQL in two round trips (customers/audit/pipelined.py):
same rows, same chain, same guard as the ORM's transaction.

Transactional tests: the pipelined path runs only in autocommit, as every API call's
completion does in production (a test-case transaction would send it down the ORM path).
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from customers import audit
from customers.audit import Actor, pipelined
from customers.audit.verify import verify_trail
from customers.models import AuditChainHead, AuditEntry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's pipeline mode"),
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


def _complete(entry: AuditEntry, call_id: str) -> None:
    audit.api_call_completed(
        entry,
        outcome=AuditEntry.Outcome.OK,
        duration_ms=12,
        http_status=200,
        revcent_code=1,
        api_call_id=call_id,
    )


def test_completions_are_pipelined_links_of_one_verified_chain(agent):
    assert pipelined.usable()
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
