"""RevCentClient against a scripted HTTP server (httpx.MockTransport): every failure the
contract (customers/revcent/contract.py) names.

Each test checks three things: the exception class, the text the agent would read, and the
audit row the call left behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import cast

import httpx
import pytest
from django.db import transaction

from customers.audit import Actor
from customers.models import AuditEntry
from customers.revcent import (
    RevCentApiError,
    RevCentClient,
    RevCentInvalidResponse,
    RevCentOutcomeUnknown,
    RevCentRefused,
    RevCentUnavailable,
)
from customers.revcent.contract import CreateCustomerBody

pytestmark = pytest.mark.django_db

ACTOR = Actor(name="test")
CALL_ID = "CallIdAbcdefghij0123"
CALL_ID_2 = "CallIdKlmnopqrst4567"
CUSTOMER_ID = "CustAbcdefghijk01234"
CARD = "4242 4242 4242 4242"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Monotonic time that moves only when told: no test here waits on a real clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Server:
    """A scripted RevCent: answers from a list (the last answer repeats), records requests."""

    def __init__(self, *answers: httpx.Response | httpx.RequestError | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.clock = FakeClock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, httpx.RequestError):
            raise type(answer)(str(answer), request=request)
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    def client(self, *, deadline_seconds: float = 20) -> RevCentClient:
        return RevCentClient(
            api_key="k",
            base_url="http://127.0.0.1:9999/v2",
            sandbox=False,
            deadline_seconds=deadline_seconds,
            transport=httpx.MockTransport(self),
            sleep=self.sleeps.append,
            clock=self.clock,
        )


def ok(**body) -> httpx.Response:
    return httpx.Response(
        200, json={"api_call_id": CALL_ID, "api_call_unix": 1_700_000_000, "code": 1, **body}
    )


def payload(**extra: object) -> CreateCustomerBody:
    body: CreateCustomerBody = {
        "campaign": "Default Campaign",
        "customer": {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"},
    }
    # `extra` may hold a field the client must refuse (payment): not one the type allows.
    return cast(CreateCustomerBody, {**body, **extra})


def entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("id"))


def only_entry() -> AuditEntry:
    rows = entries()
    assert len(rows) == 1
    return rows[0]


def assert_completed(entry: AuditEntry) -> None:
    assert entry.completed_at is not None
    assert entry.duration_ms is not None
    assert entry.sandbox is False
    assert entry.username == "test"


def search(server: Server, term: str = "jane@example.com", **kwargs):
    return server.client(**kwargs).search_customers(term, actor=ACTOR)


# --- API errors ----------------------------------------------------------------------------
def test_it_reads_a_4xx_as_an_api_error_with_revcent_message():
    server = Server(
        httpx.Response(
            400,
            json={
                "api_call_id": CALL_ID,
                "api_call_unix": 1_700_000_000,
                "code": 0,
                "message": "customer.email is not valid.",
                "result": "Failed",
            },
        )
    )

    with pytest.raises(RevCentApiError) as caught:
        server.client().create_customer(payload(), actor=ACTOR)

    exc = caught.value
    assert type(exc) is RevCentApiError
    assert "customer.email is not valid." in exc.message
    assert "Failed" not in exc.message
    assert exc.http_status == 400
    assert exc.code == 0
    assert exc.api_call_id == CALL_ID
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.API_ERROR
    assert entry.http_status == 400
    assert entry.revcent_code == 0
    assert entry.api_call_id == CALL_ID
    assert entry.api_call_unix == 1_700_000_000
    assert entry.message == "customer.email is not valid."
    assert entry.customer_id == ""
    assert_completed(entry)
    assert exc.audit_entry is not None
    assert exc.audit_entry.pk == entry.pk


def test_it_falls_back_to_result_when_an_error_has_no_message():
    server = Server(httpx.Response(422, json={"api_call_id": CALL_ID, "code": 0, "result": "Nope"}))

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    assert "Nope" in caught.value.message
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.API_ERROR
    assert entry.http_status == 422
    assert entry.revcent_code == 0
    assert entry.api_call_id == CALL_ID
    assert entry.message == "Nope"
    assert_completed(entry)


def test_it_falls_back_to_the_http_reason_when_an_error_has_no_text():
    server = Server(httpx.Response(404, json={}))

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    # The agent reads the status and what to do; the trail keeps the reason phrase.
    assert "HTTP 404" in caught.value.message
    assert "Check the ID" in caught.value.message
    assert caught.value.http_status == 404
    assert caught.value.code is None
    assert caught.value.api_call_id == ""
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.API_ERROR
    assert entry.http_status == 404
    assert entry.revcent_code is None
    assert entry.api_call_id == ""
    assert entry.message == "Not Found"
    assert_completed(entry)


def test_it_reads_a_5xx_as_an_api_error_and_keeps_the_call_id():
    server = Server(
        httpx.Response(
            500, json={"api_call_id": CALL_ID, "code": 0, "message": "Internal server error."}
        )
    )

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    exc = caught.value
    assert type(exc) is RevCentApiError
    assert "Internal server error." in exc.message
    assert exc.http_status == 500
    assert exc.api_call_id == CALL_ID
    assert len(server.requests) == 1  # 500 is not one of the retried statuses
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.API_ERROR
    assert entry.http_status == 500
    assert entry.revcent_code == 0
    assert entry.api_call_id == CALL_ID
    assert entry.message == "Internal server error."
    assert_completed(entry)


def test_it_reads_http_200_with_code_0_as_an_api_error():
    server = Server(
        httpx.Response(
            200,
            json={
                "api_call_id": CALL_ID,
                "api_call_unix": 1_700_000_000,
                "code": 0,
                "message": "Campaign not found.",
            },
        )
    )

    with pytest.raises(RevCentApiError) as caught:
        server.client().create_customer(payload(), actor=ACTOR)

    assert "Campaign not found." in caught.value.message
    assert caught.value.http_status == 200
    assert caught.value.code == 0
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.API_ERROR
    assert entry.http_status == 200
    assert entry.revcent_code == 0
    assert entry.api_call_id == CALL_ID
    assert entry.message == "Campaign not found."
    assert entry.customer_id == ""
    assert_completed(entry)


def test_it_reads_http_200_without_a_code_as_an_api_error():
    server = Server(httpx.Response(200, json={"api_call_id": CALL_ID, "results": []}))

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    assert "without reporting success" in caught.value.message
    assert caught.value.http_status == 200
    assert caught.value.code is None
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.API_ERROR
    assert entry.http_status == 200
    assert entry.revcent_code is None
    assert entry.api_call_id == CALL_ID
    assert entry.message == "the response did not report success (code is not 1)"
    assert_completed(entry)


def test_it_reads_http_200_without_a_code_but_with_a_result_using_that_result():
    server = Server(httpx.Response(200, json={"api_call_id": CALL_ID, "result": "Pending"}))

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    assert "Pending" in caught.value.message
    assert only_entry().message == "Pending"


def test_it_does_not_take_code_true_for_success():
    server = Server(httpx.Response(200, json={"api_call_id": CALL_ID, "code": True}))

    with pytest.raises(RevCentApiError):
        search(server)

    assert only_entry().outcome == AuditEntry.Outcome.API_ERROR


# --- Invalid responses ---------------------------------------------------------------------
def test_it_reads_an_html_page_as_an_invalid_response():
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    server = Server(httpx.Response(502, headers={"content-type": "text/html"}, content=html))

    with pytest.raises(RevCentInvalidResponse) as caught:
        search(server)

    assert "HTTP 502" in caught.value.message
    assert "not RevCent's API" in caught.value.message
    assert len(server.requests) == 1
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.INVALID_RESPONSE
    assert entry.http_status == 502
    assert entry.revcent_code is None
    assert entry.api_call_id == ""
    assert entry.message == f"Not JSON (text/html, {len(html)} bytes)."
    assert_completed(entry)


def test_it_reads_a_json_array_as_an_invalid_response():
    server = Server(httpx.Response(200, json=[{"code": 1, "api_call_id": CALL_ID}]))

    with pytest.raises(RevCentInvalidResponse) as caught:
        search(server)

    assert "HTTP 200" in caught.value.message
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.INVALID_RESPONSE
    assert entry.http_status == 200
    assert entry.revcent_code is None
    assert entry.api_call_id == ""
    assert entry.message == "JSON that is not an object."
    assert_completed(entry)


def test_it_reads_a_create_answer_without_a_valid_customer_id_as_an_invalid_response():
    server = Server(ok(customer_id="short", result="Customer created."))

    with pytest.raises(RevCentInvalidResponse) as caught:
        server.client().create_customer(payload(), actor=ACTOR)

    assert "no valid customer ID" in caught.value.message
    assert "Search for the customer" in caught.value.message
    assert caught.value.api_call_id == CALL_ID
    entry = only_entry()
    # HTTP 200 and code 1, but nothing the app can act on: the row says so.
    assert entry.outcome == AuditEntry.Outcome.INVALID_RESPONSE
    assert entry.http_status == 200
    assert entry.revcent_code == 1
    assert entry.api_call_id == CALL_ID
    assert entry.message == "Success reported without a valid customer ID."
    assert_completed(entry)


def test_it_treats_a_proxy_error_page_after_a_create_as_outcome_unknown():
    html = b"<html><body><h1>504 Gateway Timeout</h1></body></html>"
    server = Server(httpx.Response(504, headers={"content-type": "text/html"}, content=html))

    with pytest.raises(RevCentOutcomeUnknown) as caught:
        server.client().create_customer(payload(), actor=ACTOR)

    assert "cannot tell whether the customer was created" in caught.value.message
    assert len(server.requests) == 1
    assert only_entry().outcome == AuditEntry.Outcome.INVALID_RESPONSE


def test_it_never_shows_a_card_number_that_revcent_echoes_back():
    server = Server(httpx.Response(400, json={"code": 0, "message": "bad value 4242424242424242"}))

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    assert "4242424242424242" not in caught.value.message
    assert "4242424242424242" not in str(caught.value)


def test_it_reads_a_create_answer_with_no_customer_id_at_all_as_an_invalid_response():
    server = Server(ok(result="Customer created."))

    with pytest.raises(RevCentInvalidResponse):
        server.client().create_customer(payload(), actor=ACTOR)

    assert len(server.requests) == 1


# --- No answer -----------------------------------------------------------------------------
def test_it_reports_a_read_timeout_on_a_read_as_unavailable_without_retrying():
    server = Server(httpx.ReadTimeout("timed out"))

    with pytest.raises(RevCentUnavailable) as caught:
        search(server)

    exc = caught.value
    assert type(exc) is RevCentUnavailable
    assert "did not answer in time" in exc.message
    assert "Nothing was changed" in exc.message
    assert isinstance(exc.__cause__, httpx.ReadTimeout)
    assert len(server.requests) == 1
    assert server.sleeps == []
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.TIMEOUT
    assert entry.http_status is None
    assert entry.revcent_code is None
    assert entry.api_call_id == ""
    assert entry.message == "No answer within the time limit (ReadTimeout)."
    assert_completed(entry)


def test_it_reports_a_connect_error_as_a_network_error():
    server = Server(httpx.ConnectError("connection refused"))

    with pytest.raises(RevCentUnavailable) as caught:
        search(server)

    assert type(caught.value) is RevCentUnavailable
    assert "could not be reached" in caught.value.message
    rows = entries()
    assert rows  # one per attempt, see the retry tests
    for entry in rows:
        assert entry.outcome == AuditEntry.Outcome.NETWORK_ERROR
        assert entry.http_status is None
        assert entry.api_call_id == ""
        assert entry.message == "Connection failed (ConnectError)."
        assert_completed(entry)


class SlowDribble(httpx.SyncByteStream):
    """A server that answers, then sends its body one byte every 50 ms (of the fake clock)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(200):
            self.clock.advance(0.05)
            self.sent += 1
            yield b" "


