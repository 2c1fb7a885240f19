"""The audit chain against someone who can write to the database but holds no chain key.

Each attack from issue 15 is made here as an insider would make it, then
`verify_audit_log`, given the last anchor, must exit non-zero naming the problem.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from customers import audit
from customers.audit import Actor, Anchor
from customers.audit.chain import HASHED_FIELDS, HASHED_IF_SET, _canonical
from customers.models import AuditChainHead, AuditEntry
from customers.revcent import get_client
from tests.audit_helpers import Operation, open_call
from tests.seeded import JANE

pytestmark = pytest.mark.django_db

KEY_A = "a" * 20 + "Zq8vN3pL0sX7wR2tY5uB"
KEY_B = "b" * 20 + "Mk4jH9gF6dS1aQ0zX3cV"


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit_log", *args, stdout=out)
    return out.getvalue()


def anchor_of(output: str) -> str:
    last = output.strip().splitlines()[-1]
    assert last.startswith("anchor: ")
    return last.removeprefix("anchor: ")


def make_trail(user, count: int = 4) -> list[AuditEntry]:
    client = get_client()
    for n in range(count):
        if n % 2:
            audit.agent_action(
                action=AuditEntry.Operation.CARD_LINK_CREATED,
                actor=Actor(user=user),
                message=f"{n}",
            )
        else:
            client.search_customers(f"jane{n}@example.com", actor=Actor(user=user))
    return list(AuditEntry.objects.order_by("chain_seq"))


def tamper(sql: str, params: list[str | int | None] | None = None) -> None:
    """Write behind the app, as a database owner with its triggers switched off would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])


def sha256_rechain(from_seq: int) -> None:
    """Recompute every link from from_seq with plain SHA-256, the attack a keyless insider has."""
    rows = AuditEntry.objects.filter(chain_seq__gte=from_seq).order_by("chain_seq")
    prev = AuditEntry.objects.get(chain_seq=from_seq - 1).row_hash if from_seq > 1 else "0" * 64
    for row in rows:
        values = [prev, *(_canonical(getattr(row, n)) for n in HASHED_FIELDS)]
        values += [[n, getattr(row, n)] for n in HASHED_IF_SET if getattr(row, n)]
        encoded = json.dumps(values, separators=(",", ":"), ensure_ascii=False, default=str)
        digest = hashlib.sha256(encoded.encode()).hexdigest()
        tamper(
            "UPDATE customers_auditentry SET prev_hash = %s, row_hash = %s, chain_key_id = '' "
            "WHERE id = %s",
            [prev, digest, row.pk],
        )
        prev = digest
    last = rows.last()
    assert last is not None
    tamper("UPDATE customers_auditchainhead SET hash = %s, seq = %s", [prev, last.chain_seq])


def test_an_untouched_trail_verifies_and_prints_its_anchor_last(agent):
    rows = make_trail(agent)
    output = verify()
    assert "4 audit entries verified." in output
    assert anchor_of(output) == f"4:{rows[-1].row_hash}"
    assert {row.chain_key_id for row in rows} == {"dev"}
    # The next check, given that anchor, passes and prints a longer one.
    make_trail(agent, 2)
    assert anchor_of(verify("--anchor", anchor_of(output))).startswith("6:")


def test_rows_are_signed_with_the_key_not_plain_sha256(agent):
    rows = make_trail(agent, 1)
    other_key = override_settings(AUDIT_CHAIN_KEY_ID="k2", AUDIT_CHAIN_KEYS={"k2": KEY_A})
    with other_key, pytest.raises(CommandError, match="chain key 'dev', which is not configured"):
        verify()
    assert len(rows[0].row_hash) == 64


def test_a_row_changed_and_rechained_with_sha256_is_caught(agent):
    rows = make_trail(agent)
    tamper("UPDATE customers_auditentry SET outcome = 'api_error' WHERE id = %s", [rows[2].pk])
    sha256_rechain(3)
    with pytest.raises(
        CommandError, match=rf"Audit entry {rows[2].pk} \(chain position 3\).*forged"
    ):
        verify()


