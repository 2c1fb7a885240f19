"""Proving the audit trail untouched: walk the chain, check it extends the last anchor.

An anchor is `<entry count>:<MAC of the newest row>`, printed by `verify_audit_log` and
sent elsewhere by `audit_anchor`. Kept outside the database (a log collector, auditors'
mail), it lets the next check notice rows deleted from the end with the head reset, which
the chain alone cannot: a shorter chain is still a valid chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from customers.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    HASHED_IF_SET,
    LEGACY_KEY_ID,
    UnknownChainKey,
    row_digest,
)
from customers.models import AuditChainHead, AuditEntry

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")
# A call's row stays open while the call runs, at most the RevCent deadline; this margin
# covers writing the result. Older than both, no process is going to complete it.
ABANDONED_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True)
class Anchor:
    count: int
    mac: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        match = _ANCHOR.match(text.strip().lower())
        if match is None:
            raise ValueError("An anchor looks like <entry count>:<64 hex digits>.")
        return cls(int(match[1]), match[2])

    def __str__(self) -> str:
        return f"{self.count}:{self.mac}"


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


def _walk(result: Verification, anchor: Anchor | None, chunk_size: int) -> None:
    prev, keyed = GENESIS, False
    rows = (
        AuditEntry.objects.filter(chain_seq__isnull=False)
        .order_by("chain_seq")
        .values(*HASHED_FIELDS, *HASHED_IF_SET, "chain_key_id", "prev_hash", "row_hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        seq, key_id = row["chain_seq"], row["chain_key_id"]
        problem = None
        if seq != result.checked + 1:
            problem = f"is not at chain position {result.checked + 1}: a row is missing"
        elif row["prev_hash"] != prev:
            problem = "does not follow the row before it"
        elif keyed and key_id == LEGACY_KEY_ID:
            problem = "is not signed with a chain key, though rows before it are: forged"
        else:
            try:
                if row_digest(row, prev, key_id) != row["row_hash"]:
                    problem = "content was changed after it was written"
            except UnknownChainKey:
                problem = f"is signed with chain key {key_id!r}, which is not configured"
        if problem is not None:
            result.problems.append(ChainProblem(row["id"], seq, problem))
            return
        prev, keyed = row["row_hash"], keyed or key_id != LEGACY_KEY_ID
        result.checked += 1
        if anchor is not None and seq == anchor.count and prev != anchor.mac:
            result.problems.append(
                ChainProblem(row["id"], seq, "differs from the anchor: the trail was rewritten")
            )
            return
    result.head = Anchor(result.checked, prev)


def verify_trail(
    *, anchor: Anchor | None = None, now: datetime | None = None, chunk_size: int = 5000
) -> Verification:
    """Check the whole trail; every problem found is named, not only the first."""
    result = Verification()
    _walk(result, anchor, chunk_size)
    if not result.problems:
        if anchor is not None and anchor.count > result.checked:
            result.problems.append(
                ChainProblem(
                    0,
                    0,
                    f"The trail has {result.checked} entries, fewer than the anchor's "
                    f"{anchor.count}: rows were removed from the end.",
                )
            )
        elif anchor is not None and anchor.count == 0 and anchor.mac != GENESIS:
            result.problems.append(ChainProblem(0, 0, "The anchor is not a valid empty trail."))
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
    result.abandoned = abandoned_entries(now or timezone.now())
    return result


def abandoned_entries(now: datetime) -> list[int]:
    """Open rows no process is going to complete (at most 1,000, oldest first)."""
    return list(
        AuditEntry.objects.filter(completed_at=None, created_at__lt=abandoned_before(now))
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