def test_it_cuts_off_a_slow_dribble_at_the_deadline():
    server = Server()
    dribble = SlowDribble(server.clock)
    server.answers = [
        httpx.Response(200, headers={"content-type": "application/json"}, stream=dribble)
    ]

    with pytest.raises(RevCentUnavailable) as caught:
        search(server, deadline_seconds=0.3)

    # Cut off at the first chunk past 300 ms, not after the whole 10 s body.
    assert dribble.sent == 7
    assert "did not answer in time" in caught.value.message
    assert len(server.requests) == 1
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.TIMEOUT
    assert entry.message.startswith("No answer within the time limit")
    # The call as the agent waited for it: from before its audit row to the cut-off.
    assert entry.duration_ms == 350
    assert_completed(entry)


def test_the_deadline_and_the_duration_start_before_the_audit_row_is_written(monkeypatch):
    """A slow audit write counts against the call's deadline and shows in its duration."""
    from customers import audit

    server = Server(ok(current_count=0, results=[]))
    real_started = audit.api_calls_started

    def slow_rows(rows):
        server.clock.advance(0.25)  # the database took 250 ms to write the row
        return real_started(rows)

    monkeypatch.setattr(audit, "api_calls_started", slow_rows)
    with pytest.raises(RevCentUnavailable):
        search(server, deadline_seconds=0.2)

    assert server.requests == []  # the deadline had passed before anything was sent
    entry = only_entry()
    assert entry.outcome == AuditEntry.Outcome.TIMEOUT
    assert entry.duration_ms == 250


