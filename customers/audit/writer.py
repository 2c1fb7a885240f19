"""Writing the audit trail. Reading it is Django admin's job (customers/audit/admin.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, Unpack

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from customers.audit import chain, fastwrite
from customers.cardguard.guard import redact_card_numbers
from customers.models import AuditEntry, AuditTrailIsAppendOnly, Channel

logger = logging.getLogger(__name__)


class AuditWriteRefused(Exception):
    """The audit row could not be written safely, so the action must not happen."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the audit trail records it."""

    # auth.User: AuditEntry.user points at AUTH_USER_MODEL, which is Django's default.
    user: User | None = None
    request_id: str = ""
    # For work with no signed-in user, e.g. a management command.
    name: str = ""
    # The way in: the web app, the assistant channel (with the token's prefix), a command.
    channel: Channel = Channel.WEB
    token_prefix: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user if not isinstance(request.user, AnonymousUser) else None
        return cls(user=user, request_id=getattr(request, "request_id", ""))

    def has_perm(self, perm: str) -> bool:
        return self.user is not None and self.user.is_active and self.user.has_perm(perm)

    @property
    def username(self) -> str:
        return self.user.get_username() if self.user is not None else self.name


def _kept(text: str, limit: int) -> str:
    """A string as an audit row keeps it: without any card number, then cut to its column.

    Every string goes through here (usernames tried at sign-in, search terms, messages,
    reasons, request IDs, IDs RevCent sent back): a row is never deleted, so a card number
    written into one could never be purged. Cut after redacting, so a cut cannot leave the
    scanner a shorter, unrecognised card. Input is cut first to a few times the column, so
    an outsized value costs no more to scan than a full column.
    """
    return redact_card_numbers(text[: limit * 4])[:limit]


def _inside_app_transaction() -> bool:
    # A row written inside a transaction that later rolls back would vanish, so the trail
    # must be written in autocommit. Test-case wrappers (marked by Django) do not count.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class OpenCall(TypedDict):
    """What an API call's row says before the call is sent."""

    operation: AuditEntry.Operation
    http_method: str
    path: str
    actor: Actor
    sandbox: bool
    search_term: NotRequired[str]
    target_customer_id: NotRequired[str]


def api_call_started(**row: Unpack[OpenCall]) -> AuditEntry:
    """Record a call about to be made. Raises AuditWriteRefused if it cannot be recorded."""
    return api_calls_started([row])[0]


def api_calls_started(rows: list[OpenCall]) -> list[AuditEntry]:
    """Record calls about to be made together (one statement). Raises AuditWriteRefused if
    they cannot be recorded: then none of them may be made."""
    if _inside_app_transaction():
        raise AuditWriteRefused("RevCent calls must not run inside a database transaction.")
    entries = [
        AuditEntry(
            kind=AuditEntry.Kind.API_CALL,
            # The enum refuses an unknown operation (ValueError), as AuditEntry.save does:
            # these rows are inserted without save() (fastwrite.py).
            operation=AuditEntry.Operation(row["operation"]),
            http_method=row["http_method"],
            # What a refused call held (customers/revcent/cardcheck.py) is recorded without
            # its card number; anything else passes through unchanged.
            path=_kept(row["path"], 200),
            search_term=_kept(row.get("search_term", ""), 255),
            target_customer_id=_kept(row.get("target_customer_id", ""), 20),
            sandbox=row["sandbox"],
            user=row["actor"].user,
            username=_kept(row["actor"].username, 150),
            request_id=_kept(row["actor"].request_id, 64),
            channel=row["actor"].channel,
            token_prefix=_kept(row["actor"].token_prefix, 16),
        )
        for row in rows
    ]
    try:
        fastwrite.insert_open(entries)
    except Exception as exc:  # any database failure means: do not make the call
        # The agent reads this; the database's own error stays chained for the logs.
        raise AuditWriteRefused("The audit trail could not be written.") from exc
    return entries


def call_result(
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
) -> dict[str, object]:
    """An API call's result as its row's fields."""
    return {
        "completed_at": timezone.now(),
        "outcome": outcome,
        "duration_ms": max(0, duration_ms),
        "http_status": http_status,
        "revcent_code": revcent_code,
        "error_code": _kept(error_code, 60),
        "api_call_id": _kept(api_call_id, 40),
        "api_call_unix": api_call_unix,
        "message": _kept(message, 500),
        "customer_id": _kept(customer_id, 20),
    }


def api_call_completed(entry: AuditEntry, **result: Any) -> None:
    """Complete one call's row with its result (call_result's arguments)."""
    api_calls_completed([(entry, call_result(**result))])


def api_calls_completed(results: list[fastwrite.Completion]) -> None:
    """Complete calls' rows with their results (call_result), chained in this order."""
    try:
        completed = _complete_and_chain(results)
    except Exception:
        # The calls have happened; their rows stay "unknown", which is what an auditor
        # should see when the result could not be recorded. Never mask a call's outcome.
        logger.exception("Could not complete audit entries %s", [e.pk for e, _ in results])
        return
    for (entry, _), done in zip(results, completed, strict=True):
        if not done:
            logger.error(
                "Audit entry %s was already completed; the later result is dropped", entry.pk
            )