def test_a_whole_trail_rechained_with_sha256_is_caught_without_an_anchor(agent):
    rows = make_trail(agent)
    anchor = anchor_of(verify())
    tamper("UPDATE customers_auditentry SET message = 'nothing happened' WHERE chain_seq = 2")
    sha256_rechain(1)
    # Coming first does not make unkeyed rows an old, pre-key trail: nothing outside the
    # database says there was one.
    with pytest.raises(
        CommandError,
        match=rf"Audit entry {rows[0].pk} \(chain position 1\) is not signed with a chain key, "
        "and neither AUDIT_CHAIN_LEGACY_END nor --anchor vouches",
    ):
        verify()
    with pytest.raises(CommandError, match=r"chain position 4\) differs from the anchor"):
        verify("--anchor", anchor)


def _trail_from_before_keys(user) -> str:
    """Two rows chained with plain SHA-256, as before keys existed, then two keyed ones; the
    count:hash of the last unkeyed row, as the operator would have kept it."""
    make_trail(user, 2)
    sha256_rechain(1)
    legacy_end = f"2:{AuditEntry.objects.get(chain_seq=2).row_hash}"
    make_trail(user, 2)
    return legacy_end


def test_unkeyed_rows_verify_up_to_the_legacy_end_given_from_outside(agent):
    legacy_end = Anchor.parse(_trail_from_before_keys(agent))
    with pytest.raises(CommandError, match=r"chain position 1\) is not signed with a chain key"):
        verify()
    with override_settings(AUDIT_CHAIN_LEGACY_END=legacy_end):
        assert "4 audit entries verified." in verify()
    # The first anchor kept after the upgrade vouches for them as well.
    assert "4 audit entries verified." in verify("--anchor", str(legacy_end))


def refusal(legacy_end: Anchor) -> str:
    """verify_audit_log's complaint with AUDIT_CHAIN_LEGACY_END set to legacy_end."""
    with override_settings(AUDIT_CHAIN_LEGACY_END=legacy_end), pytest.raises(CommandError) as e:
        verify()
    return str(e.value)


def test_a_legacy_end_does_not_vouch_for_other_or_more_unkeyed_rows(agent):
    legacy_end = Anchor.parse(_trail_from_before_keys(agent))
    too_short = Anchor(1, AuditEntry.objects.get(chain_seq=1).row_hash)
    assert "chain position 2) is not signed with a chain key" in refusal(too_short)
    assert "chain position 2) differs from AUDIT_CHAIN_LEGACY_END" in refusal(Anchor(2, "e" * 64))
    # Rewritten from the start, the unkeyed rows no longer reach the hash kept outside.
    tamper("UPDATE customers_auditentry SET message = 'changed' WHERE chain_seq = 1")
    sha256_rechain(1)
    assert "chain position 2) differs from AUDIT_CHAIN_LEGACY_END" in refusal(legacy_end)


def test_a_tail_deleted_with_the_head_reset_is_caught_by_the_anchor(agent):
    rows = make_trail(agent, 6)
    anchor = anchor_of(verify())
    tamper("DELETE FROM customers_auditentry WHERE chain_seq > 3")
    tamper("UPDATE customers_auditchainhead SET seq = 3, hash = %s", [rows[2].row_hash])
    assert "3 audit entries verified." in verify()  # the cut chain is still a chain
    with pytest.raises(
        CommandError, match="3 entries, fewer than the anchor's 6: rows were removed"
    ):
        verify("--anchor", anchor)


def test_a_completed_row_inserted_without_a_link_is_caught(agent):
    make_trail(agent, 2)
    forged = AuditEntry(
        kind=AuditEntry.Kind.API_CALL,
        operation=AuditEntry.Operation.CREATE_CUSTOMER,
        outcome=AuditEntry.Outcome.OK,
        api_call_id="madeup123",
        username="alice",
    )
    forged.save(force_insert=True)  # as an owner, or on SQLite, nothing stops the insert
    tamper("UPDATE customers_auditentry SET completed_at = created_at WHERE id = %s", [forged.pk])
    with pytest.raises(CommandError, match=rf"Audit entry {forged.pk} .*not in the chain"):
        verify()


