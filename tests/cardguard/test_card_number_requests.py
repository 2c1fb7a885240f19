"""The request-level card guard (customers.cardguard.middleware.CardNumberGuardMiddleware and
RequestIdMiddleware), the log handlers and the caches: the parts of a request no form sees."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse

from customers.audit import Actor
from customers.cardguard.guard import RedactCardNumbersFilter
from customers.contact import Contact
from customers.creating.duplicates import _cache_key, search_terms
from customers.models import AuditEntry
from customers.revcent import RevCentClient, RevCentError, SearchResult
from customers.revcent.types import SearchHit
from tests.cardguard.test_card_number_sweep import _holds, find_pan_anywhere

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
PAN = "4111111111111111"


# --- X-Request-ID ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "incoming",
    [PAN, "4111-1111-1111-1111", "req-4111111111111111", "12345678", "2024.12.30", "req_8Hx.2"],
)
def test_a_request_id_that_is_a_number_or_holds_a_card_is_replaced(agent_client, incoming):
    response = agent_client.get(reverse("home"), headers={"X-Request-ID": incoming})
    echoed = response["X-Request-ID"]
    assert echoed != incoming and len(echoed) == 32
    assert not _holds(echoed, PAN)


@pytest.mark.parametrize("incoming", ["9f1c2e4a7b3d4c1e", "Root-1-67891233-abcdef01", "req-8Hx-2"])
def test_a_request_id_that_looks_like_one_is_kept_and_echoed(agent_client, incoming):
    response = agent_client.get(reverse("home"), headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming


# --- The path, the query string, other headers and bodies -------------------------------------
@pytest.mark.parametrize("path", [f"/customers/{PAN}/", "/customers/4111.1111.1111.1111/groups/"])
def test_a_card_number_in_the_path_gets_a_page_saying_so_and_is_kept_nowhere(
    agent_client, logs, caplog, path
):
    response = agent_client.get(path)
    html = response.content.decode()
    assert response.status_code == 400
    assert "A card number was refused" in html
    [refusal] = AuditEntry.objects.filter(operation="CardNumberRefused")
    assert "page address" in refusal.message
    assert find_pan_anywhere(PAN, response_bodies=[html], caplog=caplog, streams=[logs()]) == []


def test_a_signed_out_visit_with_a_card_in_the_query_string_is_not_carried_to_sign_in(client):
    response = client.get(reverse("customer-search"), {"q": "4111 1111 1111 1111", "tab": "x"})
    assert response.status_code == 302
    assert "tab%3Dx" in response["Location"]  # the rest of the query is kept
    assert not _holds(response["Location"], PAN)


def test_an_htmx_current_url_with_a_card_is_not_carried_to_sign_in(client):
    response = client.get(
        reverse("customer-create"),
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/customers/new/?ref="
            + quote("4111 1111 1111 1111"),
        },
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert not _holds(response["HX-Redirect"], PAN)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"q": "4111 1111 1111 1111"}),
        # JSON escapes: no digit is visible in the raw body
        '{"q": "' + "".join(f"\\u{ord(d):04x}" for d in PAN) + '"}',
        json.dumps({"nested": [{"value": "card 4111.1111.1111.1111"}]}),
    ],
)
def test_a_json_body_with_a_card_number_is_refused_before_any_view(agent_client, body):
    response = agent_client.post(reverse("customer-search"), body, content_type="application/json")
    assert response.status_code == 400
    assert "A card number was refused" in response.content.decode()
    [refusal] = AuditEntry.objects.filter(operation="CardNumberRefused")
    assert "request body" in refusal.message
    assert not AuditEntry.objects.filter(operation="SearchCustomers").exists()


def test_a_json_body_without_a_card_number_reaches_the_view(agent_client):
    response = agent_client.post(
        reverse("customer-search"),
        json.dumps({"q": "ERP0000000000000042A"}),
        content_type="application/json",
    )
    assert response.status_code == 200  # the find box, unbound: it reads form data only
    assert not AuditEntry.objects.filter(operation="CardNumberRefused").exists()


def test_the_sandbox_card_form_still_takes_a_card_number(agent_client):
    # The one page exempt from the guard stands in for the card provider's hosted form.
    from customers.sandbox.views import card_form

    assert getattr(card_form, "accepts_card_numbers", False)


# --- Logs ------------------------------------------------------------------------------------
def test_every_log_handler_removes_card_numbers():
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    handlers = [h for logger in loggers for h in getattr(logger, "handlers", [])]
    assert handlers
    for handler in handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # the test run's own capture
        assert any(isinstance(f, RedactCardNumbersFilter) for f in handler.filters), handler


def test_the_runserver_access_log_prints_no_card_number():
    [handler] = [
        h
        for h in logging.getLogger("django.server").handlers
        if not type(h).__module__.startswith("_pytest")  # the test run's own capture
    ]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    original = handler.setStream(stream)
    try:
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs a request.
        logging.getLogger("django.server").info(
            '"%s" %s %s',
            "GET /customers/find/?q=4111%201111%201111%201111&tab=x HTTP/1.1",
            "200",
            "5120",
            extra={"server_time": "28/Nov/2026 16:00:00", "status_code": 200},
        )
    finally:
        handler.setStream(original)
    line = stream.getvalue()
    assert "[card number removed]" in line and "tab=x" in line
    assert not _holds(line, PAN)


def test_a_request_logger_line_with_a_card_in_its_args_and_traceback_is_redacted():
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        (f"/customers/{PAN}/",),
        None,
    )
    try:
        raise ValueError(f"bad id {PAN}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactCardNumbersFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "Internal Server Error: /customers/[card number removed]/" in formatted
    assert "Traceback" in formatted
    assert not _holds(formatted, PAN)


# --- Caches ----------------------------------------------------------------------------------
class _Client(RevCentClient):
    """A RevCent client whose search finds a customer named as given (it sends nothing, so
    the real client's setup is skipped)."""

    def __init__(self, last_name: str) -> None:
        self.last_name = last_name

    def search_customers_many(
        self, terms: list[str], *, actor: Actor
    ) -> dict[str, SearchResult | RevCentError]:
        hit = SearchHit(
            id="CustAbcdefghijk01234",
            contact=Contact(first_name="Ana", last_name=self.last_name),
            internal_id="",
            created=None,
        )
        return {term: SearchResult(term=term, hits=[hit], api_call_id="") for term in terms}


@pytest.mark.parametrize(("last_name", "kept"), [("Diaz", True), (PAN, False)])
def test_a_search_result_holding_a_card_number_is_not_cached(last_name, kept):
    term = "ana@example.com"
    search_terms([term], client=_Client(last_name), actor=Actor(name="t"), use_cache=True)
    assert (cache.get(_cache_key(term)) is not None) is kept


def test_search_cache_keys_are_hashes_of_the_term():
    key = _cache_key("Ana.Diaz@example.com ")
    assert key == "revcent-search:v2:" + hashlib.sha256(b"ana.diaz@example.com").hexdigest()


def test_a_page_loaded_with_a_card_in_its_address_is_loaded_again_without_it(agent_client):
    # Else the address bar keeps it, and every request the page makes sends it again.
    response = agent_client.get(reverse("customer-create"), {"ref": "4111 1111 1111 1111"})
    assert response.status_code == 302
    assert not _holds(response["Location"], PAN)
    page = agent_client.get(response["Location"]).content.decode()
    assert "A card number was removed from the page address. It was not kept." in page
    [refusal] = AuditEntry.objects.filter(operation="CardNumberRefused")
    assert "ref" in refusal.message


def test_a_card_in_a_header_is_audited_but_not_blamed_on_the_form(agent_client, campaign):
    from tests.helpers import create_post

    response = agent_client.post(
        reverse("customer-duplicates"),
        create_post(campaign),
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/customers/new/?ref=" + quote(PAN),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A card number is not searched" not in html
    [refusal] = AuditEntry.objects.filter(operation="CardNumberRefused")
    assert "header Hx-Current-Url" in refusal.message
    assert not _holds(refusal.message, PAN)
