"""RevCent v2 operations, typed: the only code in Support Desk that speaks HTTP to RevCent.

Every request is written to the audit trail before it is sent (no row, no call) and
completed with its outcome afterwards, whatever happens (exchange.py). Paths and shapes come
from contract.py. Build a client with `get_client()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from django.db import close_old_connections

from customers.audit import Actor
from customers.models import AuditEntry
from customers.revcent import contract, exchange
from customers.revcent.errors import (
    RevCentApiError,
    RevCentError,
    RevCentRefused,
    RevCentUnavailable,
)
from customers.revcent.exchange import Answer, Call, Request
from customers.revcent.pool import Inline, search_pool
from customers.revcent.types import (
    ApiCallRecord,
    Created,
    CustomerDetail,
    CustomerGroup,
    SearchResult,
    parse_api_calls,
    parse_customer,
    parse_customer_groups,
    parse_search,
    text,
)

# Timeouts (seconds). The deadline bounds the whole call, retries included; a server that
# dribbles bytes is cut off by the deadline check between chunks, a silent one by `read`.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
READ_ATTEMPTS = 3  # reads only: a change is never retried by the client
MAX_RETRY_AFTER = 5.0


class RevCentClient:
    """Typed operations over RevCent v2."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        sandbox: bool,
        deadline_seconds: float,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_response: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.deadline_seconds = deadline_seconds
        self._sleep = sleep
        self._clock = clock
        # Sees each response body, success or error; `revcent_check` compares their shapes.
        self._on_response = on_response
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            headers={"x-api-key": api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(
                connect=min(CONNECT_TIMEOUT, deadline_seconds),
                read=min(READ_TIMEOUT, deadline_seconds),
                write=min(WRITE_TIMEOUT, deadline_seconds),
                pool=min(POOL_TIMEOUT, deadline_seconds),
            ),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    # Operations ---------------------------------------------------------------------------
    def search_customers(self, term: str, *, actor: Actor) -> SearchResult:
        """SearchCustomers: at most 10 hits. For duplicate checks only, never for reporting."""
        answer, entry = self._read(self._search_request(term, actor))
        return parse_search(term, answer.body, entry.api_call_id)

    def search_customers_many(
        self, terms: list[str], *, actor: Actor
    ) -> dict[str, SearchResult | RevCentError]:
        """SearchCustomers for several terms at once, so the wait is one call's, not the sum.

        Audit rows are written and completed in this thread; only the HTTP exchanges run in
        parallel. No retries: a duplicate check is refreshed often, and a failed term is
        reported as such. Each term maps to its SearchResult, or to the RevCentError it met.
        """
        results: dict[str, SearchResult | RevCentError] = {}
        calls: dict[str, Call] = {}
        started = self._clock()
        deadline = started + self.deadline_seconds
        unique = list(dict.fromkeys(term for term in terms if term))
        requests = [self._search_request(term, actor) for term in unique]
        begun_all = exchange.begin_many(requests, sandbox=self.sandbox, started=started)
        for term, begun in zip(unique, begun_all, strict=True):
            if isinstance(begun, Call):
                calls[term] = begun
            else:  # not sent: reported with the others
                results[term] = begun
        pool = search_pool() if len(calls) > 1 else Inline()
        futures = {
            term: pool.submit(self._send_from_pool, call.request, deadline)
            for term, call in calls.items()
        }
        for term, future in futures.items():
            try:
                calls[term].answer = future.result()
            except Exception as exc:  # settled below, all together
                calls[term].failure = exc
        for call in calls.values():
            self._seen(call)
        settled = exchange.settle_many(list(calls.values()), now=self._clock())
        for (term, call), outcome in zip(calls.items(), settled, strict=True):
            if isinstance(outcome, RevCentError):
                results[term] = outcome
            elif isinstance(outcome, BaseException):
                raise outcome  # a bug, not a failed search
            else:
                results[term] = parse_search(term, outcome.body, call.entry.api_call_id)
        return {term: results[term] for term in unique}

    def create_customer(self, payload: contract.CreateCustomerBody, *, actor: Actor) -> Created:
        """CreateCustomer. Sent once: on no answer it raises RevCentOutcomeUnknown."""
        unknown = set(payload) - contract.CREATE_KEYS
        if unknown:
            # A programming error, but one that must never reach RevCent (`payment` above all).
            raise RevCentRefused(f"Refused to send unknown fields: {', '.join(sorted(unknown))}.")
        customer = payload.get("customer") or {}
        request = Request(
            contract.CREATE_CUSTOMER,
            contract.CREATE_CUSTOMER.path,
            actor,
            json_body=payload,
            search_term=text(customer, "email") if isinstance(customer, dict) else "",
        )
        return self._create(request)

    def get_customer(self, customer_id: str, *, actor: Actor) -> CustomerDetail:
        op = contract.GET_CUSTOMER
        _check_id(customer_id)
        path = op.path.format(customer_id=customer_id)
        answer, entry = self._read(Request(op, path, actor, target_customer_id=customer_id))
        return parse_customer(customer_id, answer.body, entry.api_call_id)

    def get_customer_groups(self, *, actor: Actor, page: int = 1) -> list[CustomerGroup]:
        op = contract.GET_CUSTOMER_GROUPS
        params = {"page": page, "limit": contract.PAGE_LIMIT_MAX}
        answer, _ = self._read(Request(op, op.path, actor, params=params))
        return parse_customer_groups(answer.body)

    def add_customer_to_groups(
        self, customer_id: str, group_ids: list[str], *, actor: Actor
    ) -> str:
        """AddCustomerToGroup; returns the api_call_id. Not retried: it changes data."""
        op = contract.ADD_CUSTOMER_TO_GROUP
        for value in (customer_id, *group_ids):
            _check_id(value)
        request = Request(
            op,
            op.path.format(customer_id=customer_id),
            actor,
            json_body={"customer_group": list(group_ids)},
            target_customer_id=customer_id,
        )
        _, entry = self._once(request)
        return entry.api_call_id

    def create_note(self, customer_id: str, note: str, *, actor: Actor) -> Created:
        """CreateNote on a customer (1-255 characters). Not retried: it changes data."""
        op = contract.CREATE_NOTE
        _check_id(customer_id)
        note = note.strip()[: contract.NOTE_TEXT_MAX]
        if not note:
            raise RevCentRefused("A note needs some text.")
        body = {"item_type": "customer", "item_id": customer_id, "text": note}
        return self._create(
            Request(op, op.path, actor, json_body=body, target_customer_id=customer_id)
        )

    def get_api_calls(
        self, *, date_start: int, date_end: int, actor: Actor, page: int = 1
    ) -> list[ApiCallRecord]:
        """GetAPICalls: RevCent's own log of this account's calls, for reconciliation."""
        op = contract.GET_API_CALLS
        date_start = max(date_start, date_end - contract.API_CALLS_MAX_WINDOW_SECONDS)
        params = {
            "date_start": date_start,
            "date_end": date_end,
            "page": page,
            "limit": contract.PAGE_LIMIT_MAX,
        }
        answer, _ = self._read(Request(op, op.path, actor, params=params))
        return parse_api_calls(answer.body)

    # Plumbing -----------------------------------------------------------------------------
    def _search_request(self, term: str, actor: Actor) -> Request:
        op = contract.SEARCH_CUSTOMERS
        return Request(op, op.path, actor, params={"search_term": term}, search_term=term)

    def _create(self, request: Request) -> Created:
        answer, entry = self._once(request)
        return Created(
            id=exchange.new_id(request.operation, answer.body),
            api_call_id=entry.api_call_id,
            api_call_unix=entry.api_call_unix,
            result=text(answer.body, "result"),
        )

    def _read(self, request: Request) -> tuple[Answer, AuditEntry]:
        """A GET, retried a bounded number of times on refused connections, 429 and 503."""
        deadline = self._clock() + self.deadline_seconds
        for attempt in range(1, READ_ATTEMPTS + 1):
            last = attempt == READ_ATTEMPTS
            try:
                return self._once(request, deadline=deadline)
            except RevCentApiError as exc:
                wait = _retry_after(exc)
                if last or wait is None or self._clock() + wait >= deadline:
                    raise
                self._sleep(wait)
            except RevCentUnavailable as exc:
                # Only a refused connection is surely harmless to repeat quickly; a timeout
                # has already spent the agent's patience.
                if last or not isinstance(exc.__cause__, httpx.ConnectError):
                    raise
                self._sleep(min(0.2 * attempt, max(0.0, deadline - self._clock())))
        raise AssertionError("unreachable")

    def _once(
        self, request: Request, *, deadline: float | None = None
    ) -> tuple[Answer, AuditEntry]:
        """One HTTP exchange with one audit row, start to finish."""
        started = self._clock()
        call = exchange.begin(request, sandbox=self.sandbox, started=started)
        try:
            call.answer = exchange.send(
                self._http,
                request,
                deadline=deadline or started + self.deadline_seconds,
                clock=self._clock,
            )
        except Exception as exc:  # settled (and re-raised as ours) just below
            call.failure = exc
        return self._settle(call), call.entry

    def _seen(self, call: Call) -> None:
        if self._on_response is not None and call.answer is not None:
            self._on_response(call.request.operation.name, call.answer.body)

    def _settle(self, call: Call) -> Answer:
        self._seen(call)
        return exchange.settle(call, now=self._clock())

    def _send_from_pool(self, request: Request, deadline: float) -> Answer:
        try:
            return exchange.send(self._http, request, deadline=deadline, clock=self._clock)
        finally:
            # The sandbox transport reads the database from the pool's threads: treat each
            # search like a request's end, so connections follow CONN_MAX_AGE.
            if threading.current_thread() is not threading.main_thread():
                close_old_connections()


def _check_id(value: str) -> None:
    if not contract.REVCENT_ID.match(value or ""):
        raise RevCentRefused("That is not a RevCent ID (20 letters and digits).")


def _retry_after(exc: RevCentApiError) -> float | None:
    """Seconds to wait before retrying a read, or None if it should not be retried."""
    if exc.http_status not in (429, 503):
        return None
    if exc.retry_after is None:
        return 1.0
    return min(exc.retry_after, MAX_RETRY_AFTER)
