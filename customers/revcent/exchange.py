"""One audited HTTP exchange: begin the audit row → send → classify → settle the row.

`classify` (customers/revcent/verdict.py) is a pure function: what an answer or a failure
means for the agent and for the audit trail. This is the plumbing around it.

The duration recorded is the call as the agent waits for it: it starts before the audit row
is written, from the same clock reading as the call's deadline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from customers import audit
from customers.audit import AuditWriteRefused
from customers.models import AuditEntry
from customers.revcent import advice, cardcheck
from customers.revcent.errors import RevCentRefused
from customers.revcent.verdict import (
    Answer,
    DeadlineExceeded,
    NotJson,
    Request,
    classify,
    new_id,
)

__all__ = ["Answer", "Call", "Request", "begin", "begin_many", "classify", "new_id", "send"]

MAX_BODY_BYTES = 2_000_000
Clock = Callable[[], float]


# --- The audited exchange ---------------------------------------------------------------------
@dataclass
class Call:
    """One exchange in flight: its request, audit row, clock start, and later its result."""

    request: Request
    entry: AuditEntry
    started: float
    answer: Answer | None = None
    failure: BaseException | None = None


def _open_row(request: Request, sandbox: bool) -> audit.OpenCall:
    """What the audit row says of a call before it is sent (refused or not)."""
    return {
        "operation": AuditEntry.Operation(request.operation.name),
        "http_method": request.operation.method,
        "path": request.path,
        "actor": request.actor,
        "sandbox": sandbox,
        "search_term": request.search_term,
        "target_customer_id": request.target_customer_id,
    }


def _not_recorded(exc: AuditWriteRefused) -> RevCentRefused:
    return RevCentRefused(
        f"{exc} Nothing was sent to RevCent, so nothing was changed. {advice.RETRY_LATER}"
    )


def begin(request: Request, *, sandbox: bool, started: float) -> Call:
    """Check the request and write its audit row; no row, no call."""
    begun = begin_many([request], sandbox=sandbox, started=started)[0]
    if isinstance(begun, RevCentRefused):
        raise begun
    return begun


def begin_many(
    requests: list[Request], *, sandbox: bool, started: float
) -> list[Call | RevCentRefused]:
    """begin() for calls made together, their rows written in one statement: for each, its
    Call, or the refusal that stopped it (no row, no call)."""
    refusals: dict[int, RevCentRefused] = {}
    rows: dict[int, audit.OpenCall] = {}
    for number, request in enumerate(requests):
        row = _open_row(request, sandbox)
        if cardcheck.holds_card_number(
            path=request.path, params=request.params, json_body=request.json_body
        ):
            refusals[number] = cardcheck.refuse(**row)
        else:
            rows[number] = row
    try:
        entries = dict(zip(rows, audit.api_calls_started(list(rows.values())), strict=True))
    except AuditWriteRefused as exc:
        for number in rows:
            refusals[number] = _not_recorded(exc)
            refusals[number].__cause__ = exc
        entries = {}
    return [
        refusals[number]
        if number in refusals
        else Call(request=request, entry=entries[number], started=started)
        for number, request in enumerate(requests)
    ]


def settle(call: Call, *, now: float) -> Answer:
    """Complete the audit row from the exchange's result; raise our error if it failed."""
    outcome = settle_many([call], now=now)[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def settle_many(calls: list[Call], *, now: float) -> list[Answer | BaseException]:
    """settle() for calls made together, their rows completed in one transaction: for each,
    its Answer, or the error it came to (ours, or the failure itself if it was a bug)."""
    verdicts = [classify(call.request, call.answer, call.failure) for call in calls]
    audit.api_calls_completed(
        [
            (
                call.entry,
                audit.call_result(
                    outcome=verdict.outcome,
                    duration_ms=round((now - call.started) * 1000),
                    http_status=verdict.http_status,
                    revcent_code=verdict.revcent_code,
                    error_code=verdict.error_code,
                    api_call_id=verdict.api_call_id,
                    api_call_unix=verdict.api_call_unix,
                    message=verdict.message,
                    customer_id=verdict.customer_id,
                ),
            )
            for call, verdict in zip(calls, verdicts, strict=True)
        ]
    )
    outcomes: list[Answer | BaseException] = []
    for call, verdict in zip(calls, verdicts, strict=True):
        if verdict.error is not None:
            verdict.error.audit_entry = call.entry
            verdict.error.__cause__ = call.failure
            verdict.error.__suppress_context__ = True
            outcomes.append(verdict.error)
        elif call.answer is None:
            assert call.failure is not None
            outcomes.append(call.failure)
        else:
            outcomes.append(call.answer)
    return outcomes


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