def _complete_and_chain(items: list[fastwrite.Completion]) -> list[bool]:
    """Fill in open rows' results and make them the chain's next links, in one transaction.

    For each, False (and that row unchanged) if it was already completed. The order is the
    one PostgreSQL's guard checks: a row takes the place after the locked head, then the
    head moves onto that row. On PostgreSQL in autocommit, the same statements go in two
    round trips for all the rows (customers/audit/fastwrite.py).
    """
    if fastwrite.usable():
        done = fastwrite.complete_and_chain(items)
        if done is not None:
            return done
    completed = []
    with transaction.atomic():
        head = chain.locked_head()
        for entry, fields in items:
            for name, value in fields.items():
                setattr(entry, name, value)
            link = chain.link_for(entry, head)
            written = AuditEntry.objects.filter(pk=entry.pk, completed_at=None)._write_once(
                **fields, **link
            )
            if written:
                chain.advance_head(head, entry)
            completed.append(bool(written))
    return completed


# Agent actions that record something turned down; their outcome is "denied", not "ok".
DENIALS = frozenset(
    {
        AuditEntry.Operation.SIGN_IN_FAILED,
        AuditEntry.Operation.SIGN_IN_REFUSED,
        AuditEntry.Operation.MFA_FAILED,
        AuditEntry.Operation.LOCKED_OUT,
        AuditEntry.Operation.CALLER_VERIFICATION_FAILED,
        AuditEntry.Operation.CARD_NUMBER_REFUSED,
        AuditEntry.Operation.ASSISTANT_TOKEN_REFUSED,
    }
)


def agent_action(
    *,
    action: AuditEntry.Operation,
    actor: Actor,
    message: str = "",
    customer_id: str = "",
    target_customer_id: str = "",
    denied: bool | None = None,
) -> AuditEntry:
    """Record something an agent did that an auditor must be able to see (no API call).
    Its outcome is "denied" for the actions in DENIALS, unless `denied` says otherwise."""
    entry = AuditEntry(
        kind=AuditEntry.Kind.AGENT_ACTION,
        operation=AuditEntry.Operation(action),  # inserted without save(), as calls are
        target_customer_id=_kept(target_customer_id, 20),
        user=actor.user,
        username=_kept(actor.username, 150),
        request_id=_kept(actor.request_id, 64),
        channel=actor.channel,
        token_prefix=_kept(actor.token_prefix, 16),
        sandbox=False,
    )
    outcome: dict[str, object] = {
        "outcome": (
            AuditEntry.Outcome.DENIED
            if (action in DENIALS if denied is None else denied)
            else AuditEntry.Outcome.OK
        ),
        "message": _kept(message, 500),
        "customer_id": _kept(customer_id, 20),
    }
    # Opened and signed like an API call, then completed and linked: the database accepts
    # only open rows as new rows, and the id and the database's time are part of the hash.
    # On PostgreSQL in autocommit all of it is one transaction in two messages.
    written = fastwrite.record(entry, outcome) if fastwrite.usable() else None
    if written is None:
        fastwrite.insert_open([entry])
        written = _complete_and_chain([(entry, {"completed_at": entry.created_at, **outcome})])[0]
    if not written:  # nobody else knows this row yet
        raise AuditTrailIsAppendOnly(f"Audit entry {entry.pk} was completed by someone else.")
    return entry


ABANDONED_MESSAGE = (
    "No result was recorded: the process making this call stopped before it finished. "
    "Closed as abandoned by {closer}."
)


def close_abandoned(entry_ids: list[int], *, closer: str) -> int:
    """Complete open rows no process will complete, as "unknown", so the chain covers them.

    The call may or may not have reached RevCent; "unknown" says exactly that. Only rows the
    app signed when it opened them: one written behind the app stays as it was found, for
    someone to look into, instead of being signed into the chain with the app's key.
    """
    closed = 0
    for entry in AuditEntry.objects.filter(pk__in=entry_ids, completed_at=None):
        if chain.entry_open_problem(entry):
            logger.error("Audit entry %s was not opened by the app; not closed", entry.pk)
            continue
        fields: dict[str, object] = {
            "completed_at": timezone.now(),
            "outcome": AuditEntry.Outcome.UNKNOWN,
            "message": _kept(ABANDONED_MESSAGE.format(closer=closer), 500),
        }
        closed += _complete_and_chain([(entry, fields)])[0]
    return closed


def customer_timeline(customer_id: str, *, limit: int = 50) -> list[AuditEntry]:
    """Every call and action about one customer, newest first.

    Not an open row the app did not sign: whoever wrote it behind the app picked its time,
    user and action, and it is no part of the customer's story (verify_audit_log names it).
    """
    rows = AuditEntry.objects.filter(Q(customer_id=customer_id) | Q(target_customer_id=customer_id))
    newest = rows.order_by("-created_at", "-id")[:limit]
    return [row for row in newest if row.completed_at or not chain.entry_open_problem(row)]
