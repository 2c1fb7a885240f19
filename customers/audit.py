"""Writing the audit trail. Reading it is Django admin's job (customers/admin.py)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from customers.cardguard import redact_card_numbers
from customers.models import AuditChainHead, AuditEntry, AuditTrailIsAppendOnly

logger = logging.getLogger(__name__)


class AuditWriteRefused(Exception):
    """The audit row could not be written safely, so the action must not happen."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the audit trail records it."""

    user: AbstractBaseUser | None = None
    request_id: str = ""
    # For work with no signed-in user, e.g. a management command.
    name: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user if not isinstance(request.user, AnonymousUser) else None
        return cls(user=user, request_id=getattr(request, "request_id", ""))

    @property
    def username(self) -> str:
        return self.user.get_username() if self.user is not None else self.name


def _inside_app_transaction() -> bool:
    # A row written inside a transaction that later rolls back would vanish, so the trail
    # must be written in autocommit. Test-case wrappers (marked by Django) do not count.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def api_call_started(
    *,
    operation: str,
    http_method: str,
    path: str,
    actor: Actor,
    sandbox: bool,
    search_term: str = "",
    target_customer_id: str = "",
) -> AuditEntry:
    """Record a call about to be made. Raises AuditWriteRefused if it cannot be recorded."""
    if _inside_app_transaction():
        raise AuditWriteRefused("RevCent calls must not run inside a database transaction.")
    try:
        return AuditEntry.objects.create(
            kind=AuditEntry.Kind.API_CALL,
            operation=operation,
            http_method=http_method,
            path=path[:200],
            search_term=redact_card_numbers(search_term)[:255],
            target_customer_id=target_customer_id[:20],
            sandbox=sandbox,
            user=actor.user,
            username=actor.username,
            request_id=actor.request_id,
        )
    except Exception as exc:  # any database failure means: do not make the call
        raise AuditWriteRefused(
            f"The audit trail could not be written ({type(exc).__name__})."
        ) from exc


def api_call_completed(
    entry: AuditEntry,
    *,
    outcome: str,
    duration_ms: int,
    http_status: int | None = None,
    revcent_code: int | None = None,
    error_code: str = "",
    api_call_id: str = "",
    api_call_unix: int | None = None,
    message: str = "",
    customer_id: str = "",
) -> None:
    fields = {
        "completed_at": timezone.now(),
        "outcome": outcome,
        "duration_ms": max(0, duration_ms),
        "http_status": http_status,
        "revcent_code": revcent_code,
        "error_code": redact_card_numbers(error_code)[:60],
        "api_call_id": api_call_id[:40],
        "api_call_unix": api_call_unix,
        "message": redact_card_numbers(message)[:500],
        "customer_id": customer_id[:20],
    }
    try:
        with transaction.atomic():
            for name, value in fields.items():
                setattr(entry, name, value)
            fields.update(_chain_link(entry))
            if not AuditEntry.objects.filter(pk=entry.pk, completed_at=None)._complete(**fields):
                # Already completed: undo the chain link taken above (rollback).
                raise AuditTrailIsAppendOnly(f"Audit entry {entry.pk} was already completed.")
    except Exception:
        # The call has happened; its row stays "unknown", which is what an auditor should
        # see when the result could not be recorded. Never mask the call's own outcome.
        logger.exception("Could not complete audit entry %s", entry.pk)
        return
    for name, value in fields.items():
        setattr(entry, name, value)


def agent_action(
    *,
    action: str,
    actor: Actor,
    message: str = "",
    customer_id: str = "",
    target_customer_id: str = "",
) -> AuditEntry:
    """Record something an agent did that an auditor must be able to see (no API call)."""
    now = timezone.now()
    entry = AuditEntry(
        kind=AuditEntry.Kind.AGENT_ACTION,
        operation=action,
        outcome=AuditEntry.Outcome.OK,
        created_at=now,
        message=redact_card_numbers(message)[:500],
        customer_id=customer_id[:20],
        target_customer_id=target_customer_id[:20],
        user=actor.user,
        username=actor.username[:150],
        request_id=actor.request_id,
        sandbox=False,
    )
    with transaction.atomic():
        # The id is part of the hash, so the row is inserted first and then completed and
        # linked, the one update the database allows, in a transaction holding the chain.
        entry.save(force_insert=True)
        entry.completed_at = now
        link = _chain_link(entry)
        AuditEntry.objects.filter(pk=entry.pk, completed_at=None)._complete(
            completed_at=now, **link
        )
    return entry


# --- Tamper evidence ----------------------------------------------------------------------------
# Every completed row is a link in one hash chain: row_hash = SHA-256 of the previous row's
# hash and this row's content. Changing, removing or reordering any completed row breaks
# every hash after it; `manage.py verify_audit_log` walks the chain.
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


def _chain_link(entry: AuditEntry) -> dict[str, object]:
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


def customer_timeline(customer_id: str, *, limit: int = 50) -> list[AuditEntry]:
    """Every call and action about one customer, newest first."""
    return list(
        AuditEntry.objects.filter(
            Q(customer_id=customer_id) | Q(target_customer_id=customer_id)
        ).order_by("-created_at", "-id")[:limit]
    )
