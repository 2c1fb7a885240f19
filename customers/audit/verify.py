"""Proving the audit trail untouched: walk the chain, check it extends the last anchor.

An anchor is `<entry count>:<MAC of the newest row>`, printed by `verify_audit_log` and
sent elsewhere by `audit_anchor`. Kept outside the database (a log collector, auditors'
mail), it lets the next check notice rows deleted from the end with the head reset, which
the chain alone cannot: a shorter chain is still a valid chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from customers.anchor import Anchor
from customers.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    HASHED_IF_SET,
    LEGACY_KEY_ID,
    SIGNED_OPEN,
    UnknownChainKey,
    open_problem,
    row_digest,
)
from customers.models import AuditChainHead, AuditEntry

# A call's row stays open while the call runs, at most the RevCent deadline; this margin
# covers writing the result. Older than both, no process is going to complete it.
ABANDONED_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    chain_seq: int
    reason: str

    def __str__(self) -> str:
        if not self.entry_id:
            return self.reason
        return f"Audit entry {self.entry_id} (chain position {self.chain_seq}) {self.reason}"


@dataclass
class Verification:
    checked: int = 0
    head: Anchor = field(default_factory=lambda: Anchor(0, GENESIS))
    problems: list[ChainProblem] = field(default_factory=list)
    # Open rows no process will complete: reported apart, since closing them is routine.
    abandoned: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.abandoned


def abandoned_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.REVCENT_TIMEOUT_SECONDS) - ABANDONED_MARGIN


Checkpoint = tuple[str, Anchor]
# A row as `.values()` reads it: each column's own type.
Row = dict[str, Any]


def _checkpoints(anchor: Anchor | None) -> list[Checkpoint]:
    """The counts and MACs given from outside the database that the trail must go through."""
    given = [("the anchor", anchor), ("AUDIT_CHAIN_LEGACY_END", settings.AUDIT_CHAIN_LEGACY_END)]
    return [(name, point) for name, point in given if point is not None]


def _link_problem(row: Row, position: int, prev: str, keyed: bool, unkeyed_until: int) -> str:
    """What is wrong with the row at this place in the chain; "" if nothing."""
    seq, key_id = row["chain_seq"], row["chain_key_id"]
    if seq != position:
        return f"is not at chain position {position}: a row is missing"
    if row["prev_hash"] != prev:
        return "does not follow the row before it"
    if key_id == LEGACY_KEY_ID and keyed:
        return "is not signed with a chain key, though rows before it are: forged"
    if key_id == LEGACY_KEY_ID and seq > unkeyed_until:
        # Plain SHA-256 is anyone's to compute: being first proves nothing.
        return (
            "is not signed with a chain key, and neither AUDIT_CHAIN_LEGACY_END nor --anchor "
            "vouches for unkeyed rows this far: forged, or a trail from before keys whose "
            "AUDIT_CHAIN_LEGACY_END is not set"
        )
    try:
        if row_digest(row, prev, key_id) != row["row_hash"]:
            return "content was changed after it was written"
    except UnknownChainKey:
        return f"is signed with chain key {key_id!r}, which is not configured"
    return ""


def _walk(result: Verification, checkpoints: list[Checkpoint], chunk_size: int) -> None:
    unkeyed_until = max((point.count for _, point in checkpoints), default=0)
    prev, keyed = GENESIS, False
    rows = (
        AuditEntry.objects.filter(chain_seq__isnull=False)
        .order_by("chain_seq")
        .values(*HASHED_FIELDS, *HASHED_IF_SET, "chain_key_id", "prev_hash", "row_hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        seq = row["chain_seq"]
        problem = _link_problem(row, result.checked + 1, prev, keyed, unkeyed_until)
        if problem:
            result.problems.append(ChainProblem(row["id"], seq, problem))
            return
        prev, keyed = row["row_hash"], keyed or row["chain_key_id"] != LEGACY_KEY_ID
        result.checked += 1
        for name, point in checkpoints:
            if seq == point.count and prev != point.mac:
                result.problems.append(
                    ChainProblem(row["id"], seq, f"differs from {name}: the trail was rewritten")
                )
                return
    result.head = Anchor(result.checked, prev)


def _short_of(result: Verification, checkpoints: list[Checkpoint]) -> list[ChainProblem]:
    """Checkpoints the walked chain never reached."""
    problems = []
    for name, point in checkpoints:
        if point.count > result.checked:
            reason = (
                f"The trail has {result.checked} entries, fewer than {name}'s {point.count}: "
                "rows were removed from the end."
            )
            problems.append(ChainProblem(0, 0, reason))
        elif point.count == 0 and point.mac != GENESIS:
            problems.append(ChainProblem(0, 0, f"Not a valid empty trail: {name}."))
    return problems


def verify_trail(
    *, anchor: Anchor | None = None, now: datetime | None = None, chunk_size: int = 5000
) -> Verification:
    """Check the whole trail; every problem found is named, not only the first."""
    result = Verification()
    checkpoints = _checkpoints(anchor)
    _walk(result, checkpoints, chunk_size)
    if not result.problems:
        result.problems += _short_of(result, checkpoints)
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is not None and (head.seq, head.hash) != (result.head.count, result.head.mac):
            result.problems.append(
                ChainProblem(0, head.seq, "The newest rows are missing from the end.")
            )
    completed_unlinked = AuditEntry.objects.filter(
        completed_at__isnull=False, chain_seq__isnull=True
    ).values_list("id", flat=True)
    for entry_id in completed_unlinked[:20]:
        result.problems.append(
            ChainProblem(entry_id, 0, "is completed but not in the chain: written behind the app")
        )
    open_with_result = (
        AuditEntry.objects.filter(completed_at=None)
        .exclude(outcome=AuditEntry.Outcome.UNKNOWN, api_call_id="", chain_seq=None)
        .values_list("id", flat=True)
    )
    for entry_id in open_with_result[:20]:
        result.problems.append(
            ChainProblem(entry_id, 0, "is open but carries a result: written behind the app")
        )
    for entry_id, problem in forged_open_entries()[:20]:
        result.problems.append(ChainProblem(entry_id, 0, f"is open but {problem}: forged"))
    result.abandoned = abandoned_entries(now or timezone.now())
    return result


def _open_rows(**filters: object) -> list[Row]:
    # At most 1,000, oldest first: open rows are the calls in flight, a handful.
    rows = AuditEntry.objects.filter(completed_at=None, **filters).order_by("id")
    return list(rows.values(*SIGNED_OPEN)[:1000])


def forged_open_entries() -> list[tuple[int, str]]:
    """Open rows the app did not open (no valid signature), each with what is wrong with it.

    Whatever their age: a row is signed in the transaction that inserts it, so even one
    opened a moment ago is never seen unsigned.
    """
    return [(row["id"], problem) for row in _open_rows() if (problem := open_problem(row))]


def abandoned_entries(now: datetime) -> list[int]:
    """Open rows the app opened that no process is going to complete (oldest first)."""
    rows = _open_rows(created_at__lt=abandoned_before(now))
    return [row["id"] for row in rows if not open_problem(row)]
