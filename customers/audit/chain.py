"""Tamper evidence for the audit trail.

Every completed row is a link in one hash chain: row_hash = SHA-256 of the previous row's
hash and this row's content. Changing, removing or reordering any completed row breaks
every hash after it; `manage.py verify_audit_log` walks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from customers.models import AuditChainHead, AuditEntry

HASHED_FIELDS = (
    "id",
    "created_at",
    "completed_at",
    "kind",
    "operation",
    "http_method",
    "path",
    "search_term",
    "target_customer_id",
    "sandbox",
    "outcome",
    "http_status",
    "revcent_code",
    "api_call_id",
    "api_call_unix",
    "message",
    "customer_id",
    "duration_ms",
    "user_id",
    "username",
    "request_id",
    "chain_seq",
)
# Added after rows were first chained: hashed only when filled, so older rows still verify
# and a value added to or removed from any row still breaks the chain.
HASHED_IF_SET = ("error_code",)
GENESIS = "0" * 64


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def row_digest(values: dict, prev_hash: str) -> str:
    content = [prev_hash, *(_canonical(values[name]) for name in HASHED_FIELDS)]
    content += [[name, values[name]] for name in HASHED_IF_SET if values.get(name)]
    encoded = json.dumps(content, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def chain_link(entry: AuditEntry) -> dict[str, object]:
    """Take the next place in the chain for entry (call inside a transaction)."""
    locked = AuditChainHead.objects.select_for_update()
    head = locked.filter(pk=1).first()
    if head is None:  # made by a migration; gone after a test database is flushed
        AuditChainHead.objects.get_or_create(pk=1)
        head = locked.get(pk=1)
    entry.chain_seq = head.seq + 1
    entry.prev_hash = head.hash
    values = {name: getattr(entry, name) for name in (*HASHED_FIELDS, *HASHED_IF_SET)}
    entry.row_hash = row_digest(values, head.hash)
    head.seq, head.hash = entry.chain_seq, entry.row_hash
    head.save(update_fields=["seq", "hash"])
    return {"chain_seq": entry.chain_seq, "prev_hash": entry.prev_hash, "row_hash": entry.row_hash}


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    chain_seq: int
    reason: str


def verify_chain(*, chunk_size: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return how many rows verified and the first problem."""
    expected_seq, prev = 1, GENESIS
    rows = (
        AuditEntry.objects.filter(chain_seq__isnull=False)
        .order_by("chain_seq")
        .values(*HASHED_FIELDS, *HASHED_IF_SET, "prev_hash", "row_hash")
        .iterator(chunk_size=chunk_size)
    )
    checked = 0
    for row in rows:
        if row["chain_seq"] != expected_seq:
            return checked, ChainProblem(
                row["id"],
                row["chain_seq"],
                f"expected chain position {expected_seq}: a row is missing",
            )
        if row["prev_hash"] != prev:
            return checked, ChainProblem(
                row["id"], row["chain_seq"], "does not follow the row before it"
            )
        if row_digest(row, prev) != row["row_hash"]:
            return checked, ChainProblem(
                row["id"], row["chain_seq"], "content was changed after it was written"
            )
        prev = row["row_hash"]
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return checked, ChainProblem(0, head.seq, "the newest rows are missing from the end")
    return checked, None