def test_it_sends_a_create_once_and_reports_the_outcome_unknown_on_timeout():
    server = Server(httpx.ReadTimeout("timed out"))

    with pytest.raises(RevCentOutcomeUnknown) as caught:
        server.client().create_customer(payload(), actor=ACTOR)

    assert "cannot tell whether the customer was created" in caught.value.message
    assert "Do not create them again" in caught.value.message
    assert len(server.requests) == 1
    assert server.sleeps == []
    entry = only_entry()
    assert entry.operation == "CreateCustomer"
    assert entry.outcome == AuditEntry.Outcome.TIMEOUT
    assert entry.http_status is None
    assert entry.api_call_id == ""
    assert entry.customer_id == ""
    assert entry.search_term == "jane@example.com"
    assert_completed(entry)


def test_it_sends_a_create_once_and_reports_the_outcome_unknown_on_connect_error():
    server = Server(httpx.ConnectError("connection refused"))

    with pytest.raises(RevCentOutcomeUnknown):
        server.client().create_customer(payload(), actor=ACTOR)

    assert len(server.requests) == 1
    assert only_entry().outcome == AuditEntry.Outcome.NETWORK_ERROR


def test_it_never_retries_a_create_even_on_503_with_retry_after():
    server = Server(
        httpx.Response(
            503, headers={"Retry-After": "1"}, json={"code": 0, "message": "Busy, retry later."}
        ),
        ok(customer_id=CUSTOMER_ID),
    )

    with pytest.raises(RevCentApiError) as caught:
        server.client().create_customer(payload(), actor=ACTOR)

    assert caught.value.http_status == 503
    assert caught.value.retry_after == 1.0
    assert len(server.requests) == 1
    assert server.sleeps == []
    assert only_entry().outcome == AuditEntry.Outcome.API_ERROR


