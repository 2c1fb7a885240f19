"""One audited HTTP exchange: begin the audit row → send → classify → settle the row.

`classify` is a pure function (no database, no network): what an answer or a failure means
for the agent and for the audit trail. The rest is the plumbing around it.

The duration recorded is the call as the agent waits for it: it starts before the audit row
is written, from the same clock reading as the call's deadline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

import httpx

from customers import audit
from customers.audit import Actor, AuditWriteRefused
from customers.models import AuditEntry
from customers.revcent import advice, cardcheck, contract
from customers.revcent.errors import (
    RevCentApiError,
    RevCentError,
    RevCentInvalidResponse,
    RevCentOutcomeUnknown,
    RevCentRefused,
    RevCentUnavailable,
)
from customers.revcent.types import text

MAX_BODY_BYTES = 2_000_000
Clock = Callable[[], float]


@dataclass(frozen=True)
class Request:
    """Everything about one call: what to send, and what the audit row records of it."""

    operation: contract.Operation
    path: str
    actor: Actor
    params: dict[str, Any] | None = None
    json_body: dict[str, Any] | None = None
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


def _no_answer(op: contract.Operation, what: str) -> RevCentError:
    error = RevCentOutcomeUnknown if op.changes else RevCentUnavailable
    return error(advice.no_answer(op, what))


def new_id(op: contract.Operation, body: dict[str, Any]) -> str:
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


# --- The audited exchange ---------------------------------------------------------------------
@dataclass
class Call:
    """One exchange in flight: its request, audit row, clock start, and later its result."""

    request: Request
    entry: AuditEntry
    started: float
    answer: Answer | None = None
    failure: BaseException | None = None


class _CallRow(TypedDict):
    """What the audit row says of a call before it is sent (refused or not)."""

    operation: AuditEntry.Operation
    http_method: str
    path: str
    actor: Actor
    sandbox: bool
    search_term: str
    target_customer_id: str


def begin(request: Request, *, sandbox: bool, started: float) -> Call:
    """Check the request and write its audit row; no row, no call."""
    row: _CallRow = {
        "operation": AuditEntry.Operation(request.operation.name),
        "http_method": request.operation.method,
        "path": request.path,
        "actor": request.actor,
        "sandbox": sandbox,
        "search_term": request.search_term,
        "target_customer_id": request.target_customer_id,
    }
    if cardcheck.holds_card_number(
        path=request.path, params=request.params, json_body=request.json_body
    ):
        raise cardcheck.refuse(**row)
    try:
        entry = audit.api_call_started(**row)
    except AuditWriteRefused as exc:
        raise RevCentRefused(
            f"{exc} Nothing was sent to RevCent, so nothing was changed. {advice.RETRY_LATER}"
        ) from exc
    return Call(request=request, entry=entry, started=started)


def settle(call: Call, *, now: float) -> Answer:
    """Complete the audit row from the exchange's result; raise our error if it failed."""
    verdict = classify(call.request, call.answer, call.failure)
    audit.api_call_completed(
        call.entry,
        outcome=verdict.outcome,
        duration_ms=round((now - call.started) * 1000),
        http_status=verdict.http_status,
        revcent_code=verdict.revcent_code,
        error_code=verdict.error_code,
        api_call_id=verdict.api_call_id,
        api_call_unix=verdict.api_call_unix,
        message=verdict.message,
        customer_id=verdict.customer_id,
    )
    if verdict.error is not None:
        verdict.error.audit_entry = call.entry
        raise verdict.error from call.failure
    if call.answer is None:
        assert call.failure is not None
        raise call.failure
    return call.answer


def send(http: httpx.Client, request: Request, *, deadline: float, clock: Clock) -> Answer:
    """The HTTP exchange itself, cut off at the deadline (checked between body chunks)."""
    if clock() >= deadline:
        raise DeadlineExceeded()
    method = request.operation.method
    with http.stream(
        method, request.path, params=request.params, json=request.json_body
    ) as response:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if clock() > deadline:
                raise DeadlineExceeded()
            if size > MAX_BODY_BYTES:
                raise NotJson(response.status_code, "Response body too large.")
        raw = b"".join(chunks)
    try:
        body = json.loads(raw)
    except ValueError:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise NotJson(response.status_code, f"Not JSON ({kind}, {len(raw)} bytes).") from None
    if not isinstance(body, dict):
        raise NotJson(response.status_code, "JSON that is not an object.")
    return Answer(
        status=response.status_code,
        body=body,
        retry_after=_seconds(response.headers.get("retry-after")),
    )


def _seconds(header: str | None) -> float | None:
    # Retry-After may also be an HTTP date; RevCent's format is undocumented, so a date
    # is treated like a missing header (a short default wait).
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None