def test_a_rewritten_row_with_a_guessed_key_is_caught(agent):
    rows = make_trail(agent)
    with override_settings(AUDIT_CHAIN_KEY_ID="dev", AUDIT_CHAIN_KEYS={"dev": KEY_B}):
        entry = AuditEntry.objects.get(pk=rows[3].pk)
        tamper("UPDATE customers_auditentry SET message = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(CommandError, match=r"chain position 4\) content was changed"):
        verify()


def test_an_abandoned_open_row_fails_until_it_is_closed(agent):
    make_trail(agent, 2)
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    verify()  # a call in progress is normal
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        with pytest.raises(CommandError, match=rf"1 abandoned entries.*entries {started.pk}\)"):
            verify()
        out = io.StringIO()
        call_command("audit_close_abandoned", stdout=out)
        assert "1 abandoned audit entries closed as unknown." in out.getvalue()
        assert "3 audit entries verified." in verify()
    closed = AuditEntry.objects.get(pk=started.pk)
    assert closed.outcome == AuditEntry.Outcome.UNKNOWN
    assert closed.message.startswith("No result was recorded: the process making this call")


def test_rotated_keys_still_verify_older_rows(agent):
    make_trail(agent, 2)
    keys = {"k2": KEY_A, "dev": "insecure-audit-chain-key-for-sandbox-or-debug-only"}
    with override_settings(AUDIT_CHAIN_KEY_ID="k2", AUDIT_CHAIN_KEYS=keys):
        make_trail(agent, 2)
        assert "4 audit entries verified." in verify()
    ids = list(AuditEntry.objects.order_by("chain_seq").values_list("chain_key_id", flat=True))
    assert ids == ["dev", "dev", "k2", "k2"]


@pytest.mark.parametrize("bad", ["12", "12:abc", "x:" + "0" * 64, "-1:" + "0" * 64])
def test_a_malformed_anchor_is_refused_with_its_form(bad):
    with pytest.raises(CommandError, match="<entry count>:<64 hex digits>"):
        verify(f"--anchor={bad}")


def test_an_empty_trail_has_the_genesis_anchor():
    AuditChainHead.objects.get_or_create(pk=1)
    assert anchor_of(verify()) == "0:" + "0" * 64


def test_audit_anchor_logs_and_mails_the_anchor_to_auditors(agent, auditor, caplog):
    auditor.email = "ana@example.com"
    auditor.save()
    make_trail(agent, 2)
    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="supportdesk.audit.anchor"):
        call_command("audit_anchor", "--email", stdout=out)
    line = out.getvalue().strip().splitlines()[-1]
    assert line.startswith("anchor: 2:")
    assert line in caplog.text
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert line in mail.outbox[0].body


# --- open rows are signed when they are opened -------------------------------------------


def open_behind_the_app(*, open_mac: str = "", open_key_id: str = "", minutes_ago: int = 30) -> int:
    """An open row as someone without the key would insert it: any time, user, customer."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_auditentry (created_at, kind, operation, http_method, path, "
            "search_term, target_customer_id, sandbox, outcome, error_code, api_call_id, message, "
            "customer_id, user_id, username, request_id, prev_hash, row_hash, chain_key_id, "
            "open_mac, open_key_id) VALUES (%s, 'api_call', 'CreateCustomer', 'POST', "
            "'/customer', '', %s, false, 'unknown', '', '', '', '', NULL, 'alice', '', '', '', '', "
            "%s, %s)",
            [timezone.now() - timedelta(minutes=minutes_ago), JANE, open_mac, open_key_id],
        )
    return AuditEntry.objects.get(completed_at=None, target_customer_id=JANE).pk


def close_abandoned() -> tuple[str, str]:
    """audit_close_abandoned's output, and its complaint ("" when it exits 0)."""
    out = io.StringIO()
    try:
        call_command("audit_close_abandoned", stdout=out)
    except CommandError as refused:
        return out.getvalue(), str(refused)
    return out.getvalue(), ""