# --- Retries -------------------------------------------------------------------------------
def busy(status: int, retry_after: str | None, call_id: str = CALL_ID) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(
        status, headers=headers, json={"api_call_id": call_id, "code": 0, "message": "Busy."}
    )


def test_it_retries_a_read_on_429_and_503_honouring_retry_after():
    server = Server(busy(429, "2", CALL_ID), busy(503, "1.5", CALL_ID_2), ok(results=[]))

    result = search(server)

    assert result.hits == []
    assert len(server.requests) == 3
    assert server.sleeps == [2.0, 1.5]
    rows = entries()
    assert [row.outcome for row in rows] == ["api_error", "api_error", "ok"]
    assert [row.http_status for row in rows] == [429, 503, 200]
    assert [row.api_call_id for row in rows] == [CALL_ID, CALL_ID_2, CALL_ID]
    assert all(row.operation == "SearchCustomers" for row in rows)
    for row in rows:
        assert_completed(row)
    assert result.api_call_id == rows[-1].api_call_id


def test_it_waits_a_second_when_a_busy_answer_has_no_retry_after():
    server = Server(busy(503, None), ok(results=[]))

    search(server)

    assert server.sleeps == [1.0]
    assert len(server.requests) == 2


def test_it_caps_a_long_retry_after():
    server = Server(busy(429, "120"), ok(results=[]))

    search(server, deadline_seconds=20)

    assert server.sleeps == [5.0]


