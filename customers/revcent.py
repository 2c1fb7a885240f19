"""RevCent v2 API client: the only code in Support Desk that speaks HTTP to RevCent.

Contract: `../shared/revcent-api.md` §12 (https://revcent.com/docs/api/v2). Where RevCent's
stored documentation was cut off, the shapes below are this project's working assumption;
every such assumption is in the CONTRACT block just below, so confirming them against
https://api.revcent.com/v2/openapi.json changes this block and nothing else. The built-in
sandbox (customers/sandbox/transport.py) serves the same block.

Every HTTP request is written to the audit trail before it is sent (no row, no call) and
completed with its outcome afterwards, whatever happens.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings
from django.db import close_old_connections

from customers import audit
from customers.audit import Actor, AuditWriteRefused
from customers.cardguard import any_card_number, redact_card_numbers
from customers.models import AuditEntry

# --- CONTRACT (§12) ------------------------------------------------------------------------
SANDBOX_BASE_URL = "https://revcent-sandbox.invalid/v2"
PATH_SEARCH_CUSTOMERS = "/customers/search"  # inferred from sibling searches (§3)
PATH_CREATE_CUSTOMER = "/customers"
PATH_GET_CUSTOMER = "/customers/{customer_id}"
PATH_GET_CUSTOMER_GROUPS = "/customer_groups"
# ASSUMED: RevCent documents AddCustomerToGroup's inputs but not its method or path (§7).
PATH_ADD_CUSTOMER_TO_GROUP = "/customers/{customer_id}/customer_group"
# Operations that change data in RevCent: never retried, and "no answer" means "unknown".
_CHANGES = {"CreateCustomer", "AddCustomerToGroup"}
SEARCH_MAX_HITS = 10  # RevCent returns at most 10 hits, with no paging (§3)
GROUPS_PAGE_LIMIT = 25  # list operations take limit 1-25 (§9)
# IDs are 20 characters; the alphabet is an assumption from the docs' example (§9).
REVCENT_ID = re.compile(r"^[A-Za-z0-9]{20}$")
CREATE_KEYS = {"campaign", "customer", "bill_to", "internal_customer_id", "metadata"}
CUSTOMER_KEYS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "zip",
    "country",
)
# What each successful response is expected to hold (§12), checked by `revcent_check`.
# "list" names the key of a list whose items must hold "item" keys.
EXPECTED_SHAPES: dict[str, dict[str, Any]] = {
    "SearchCustomers": {
        "keys": ["api_call_id", "api_call_unix", "code", "current_count", "results"],
        "list": "results",
        "item": ["item_type", "id", "created_date_unix", "first_name", "last_name", "email"],
    },
    "CreateCustomer": {"keys": ["api_call_id", "api_call_unix", "code", "customer_id", "result"]},
    "GetCustomer": {
        "keys": ["api_call_id", "api_call_unix", "code", "customer"],
        "object": "customer",
        "item": ["id", "created_date_unix", "enabled", "first_name", "last_name", "email"],
    },
    "GetCustomerGroups": {
        "keys": ["api_call_id", "api_call_unix", "code", "current_count", "results"],
        "list": "results",
        "item": ["id", "name", "description", "enabled", "created_date_unix"],
    },
    "AddCustomerToGroup": {"keys": ["api_call_id", "api_call_unix", "code", "result"]},
}
# -------------------------------------------------------------------------------------------

# Timeouts (seconds). The deadline bounds the whole call, retries included; a server that
# dribbles bytes is cut off by the deadline check between chunks, a silent one by `read`.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
READ_ATTEMPTS = 3  # reads only: a create is never retried by the client
MAX_RETRY_AFTER = 5.0
MAX_BODY_BYTES = 2_000_000


# --- Errors ----------------------------------------------------------------------------------
class RevCentError(Exception):
    """Base of every client error; `message` is written for the agent to read."""

    def __init__(self, message: str, *, audit_entry: AuditEntry | None = None) -> None:
        # RevCent's own text is quoted in some messages; never let it carry a card number.
        message = redact_card_numbers(message)
        super().__init__(message)
        self.message = message
        self.audit_entry = audit_entry

    @property
    def api_call_id(self) -> str:
        return self.audit_entry.api_call_id if self.audit_entry else ""


class RevCentApiError(RevCentError):
    """RevCent answered, and said no (HTTP 4xx/5xx, or `code` other than 1)."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        code: int | None,
        audit_entry: AuditEntry | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, audit_entry=audit_entry)
        self.http_status = http_status
        self.code = code
        self.retry_after = retry_after