def test_rows_are_signed_when_opened_at_the_databases_time(agent):
    with time_machine.travel(datetime(2001, 1, 1, tzinfo=UTC), tick=False):
        started = open_call(agent, Operation.CREATE_CUSTOMER)
    row = AuditEntry.objects.get(pk=started.pk)
    assert row.created_at == started.created_at  # the time signed is the time stored
    assert row.created_at.year != 2001  # the database's clock, not the app server's
    assert (row.open_key_id, len(row.open_mac)) == ("dev", 64)
    assert verify_problems() == []


def verify_problems() -> list[str]:
    return [str(problem) for problem in audit.verify_trail().problems]


@pytest.mark.parametrize(
    ("mac", "key_id", "problem"),
    [
        ("", "", "was not signed when it was opened"),
        ("f" * 64, "dev", "does not match its signature"),
        ("f" * 64, "k9", "is signed with chain key 'k9', which is not configured"),
    ],
)
def test_an_open_row_inserted_without_the_key_is_forged_never_abandoned(
    agent, mac, key_id, problem
):
    make_trail(agent, 2)
    forged = open_behind_the_app(open_mac=mac, open_key_id=key_id)
    assert verify_problems() == [
        f"Audit entry {forged} (chain position 0) is open but {problem}: forged"
    ]
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        assert audit.verify_trail().abandoned == []
        output, complaint = close_abandoned()
    assert "0 abandoned audit entries closed as unknown." in output
    assert f"Audit entry {forged} {problem}." in complaint
    assert "left open, not closed" in complaint
    row = AuditEntry.objects.get(pk=forged)
    assert (row.completed_at, row.chain_seq) == (None, None)  # not signed into the chain
    assert AuditChainHead.objects.get(pk=1).seq == 2
    assert audit.customer_timeline(JANE) == []  # nor shown as something done about Jane


def test_a_real_abandoned_row_is_closed_beside_a_forged_one_left_open(agent):
    make_trail(agent, 2)
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    forged = open_behind_the_app()
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        assert audit.verify_trail().abandoned == [started.pk]
        output, complaint = close_abandoned()
    assert "1 abandoned audit entries closed as unknown." in output
    assert f"Audit entry {forged} was not signed when it was opened." in complaint
    closed = AuditEntry.objects.get(pk=started.pk)
    assert (closed.outcome, closed.chain_seq) == (AuditEntry.Outcome.UNKNOWN, 3)
    assert "the process making this call stopped" in closed.message
    assert verify_problems() == [
        f"Audit entry {forged} (chain position 0) is open but was not signed when it was "
        "opened: forged"
    ]


def test_a_signed_open_row_changed_afterwards_is_forged(agent):
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    tamper("UPDATE customers_auditentry SET username = 'mallory' WHERE id = %s", [started.pk])
    assert verify_problems() == [
        f"Audit entry {started.pk} (chain position 0) is open but does not match its signature: "
        "forged"
    ]


def test_an_open_row_signed_before_a_key_rotation_still_closes_and_verifies(agent):
    started = open_call(agent, Operation.CREATE_CUSTOMER)
    keys = {"k2": KEY_A, "dev": "insecure-audit-chain-key-for-sandbox-or-debug-only"}
    later = timezone.now() + timedelta(minutes=30)
    with override_settings(AUDIT_CHAIN_KEY_ID="k2", AUDIT_CHAIN_KEYS=keys):
        with time_machine.travel(later, tick=False):
            assert close_abandoned() == ("1 abandoned audit entries closed as unknown.\n", "")
        assert "1 audit entries verified." in verify()
    closed = AuditEntry.objects.get(pk=started.pk)
    assert (closed.open_key_id, closed.chain_key_id) == ("dev", "k2")