def test_it_does_not_retry_when_retry_after_would_pass_the_deadline():
    server = Server(busy(429, "4"), ok(results=[]))

    with pytest.raises(RevCentApiError) as caught:
        search(server, deadline_seconds=3)

    assert caught.value.http_status == 429
    assert len(server.requests) == 1
    assert server.sleeps == []


def test_it_stops_retrying_a_read_after_three_attempts():
    server = Server(busy(429, "0"))

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    assert caught.value.http_status == 429
    assert "Busy." in caught.value.message
    assert len(server.requests) == 3
    assert len(server.sleeps) == 2
    rows = entries()
    assert len(rows) == 3
    assert all(row.outcome == AuditEntry.Outcome.API_ERROR for row in rows)
    assert all(row.http_status == 429 for row in rows)


def test_it_retries_a_read_after_a_connect_error():
    server = Server(httpx.ConnectError("connection refused"), ok(results=[]))

    result = search(server)

    assert result.hits == []
    assert len(server.requests) == 2
    assert len(server.sleeps) == 1
    rows = entries()
    assert [row.outcome for row in rows] == ["network_error", "ok"]
    assert result.api_call_id == CALL_ID


def test_it_stops_retrying_connect_errors_after_three_attempts():
    server = Server(httpx.ConnectError("connection refused"))

    with pytest.raises(RevCentUnavailable):
        search(server)

    assert len(server.requests) == 3
    assert len(server.sleeps) == 2
    assert [row.outcome for row in entries()] == ["network_error"] * 3


def test_it_does_not_retry_a_400():
    server = Server(
        httpx.Response(400, json={"api_call_id": CALL_ID, "code": 0, "message": "Bad term."}),
        ok(results=[]),
    )

    with pytest.raises(RevCentApiError) as caught:
        search(server)

    assert caught.value.http_status == 400
    assert len(server.requests) == 1
    assert server.sleeps == []
    assert only_entry().outcome == AuditEntry.Outcome.API_ERROR


# --- What is sent --------------------------------------------------------------------------
def test_it_sends_the_api_key_and_asks_for_json():
    server = Server(ok(results=[]))

    search(server)

    request = server.requests[0]
    assert request.headers["x-api-key"] == "k"
    assert request.headers["accept"] == "application/json"