class RevCentInvalidResponse(RevCentError):
    """Something answered, but not with RevCent's JSON (a proxy's error page, say)."""


class RevCentUnavailable(RevCentError):
    """No answer: connection refused, reset, or timed out."""


class RevCentOutcomeUnknown(RevCentUnavailable):
    """A create got no answer: the customer may or may not exist now. Search before retrying."""


class RevCentRefused(RevCentError):
    """The client refused to send the request (audit trail unwritable, or card data in it)."""


# --- Results ---------------------------------------------------------------------------------
def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _when(unix: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(unix), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class Contact:
    """The name, e-mail, phone and address fields shared by customer, bill_to and hits."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""

    @classmethod
    def parse(cls, data: Any) -> Contact:
        data = data if isinstance(data, dict) else {}
        return cls(**{key: _text(data, key) for key in CUSTOMER_KEYS})

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class SearchHit:
    id: str
    contact: Contact
    created: datetime | None
    internal_id: str = ""


@dataclass(frozen=True)
class SearchResult:
    term: str
    hits: list[SearchHit]
    api_call_id: str

    @property
    def capped(self) -> bool:
        """RevCent returns at most 10 hits: there may be more matches than shown."""
        return len(self.hits) >= SEARCH_MAX_HITS


@dataclass(frozen=True)
class CreatedCustomer:
    customer_id: str
    api_call_id: str
    api_call_unix: int | None
    result: str


@dataclass(frozen=True)
class CustomerGroup:
    id: str
    name: str
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class CardSummary:
    """What RevCent returns about a stored card: never the number itself."""

    id: str
    type: str
    last_4: str
    expiry_date: str
    is_default: bool


@dataclass(frozen=True)
class CustomerDetail:
    id: str
    contact: Contact
    created: datetime | None
    enabled: bool
    internal_id: str
    bill_to: Contact | None
    metadata: list[tuple[str, str]]
    groups: list[CustomerGroup]
    cards: list[CardSummary]
    api_call_id: str


@dataclass
class _Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None


@dataclass
class _Call:
    """One HTTP exchange in flight: its audit row, and later its answer or failure."""

    operation: str
    entry: AuditEntry
    target_customer_id: str
    started: float
    answer: _Answer | None = None
    failure: BaseException | None = None


# --- The client ------------------------------------------------------------------------------
class RevCentClient:
    """Typed operations over RevCent v2. Build it with `get_client()`."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        sandbox: bool,
        deadline_seconds: float,
        transport: httpx.BaseTransport | None = None,
        sleep=time.sleep,
        on_response: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.sandbox = sandbox
        # Sees each successful response body; `revcent_check` uses it to compare shapes.
        self._on_response = on_response
        self.deadline_seconds = deadline_seconds
        self._sleep = sleep
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
        answer, entry = self._read(
            "SearchCustomers",
            PATH_SEARCH_CUSTOMERS,
            params={"search_term": term},
            actor=actor,
            search_term=term,
        )
        return _search_result(term, answer, entry)

    def search_customers_many(
        self, terms: list[str], *, actor: Actor
    ) -> dict[str, SearchResult | RevCentError]:
        """SearchCustomers for several terms at once, so the wait is one call's, not the sum.

        Audit rows are written and completed in this thread; only the HTTP exchanges run in
        parallel. No retries: a duplicate check is refreshed often, and a failed term is
        reported as such. Each term maps to its result, or to the error it met.
        """
        results: dict[str, SearchResult | RevCentError] = {}
        calls: dict[str, _Call] = {}
        for term in dict.fromkeys(term for term in terms if term):
            try:
                calls[term] = self._begin(
                    "SearchCustomers",
                    "GET",
                    PATH_SEARCH_CUSTOMERS,
                    actor=actor,
                    params={"search_term": term},
                    search_term=term,
                )
            except RevCentRefused as exc:  # not sent: reported with the others
                results[term] = exc
        terms = list(calls)
        deadline = time.monotonic() + self.deadline_seconds

        def exchange(term: str) -> _Answer:
            try:
                return self._exchange(
                    "GET", PATH_SEARCH_CUSTOMERS, {"search_term": term}, None, deadline
                )
            finally:
                # The sandbox transport reads the database from the pool's threads: treat
                # each search like a request's end, so connections follow CONN_MAX_AGE.
                if threading.current_thread() is not main_thread:
                    close_old_connections()

        main_thread = threading.current_thread()
        # One term needs no thread; several run side by side on the process's pool.
        pool = _search_pool() if len(terms) > 1 else _Inline()
        futures = {term: pool.submit(exchange, term) for term in terms}
        for term, future in futures.items():
            try:
                calls[term].answer = future.result()
            except Exception as exc:  # settled below, term by term
                calls[term].failure = exc
        for term, call in calls.items():
            try:
                results[term] = _search_result(term, self._settle(call), call.entry)
            except RevCentError as exc:
                results[term] = exc
        return results

    def create_customer(self, payload: dict[str, Any], *, actor: Actor) -> CreatedCustomer:
        """CreateCustomer. Sent once: on no answer it raises RevCentOutcomeUnknown."""
        unknown = set(payload) - CREATE_KEYS
        if unknown:
            # A programming error, but one that must never reach RevCent (`payment` above all).
            raise RevCentRefused(f"Refused to send unknown fields: {', '.join(sorted(unknown))}.")
        answer, entry = self._send(
            "CreateCustomer",
            "POST",
            PATH_CREATE_CUSTOMER,
            json_body=payload,
            actor=actor,
            search_term=_text(payload.get("customer") or {}, "email"),
        )
        return CreatedCustomer(
            customer_id=entry.customer_id,
            api_call_id=entry.api_call_id,
            api_call_unix=entry.api_call_unix,
            result=_text(answer.body, "result"),
        )

    def get_customer(self, customer_id: str, *, actor: Actor) -> CustomerDetail:
        self._check_id(customer_id)
        answer, entry = self._read(
            "GetCustomer",
            PATH_GET_CUSTOMER.format(customer_id=customer_id),
            actor=actor,
            target_customer_id=customer_id,
        )
        # §12: the customer under "customer", or its fields beside the envelope.
        data = answer.body.get("customer")
        data = data if isinstance(data, dict) else answer.body
        metadata = [
            (_text(item, "name"), _text(item, "value"))
            for item in data.get("metadata") or []
            if isinstance(item, dict)
        ]
        groups = [
            CustomerGroup(id=_text(item, "id"), name=_text(item, "name"))
            for item in data.get("customer_group") or []
            if isinstance(item, dict)
        ]
        cards = [
            CardSummary(
                id=_text(item, "id"),
                type=_text(item, "type"),
                last_4=_text(item, "last_4")[-4:],
                expiry_date=_text(item, "expiry_date"),
                is_default=bool(item.get("is_default")),
            )
            for item in data.get("customer_card") or []
            if isinstance(item, dict)
        ]
        bill_to = data.get("bill_to")
        return CustomerDetail(
            id=_text(data, "id") or customer_id,
            contact=Contact.parse(data),
            created=_when(data.get("created_date_unix")),
            enabled=data.get("enabled") is not False,
            internal_id=_text(data, "internal_id"),
            bill_to=Contact.parse(bill_to) if isinstance(bill_to, dict) and bill_to else None,
            metadata=metadata,
            groups=groups,
            cards=cards,
            api_call_id=entry.api_call_id,
        )

    def get_customer_groups(self, *, actor: Actor, page: int = 1) -> list[CustomerGroup]:
        answer, _ = self._read(
            "GetCustomerGroups",
            PATH_GET_CUSTOMER_GROUPS,
            params={"page": page, "limit": GROUPS_PAGE_LIMIT},
            actor=actor,
        )
        results = answer.body.get("results")
        return [
            CustomerGroup(
                id=_text(item, "id"),
                name=_text(item, "name"),
                description=_text(item, "description"),
                enabled=item.get("enabled") is not False,
            )
            for item in (results if isinstance(results, list) else [])
            if isinstance(item, dict) and _text(item, "id")
        ]

    def add_customer_to_groups(
        self, customer_id: str, group_ids: list[str], *, actor: Actor
    ) -> str:
        """AddCustomerToGroup; returns the api_call_id. Not retried: it changes data."""
        self._check_id(customer_id)
        for group_id in group_ids:
            self._check_id(group_id)
        _, entry = self._send(
            "AddCustomerToGroup",
            "POST",
            PATH_ADD_CUSTOMER_TO_GROUP.format(customer_id=customer_id),
            json_body={"customer_group": list(group_ids)},
            actor=actor,
            target_customer_id=customer_id,
        )
        return entry.api_call_id

    # Plumbing -----------------------------------------------------------------------------
    @staticmethod
    def _check_id(value: str) -> None:
        if not REVCENT_ID.match(value or ""):
            raise RevCentRefused("That is not a RevCent ID (20 letters and digits).")

    def _read(
        self, operation: str, path: str, *, params: dict | None = None, actor: Actor, **audit_kw
    ) -> tuple[_Answer, AuditEntry]:
        """A GET, retried a bounded number of times on connect errors, 429 and 503."""
        deadline = time.monotonic() + self.deadline_seconds
        for attempt in range(1, READ_ATTEMPTS + 1):
            last = attempt == READ_ATTEMPTS
            try:
                return self._send(
                    operation,
                    "GET",
                    path,
                    params=params,
                    actor=actor,
                    deadline=deadline,
                    **audit_kw,
                )
            except RevCentApiError as exc:
                wait = _retry_after(exc)
                if last or wait is None or time.monotonic() + wait >= deadline:
                    raise
                self._sleep(wait)
            except RevCentUnavailable as exc:
                # Only a refused connection is surely harmless to repeat quickly; a timeout
                # has already spent the agent's patience.
                if last or not isinstance(exc.__cause__, httpx.ConnectError):
                    raise
                self._sleep(min(0.2 * attempt, max(0.0, deadline - time.monotonic())))
        raise AssertionError("unreachable")

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        actor: Actor,
        params: dict | None = None,
        json_body: dict | None = None,
        deadline: float | None = None,
        search_term: str = "",
        target_customer_id: str = "",
    ) -> tuple[_Answer, AuditEntry]:
        """One HTTP exchange with one audit row, start to finish."""
        call = self._begin(
            operation,
            method,
            path,
            actor=actor,
            params=params,
            json_body=json_body,
            search_term=search_term,
            target_customer_id=target_customer_id,
        )
        deadline = deadline or time.monotonic() + self.deadline_seconds
        try:
            call.answer = self._exchange(method, path, params, json_body, deadline)
        except Exception as exc:  # settled (and re-raised as ours) just below
            call.failure = exc
        return self._settle(call), call.entry

    def _begin(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        actor: Actor,
        params: dict | None = None,
        json_body: dict | None = None,
        search_term: str = "",
        target_customer_id: str = "",
    ) -> _Call:
        """Check the request and write its audit row; no row, no call."""
        if any_card_number(params) or any_card_number(json_body):
            # Last line of defence: the forms refuse card numbers long before this.
            raise RevCentRefused("Refused to send a card number to RevCent.")
        try:
            entry = audit.api_call_started(
                operation=operation,
                http_method=method,
                path=path,
                actor=actor,
                sandbox=self.sandbox,
                search_term=search_term,
                target_customer_id=target_customer_id,
            )
        except AuditWriteRefused as exc:
            raise RevCentRefused(
                f"{exc} Nothing was sent to RevCent; please try again in a moment."
            ) from exc
        return _Call(
            operation=operation,
            entry=entry,
            target_customer_id=target_customer_id,
            started=time.monotonic(),
        )

    def _settle(self, call: _Call) -> _Answer:
        """Complete the audit row from the exchange's result; raise our error if it failed."""
        outcome = AuditEntry.Outcome.UNKNOWN
        result: dict[str, Any] = {}
        error: RevCentError | None = None
        failure = call.failure
        if call.answer is not None:
            answer = call.answer
            result = _envelope(answer.body)
            result["http_status"] = answer.status
            if 200 <= answer.status < 300 and result.get("revcent_code") == 1:
                outcome = AuditEntry.Outcome.OK
                result["message"] = _text(answer.body, "result")
                if call.operation == "CreateCustomer" and not REVCENT_ID.match(
                    result.get("customer_id", "")
                ):
                    # "Success" without a usable ID is not a success we can act on.
                    outcome = AuditEntry.Outcome.INVALID_RESPONSE
                    result["message"] = "Success reported without a valid customer ID."
                    error = RevCentInvalidResponse(
                        "RevCent said the customer was created but returned no valid customer "
                        "ID. Search for the customer before trying again."
                    )
            else:
                outcome = AuditEntry.Outcome.API_ERROR
                result["message"] = _error_text(answer)
                error = RevCentApiError(
                    f"RevCent refused the request: {result['message']}",
                    http_status=answer.status,
                    code=result.get("revcent_code"),
                    retry_after=answer.retry_after,
                )
        elif isinstance(failure, _NotJson):
            outcome = AuditEntry.Outcome.INVALID_RESPONSE
            result = {"http_status": failure.status, "message": failure.summary}
            if call.operation in _CHANGES:
                # A gateway's error page can come back after RevCent got the request.
                error = self._no_answer(call.operation, "answered with a proxy's error page")
            else:
                error = RevCentInvalidResponse(
                    f"RevCent's address answered with something that is not RevCent's API "
                    f"(HTTP {failure.status}). Nothing was confirmed; try again shortly."
                )
        elif isinstance(failure, httpx.TimeoutException | _DeadlineExceeded):
            outcome = AuditEntry.Outcome.TIMEOUT
            result = {"message": f"No answer within the time limit ({type(failure).__name__})."}
            error = self._no_answer(call.operation, "did not answer in time")
        elif isinstance(failure, httpx.HTTPError):
            outcome = AuditEntry.Outcome.NETWORK_ERROR
            result = {"message": f"Connection failed ({type(failure).__name__})."}
            error = self._no_answer(call.operation, "could not be reached")
        else:
            # Not a network failure but a bug; record it, then let it surface as itself.
            result = {"message": f"Client error ({type(failure).__name__})."}
        audit.api_call_completed(
            call.entry,
            outcome=outcome,
            duration_ms=round((time.monotonic() - call.started) * 1000),
            http_status=result.get("http_status"),
            revcent_code=result.get("revcent_code"),
            api_call_id=result.get("api_call_id", ""),
            api_call_unix=result.get("api_call_unix"),
            message=result.get("message", ""),
            customer_id=result.get("customer_id", "")
            or (call.target_customer_id if outcome == AuditEntry.Outcome.OK else ""),
        )
        if error is not None:
            error.audit_entry = call.entry
            raise error from failure
        if outcome != AuditEntry.Outcome.OK:
            raise failure  # type: ignore[misc]
        if self._on_response is not None:
            self._on_response(call.operation, call.answer.body)
        return call.answer

    @staticmethod
    def _no_answer(operation: str, what: str) -> RevCentError:
        if operation == "CreateCustomer":
            return RevCentOutcomeUnknown(
                f"RevCent {what}, so we cannot tell whether the customer was created. "
                "Do not create them again: we will search for them first."
            )
        if operation == "AddCustomerToGroup":
            return RevCentOutcomeUnknown(
                f"RevCent {what}, so we cannot tell whether the groups were added. "
                "Check the customer's groups before trying again."
            )
        return RevCentUnavailable(f"RevCent {what}. Nothing was changed; try again in a moment.")

    def _exchange(
        self,
        method: str,
        path: str,
        params: dict | None,
        json_body: dict | None,
        deadline: float,
    ) -> _Answer:
        if time.monotonic() >= deadline:
            raise _DeadlineExceeded()
        with self._http.stream(method, path, params=params, json=json_body) as response:
            chunks = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    raise _DeadlineExceeded()
                if size > MAX_BODY_BYTES:
                    raise _NotJson(response.status_code, "Response body too large.")
            raw = b"".join(chunks)
        try:
            body = json.loads(raw)
        except ValueError:
            raise _NotJson(response.status_code, _summary(response, raw)) from None
        if not isinstance(body, dict):
            raise _NotJson(response.status_code, "JSON that is not an object.")
        return _Answer(
            status=response.status_code,
            body=body,
            retry_after=_seconds(response.headers.get("retry-after")),
        )


