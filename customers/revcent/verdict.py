"""What a RevCent exchange came to: the request, the answer (or the failure to get one),
and `classify`, a pure function (no database, no network) reading them as RevCent's
contract says to, for the agent and for the audit trail. customers/revcent/exchange.py is
the plumbing around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from customers.audit import Actor
from customers.models import AuditEntry
from customers.revcent import advice, contract
from customers.revcent.errors import (
    RevCentApiError,
    RevCentError,
    RevCentInvalidResponse,
    RevCentOutcomeUnknown,
    RevCentUnavailable,
)
from customers.revcent.types import text


@dataclass(frozen=True)
class Request:
    """Everything about one call: what to send, and what the audit row records of it."""

    operation: contract.OperationSpec
    path: str
    actor: Actor
    params: dict[str, Any] | None = None
    json_body: Mapping[str, object] | None = None
    search_term: str = ""
    target_customer_id: str = ""


@dataclass
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None


class DeadlineExceeded(Exception):
    pass


class NotJson(Exception):
    def __init__(self, status: int, summary: str) -> None:
        super().__init__(summary)
        self.status = status
        self.summary = summary


@dataclass
class Verdict:
    """What an exchange came to: the audit row's fields, and the error to raise (if any)."""

    outcome: str
    message: str = ""
    http_status: int | None = None
    revcent_code: int | None = None
    error_code: str = ""
    api_call_id: str = ""
    api_call_unix: int | None = None
    customer_id: str = ""
    error: RevCentError | None = None


def classify(request: Request, answer: Answer | None, failure: BaseException | None) -> Verdict:
    """Read an answer (or the failure to get one) as RevCent's contract says to."""
    op = request.operation
    if answer is not None:
        verdict = Verdict(outcome=AuditEntry.Outcome.OK, **_envelope(answer.body))
        verdict.http_status = answer.status
        if 200 <= answer.status < 300 and verdict.revcent_code == 1:
            verdict.message = text(answer.body, "result")
            created_id = new_id(op, answer.body)
            if op.id_key and not contract.REVCENT_ID.match(created_id):
                # "Success" without a usable ID is not a success we can act on.
                verdict.outcome = AuditEntry.Outcome.INVALID_RESPONSE
                thing = op.id_key.removesuffix("_id")
                verdict.message = f"Success reported without a valid {thing} ID."
                verdict.error = RevCentInvalidResponse(advice.no_valid_id(thing))
            elif op is contract.CREATE_CUSTOMER:
                verdict.customer_id = created_id
            else:
                verdict.customer_id = request.target_customer_id
            return verdict
        verdict.outcome = AuditEntry.Outcome.API_ERROR
        verdict.message = _error_text(answer)
        verdict.error = RevCentApiError(
            advice.refused(
                op,
                status=answer.status,
                said=text(answer.body, "message") or text(answer.body, "result"),
                retry_after=answer.retry_after,
            ),
            http_status=answer.status,
            code=verdict.revcent_code,
            error_code=verdict.error_code,
            revcent_message=text(answer.body, "message"),
            retry_after=answer.retry_after,
        )
        return verdict
    if isinstance(failure, NotJson):
        verdict = Verdict(
            AuditEntry.Outcome.INVALID_RESPONSE, failure.summary, http_status=failure.status
        )
        if op.changes:
            # A gateway's error page can come back after RevCent got the request.
            verdict.error = _no_answer(op, "answered with a proxy's error page")
        else:
            verdict.error = RevCentInvalidResponse(advice.not_revcent(failure.status))
        return verdict
    if isinstance(failure, httpx.TimeoutException | DeadlineExceeded):
        message = f"No answer within the time limit ({type(failure).__name__})."
        return Verdict(
            AuditEntry.Outcome.TIMEOUT, message, error=_no_answer(op, "did not answer in time")
        )
    if isinstance(failure, httpx.HTTPError):
        message = f"Connection failed ({type(failure).__name__})."
        return Verdict(
            AuditEntry.Outcome.NETWORK_ERROR, message, error=_no_answer(op, "could not be reached")
        )
    # Not a network failure but a bug: recorded, then re-raised as itself by the caller.
    return Verdict(AuditEntry.Outcome.UNKNOWN, f"Client error ({type(failure).__name__}).")


def _no_answer(op: contract.OperationSpec, what: str) -> RevCentError:
    error = RevCentOutcomeUnknown if op.changes else RevCentUnavailable
    return error(advice.no_answer(op, what))


def new_id(op: contract.OperationSpec, body: dict[str, Any]) -> str:
    """A create's new ID; for CreateCustomer also in v1's shape, `customer.id`."""
    found = text(body, op.id_key) if op.id_key else ""
    if not found and op is contract.CREATE_CUSTOMER and isinstance(body.get("customer"), dict):
        found = text(body["customer"], "id")
    return found


def _envelope(body: dict[str, Any]) -> dict[str, Any]:
    """The audit fields of RevCent's envelope, read tolerantly."""
    code, unix = body.get("code"), body.get("api_call_unix")
    return {
        "revcent_code": code if isinstance(code, int) and not isinstance(code, bool) else None,
        "api_call_id": text(body, "api_call_id")[:40],
        "api_call_unix": unix if isinstance(unix, int) and not isinstance(unix, bool) else None,
        "error_code": text(body, "error_code")[:60],
    }


def _error_text(answer: Answer) -> str:
    found = text(answer.body, "message") or text(answer.body, "result")
    if found:
        return found[:400]
    if answer.status < 300:
        return "the response did not report success (code is not 1)"
    try:
        return httpx.codes.get_reason_phrase(answer.status) or f"HTTP {answer.status}"
    except ValueError:
        return f"HTTP {answer.status}"