def test_it_searches_with_a_get_and_the_term_as_search_term():
    server = Server(ok(results=[]))
    term = "jane doe+1@example.com & co"

    result = search(server, term)

    request = server.requests[0]
    assert request.method == "GET"
    assert request.url.host == "127.0.0.1"
    assert request.url.path == "/v2/customers/search"
    assert dict(request.url.params) == {"search_term": term}
    assert request.content == b""
    assert result.term == term
    entry = only_entry()
    assert entry.http_method == "GET"
    assert entry.operation == "SearchCustomers"
    assert entry.search_term == term
    assert entry.outcome == AuditEntry.Outcome.OK


def test_it_reads_search_hits():
    server = Server(
        ok(
            current_count=2,
            results=[
                {
                    "item_type": "customer",
                    "id": CUSTOMER_ID,
                    "first_name": "Jane",
                    "last_name": "Doe",
                    "email": "jane@example.com",
                    "created_date_unix": 1_700_000_000,
                    "internal_id": "CRM-1",
                },
                {"item_type": "sale", "id": "SaleAbcdefghijk01234"},
            ],
        )
    )

    result = search(server)

    assert [hit.id for hit in result.hits] == [CUSTOMER_ID]
    assert result.hits[0].contact.name == "Jane Doe"
    assert result.hits[0].internal_id == "CRM-1"
    assert result.hits[0].created is not None


def test_it_creates_with_a_post_of_the_payload_as_json():
    server = Server(ok(customer_id=CUSTOMER_ID, result="Customer created."))
    body = payload(
        internal_customer_id="CRM-9",
        metadata=[{"name": "source", "value": "phone"}],
        bill_to={"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"},
    )

    created = server.client().create_customer(body, actor=ACTOR)

    request = server.requests[0]
    assert request.method == "POST"
    assert request.url.path == "/v2/customers"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-api-key"] == "k"
    assert json.loads(request.content) == body
    assert created.customer_id == CUSTOMER_ID
    assert created.api_call_id == CALL_ID
    assert created.api_call_unix == 1_700_000_000
    assert created.result == "Customer created."
    entry = only_entry()
    assert entry.operation == "CreateCustomer"
    assert entry.http_method == "POST"
    assert entry.outcome == AuditEntry.Outcome.OK
    assert entry.http_status == 200
    assert entry.revcent_code == 1
    assert entry.api_call_id == CALL_ID
    assert entry.customer_id == CUSTOMER_ID
    assert entry.message == "Customer created."
    assert_completed(entry)


def test_it_reads_customer_id_from_customer_id_under_customer_as_a_fallback():
    server = Server(ok(customer={"id": CUSTOMER_ID}, result="Customer created."))

    created = server.client().create_customer(payload(), actor=ACTOR)

    assert created.customer_id == CUSTOMER_ID
    assert only_entry().outcome == AuditEntry.Outcome.OK


def test_it_records_the_fallback_customer_id_in_the_audit_trail():
    server = Server(ok(customer={"id": CUSTOMER_ID}, result="Customer created."))

    server.client().create_customer(payload(), actor=ACTOR)

    assert only_entry().customer_id == CUSTOMER_ID


# --- GetCustomer shapes --------------------------------------------------------------------
CUSTOMER_FIELDS = {
    "id": CUSTOMER_ID,
    "created_date_unix": 1_700_000_000,
    "enabled": True,
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jane@example.com",
    "country": "USA",
    "internal_id": "CRM-7",
    "bill_to": {"first_name": "Acme", "last_name": "Billing", "email": "bills@example.com"},
    "metadata": [{"name": "source", "value": "phone"}],
    "customer_group": [{"id": "GroupAbcdefghijk0123", "name": "VIP"}],
    "customer_card": [
        {
            "id": "CardAbcdefghijk01234",
            "type": "visa",
            "last_4": "4242",
            "expiry_date": "12/30",
            "is_default": True,
        }
    ],
}