# Searches of every request share one bounded pool: threads (and, in sandbox mode, their
# database connections) are reused instead of made for each refresh of the panel.
SEARCH_THREADS = 16


@functools.cache
def _search_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="revcent-search")


class _Inline:
    """A stand-in for a thread pool that runs each task at once, in this thread."""

    @staticmethod
    def submit(function, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future


class _DeadlineExceeded(Exception):
    pass


class _NotJson(Exception):
    def __init__(self, status: int, summary: str) -> None:
        super().__init__(summary)
        self.status = status
        self.summary = summary


def _search_result(term: str, answer: _Answer, entry: AuditEntry) -> SearchResult:
    results = answer.body.get("results")
    hits = [
        SearchHit(
            id=_text(item, "id"),
            contact=Contact.parse(item),
            created=_when(item.get("created_date_unix")),
            internal_id=_text(item, "internal_id"),
        )
        for item in (results if isinstance(results, list) else [])
        if isinstance(item, dict)
        and _text(item, "id")
        and item.get("item_type", "customer") == "customer"
    ]
    return SearchResult(term=term, hits=hits[:SEARCH_MAX_HITS], api_call_id=entry.api_call_id)


def _summary(response: httpx.Response, raw: bytes) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return f"Not JSON ({kind}, {len(raw)} bytes)."


def _envelope(body: dict[str, Any]) -> dict[str, Any]:
    """The audit fields of RevCent's envelope, read tolerantly."""
    code = body.get("code")
    unix = body.get("api_call_unix")
    return {
        "revcent_code": code if isinstance(code, int) and not isinstance(code, bool) else None,
        "api_call_id": _text(body, "api_call_id")[:40],
        "api_call_unix": unix if isinstance(unix, int) and not isinstance(unix, bool) else None,
        # §4.4: the new ID as `customer_id`, or (v1's shape) as `customer.id`.
        "customer_id": (
            _text(body, "customer_id")
            or _text(body["customer"] if isinstance(body.get("customer"), dict) else {}, "id")
        )[:20],
    }


def _error_text(answer: _Answer) -> str:
    text = _text(answer.body, "message") or _text(answer.body, "result")
    if not text:
        try:
            text = httpx.codes.get_reason_phrase(answer.status) or f"HTTP {answer.status}"
        except ValueError:
            text = f"HTTP {answer.status}"
        if answer.status < 300:
            text = "the response did not report success (code is not 1)"
    return text[:400]


def _retry_after(exc: RevCentApiError) -> float | None:
    """Seconds to wait before retrying a read, or None if it should not be retried."""
    if exc.http_status not in (429, 503):
        return None
    if exc.retry_after is None:
        return 1.0
    return min(exc.retry_after, MAX_RETRY_AFTER)


def _seconds(header: str | None) -> float | None:
    # Retry-After may also be an HTTP date; RevCent's format is undocumented, so a date
    # is treated like a missing header (a short default wait).
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


def contract_mismatches(operation: str, body: dict[str, Any]) -> list[str]:
    """How a successful response differs from EXPECTED_SHAPES, field by field."""
    shape = EXPECTED_SHAPES[operation]
    problems = [f"missing key {key!r}" for key in shape["keys"] if key not in body]
    if "api_call_id" in body and not REVCENT_ID.match(str(body["api_call_id"])):
        problems.append(f"api_call_id is not 20 letters and digits: {body['api_call_id']!r}")
    if "api_call_unix" in body and not isinstance(body["api_call_unix"], int):
        problems.append("api_call_unix is not an integer")
    if body.get("code") != 1:
        problems.append(f"code is {body.get('code')!r}, expected 1")
    if "customer_id" in shape["keys"] and not REVCENT_ID.match(str(body.get("customer_id"))):
        problems.append(f"customer_id is not 20 letters and digits: {body.get('customer_id')!r}")
    items: list[Any] = []
    if "list" in shape:
        value = body.get(shape["list"])
        if not isinstance(value, list):
            problems.append(f"{shape['list']!r} is not a list")
        else:
            items = value
    if "object" in shape:
        value = body.get(shape["object"])
        if not isinstance(value, dict):
            problems.append(f"{shape['object']!r} is not an object")
        else:
            items = [value]
    where = shape.get("list") or shape.get("object")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"{where}[{index}] is not an object")
            continue
        problems += [
            f"{where}[{index}] is missing key {key!r}" for key in shape["item"] if key not in item
        ]
    return problems


