"""Several searches at once: one wait, one audit row per term, failures per term."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from customers.audit import Actor
from customers.models import AuditEntry
from customers.revcent import RevCentClient, RevCentUnavailable, SearchResult

# These test the pool itself, so they use it rather than the inline stand-in. The mock
# transport never reads the database, so the threads need no committed rows.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_threads")]


class Flight:
    """Counts how many requests are in flight at once (speed is measured by `make bench`)."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()


def slow_server(delay: float, flight: Flight | None = None):
    flight = flight or Flight()

    def handler(request: httpx.Request) -> httpx.Response:
        with flight.lock:
            flight.now += 1
            flight.most = max(flight.most, flight.now)
        try:
            time.sleep(delay)
        finally:
            with flight.lock:
                flight.now -= 1
        term = request.url.params["search_term"]
        if term == "down":
            raise httpx.ConnectError("refused", request=request)
        hit = {"item_type": "customer", "id": "A" * 19 + str(len(term) % 10), "email": term}
        return httpx.Response(
            200,
            json={
                "api_call_id": f"{term[:1].upper()}{'c' * 19}",
                "api_call_unix": 1_800_000_000,
                "code": 1,
                "current_count": 1,
                "results": [hit],
            },
        )

    return RevCentClient(
        api_key="k",
        base_url="http://127.0.0.1:9999/v2",
        sandbox=False,
        deadline_seconds=5,
        transport=httpx.MockTransport(handler),
    )


def test_it_sends_three_searches_at_the_same_time():
    flight = Flight()
    results = slow_server(0.2, flight).search_customers_many(
        ["jane@example.com", "+13055550100", "CRM-1"], actor=Actor(name="t")
    )
    assert flight.most == 3  # one after another would never exceed 1
    assert all(isinstance(r, SearchResult) for r in results.values())
    assert AuditEntry.objects.filter(operation="SearchCustomers", outcome="ok").count() == 3


def test_it_reports_a_failed_term_without_losing_the_others():
    results = slow_server(0).search_customers_many(
        ["jane@example.com", "down"], actor=Actor(name="t")
    )
    assert isinstance(results["jane@example.com"], SearchResult)
    assert isinstance(results["down"], RevCentUnavailable)
    outcomes = sorted(AuditEntry.objects.values_list("outcome", flat=True))
    assert outcomes == ["network_error", "ok"]


def test_it_searches_each_distinct_term_once():
    results = slow_server(0).search_customers_many(["a@x.io", "a@x.io", ""], actor=Actor(name="t"))
    assert list(results) == ["a@x.io"]
    assert AuditEntry.objects.count() == 1