@pytest.mark.parametrize(
    "body",
    [{"customer": CUSTOMER_FIELDS}, CUSTOMER_FIELDS],
    ids=["under-customer", "top-level"],
)
def test_it_reads_a_customer_under_customer_or_beside_the_envelope(body):
    server = Server(ok(**body))

    detail = server.client().get_customer(CUSTOMER_ID, actor=ACTOR)

    request = server.requests[0]
    assert request.method == "GET"
    assert request.url.path == f"/v2/customers/{CUSTOMER_ID}"
    assert detail.id == CUSTOMER_ID
    assert detail.contact.name == "Jane Doe"
    assert detail.contact.email == "jane@example.com"
    assert detail.contact.country == "USA"
    assert detail.internal_id == "CRM-7"
    assert detail.enabled is True
    assert detail.bill_to is not None
    assert detail.bill_to.name == "Acme Billing"
    assert detail.metadata == [("source", "phone")]
    assert [(g.id, g.name) for g in detail.customer_groups] == [("GroupAbcdefghijk0123", "VIP")]
    assert [(c.last_4, c.is_default) for c in detail.cards] == [("4242", True)]
    assert detail.api_call_id == CALL_ID
    entry = only_entry()
    assert entry.operation == "GetCustomer"
    assert entry.target_customer_id == CUSTOMER_ID
    assert entry.customer_id == CUSTOMER_ID
    assert entry.outcome == AuditEntry.Outcome.OK


def test_it_refuses_to_get_something_that_is_not_a_revcent_id():
    server = Server(ok())

    with pytest.raises(RevCentRefused):
        server.client().get_customer("../customers", actor=ACTOR)

    assert server.requests == []
    assert entries() == []


# --- Refused before sending ----------------------------------------------------------------
def test_it_refuses_a_create_with_a_payment_key_before_sending():
    server = Server(ok(customer_id=CUSTOMER_ID))

    with pytest.raises(RevCentRefused) as caught:
        server.client().create_customer(payload(payment={"card": {"number": "x"}}), actor=ACTOR)

    assert "payment" in caught.value.message
    assert server.requests == []
    assert entries() == []


def test_it_refuses_a_create_with_a_key_outside_the_contract_before_sending():
    server = Server(ok(customer_id=CUSTOMER_ID))

    with pytest.raises(RevCentRefused) as caught:
        server.client().create_customer(payload(notes="call back"), actor=ACTOR)

    assert "notes" in caught.value.message
    assert server.requests == []
    assert entries() == []


def _no_row_mentions(digits: str) -> None:
    for row in AuditEntry.objects.all():
        for field in AuditEntry._meta.concrete_fields:
            value = str(getattr(row, field.attname) or "")
            assert digits not in value.replace(" ", "").replace("-", "")


def test_it_refuses_a_create_carrying_a_card_number_anywhere_before_sending():
    server = Server(ok(customer_id=CUSTOMER_ID))
    body = payload(metadata=[{"name": "note", "value": f"card {CARD} exp 12/30"}])

    with pytest.raises(RevCentRefused) as caught:
        server.client().create_customer(body, actor=ACTOR)

    assert "card number" in caught.value.message
    assert "4242" not in caught.value.message
    assert server.requests == []
    _no_row_mentions("4242424242424242")


def test_it_refuses_a_search_for_a_card_number_before_sending():
    server = Server(ok(results=[]))

    with pytest.raises(RevCentRefused):
        search(server, "4242-4242-4242-4242")

    assert server.requests == []
    _no_row_mentions("4242424242424242")


def test_it_refuses_to_call_inside_a_database_transaction():
    server = Server(ok(results=[]))

    with pytest.raises(RevCentRefused) as caught, transaction.atomic():
        search(server)

    assert "transaction" in caught.value.message
    assert "Nothing was sent" in caught.value.message
    assert server.requests == []
    assert entries() == []


def test_it_refuses_to_create_inside_a_database_transaction():
    server = Server(ok(customer_id=CUSTOMER_ID))

    with pytest.raises(RevCentRefused), transaction.atomic():
        server.client().create_customer(payload(), actor=ACTOR)

    assert server.requests == []
    assert entries() == []