def get_client(
    *,
    transport: httpx.BaseTransport | None = None,
    on_response: Callable[[str, dict[str, Any]], None] | None = None,
) -> RevCentClient:
    """The configured client: RevCent itself with an API key, otherwise the sandbox.

    The plain client is shared by the process (httpx clients are thread-safe), so
    connections to RevCent are reused instead of opened per request.
    """
    if transport is None and on_response is None:
        return _shared_client(
            settings.REVCENT_API_KEY,
            settings.REVCENT_BASE_URL,
            settings.REVCENT_SANDBOX,
            settings.REVCENT_TIMEOUT_SECONDS,
        )
    return _new_client(
        settings.REVCENT_API_KEY,
        settings.REVCENT_BASE_URL,
        settings.REVCENT_SANDBOX,
        settings.REVCENT_TIMEOUT_SECONDS,
        transport=transport,
        on_response=on_response,
    )


@functools.lru_cache(maxsize=8)
def _shared_client(api_key: str, base_url: str, sandbox: bool, deadline: int) -> RevCentClient:
    return _new_client(api_key, base_url, sandbox, deadline)


def _new_client(
    api_key: str,
    base_url: str,
    sandbox: bool,
    deadline: int,
    *,
    transport: httpx.BaseTransport | None = None,
    on_response: Callable[[str, dict[str, Any]], None] | None = None,
) -> RevCentClient:
    if sandbox:
        from customers.sandbox.transport import SandboxTransport

        api_key, base_url = "sandbox", SANDBOX_BASE_URL
        transport = transport or SandboxTransport()
    return RevCentClient(
        api_key=api_key,
        base_url=base_url,
        sandbox=sandbox,
        deadline_seconds=deadline,
        transport=transport,
        on_response=on_response,
    )
