"""`manage.py revcent_check` against a real HTTP server that implements RevCent's documented
shapes (the sandbox over loopback), against the older nested form, and against a server
that differs from the contract."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from customers.models import AuditEntry
from customers.revcent import factory
from customers.sandbox import server
from customers.sandbox.transport import SandboxTransport


@pytest.fixture
def loopback_revcent(transactional_db):
    httpd, seen_headers = server.start()
    yield f"http://127.0.0.1:{httpd.server_port}/v2", seen_headers
    httpd.shutdown()


def use_server(settings, base_url: str) -> None:
    settings.REVCENT_SANDBOX = False
    settings.REVCENT_API_KEY = "k"
    settings.REVCENT_BASE_URL = base_url


@pytest.mark.django_db(transaction=True)
def test_it_calls_the_configured_server_with_the_api_key(
    loopback_revcent, settings, auditor_client
):
    base_url, seen_headers = loopback_revcent
    use_server(settings, base_url)
    out = StringIO()

    call_command("revcent_check", "--create", "--groups", stdout=out)

    assert "All responses match the contract." in out.getvalue()
    rows = list(AuditEntry.objects.filter(kind="api_call").order_by("id"))
    assert [h["x-api-key"] for h in seen_headers] == ["k"] * len(rows)
    assert [r.operation for r in rows] == [
        "SearchCustomers",
        "GetCustomer",  # an ID no account holds: RevCent's documented error body
        "CreateCustomer",
        "GetCustomer",
        "CreateNote",
        "GetCustomer",
        "GetAPICalls",
        "GetCustomerGroups",
        "AddCustomerToGroup",
        "GetCustomer",
    ]
    assert rows[1].outcome == "api_error" and rows[1].error_code == "not_found"
    assert all(r.outcome == "ok" and not r.sandbox for r in rows if r != rows[1])
    assert "found: customer fields: top level" in out.getvalue()
    assert "AddCustomerToGroup: OK" in out.getvalue()
    assert "ASSUMED (UNVERIFIED path" in out.getvalue()
    changelist = auditor_client.get(reverse("admin:customers_auditentry_changelist")).content
    for row in rows:
        assert row.api_call_id in out.getvalue()
        assert row.api_call_id.encode() in changelist


@pytest.mark.django_db(transaction=True)
def test_it_still_works_against_a_server_that_nests_the_customer_and_says_so(settings):
    httpd, _ = server.start(nested_customer=True)
    use_server(settings, f"http://127.0.0.1:{httpd.server_port}/v2")
    out = StringIO()
    try:
        call_command("revcent_check", "--create", stdout=out)
    finally:
        httpd.shutdown()
    assert "found: customer fields: nested under 'customer'" in out.getvalue()
    assert "All responses match the contract." in out.getvalue()


class WithoutErrorCode(SandboxTransport):
    """A RevCent whose error bodies lack `error_code`, and whose hits carry no `id`."""

    def handle_request(self, request):
        response = super().handle_request(request)
        body = response.json()
        body.pop("error_code", None)
        for hit in body.get("results", []):
            if "search" in request.url.path:
                hit.pop("id", None)
        return type(response)(response.status_code, json=body)


@pytest.mark.django_db
def test_it_exits_non_zero_naming_each_difference(monkeypatch):
    monkeypatch.setattr(factory, "_sandbox_transport", WithoutErrorCode)
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("revcent_check", stdout=out, search_term="jane@example.com")
    assert "Error body: missing key 'error_code'" in str(caught.value)
    assert "SearchCustomers: results[0] is missing key 'id'" in str(caught.value)
    assert "differs: missing key 'error_code'" in out.getvalue()


@pytest.mark.django_db
def test_it_works_against_the_built_in_sandbox():
    out = StringIO()
    call_command("revcent_check", "--create", stdout=out)
    assert "the built-in sandbox" in out.getvalue()
    assert "All responses match the contract." in out.getvalue()


def test_it_reports_mismatches_field_by_field():
    from customers.revcent import contract_mismatches

    problems = contract_mismatches(
        "CreateCustomer", {"api_call_id": "short", "code": 1, "customer": {"id": "x"}}
    )
    assert "missing key 'customer_id'" in problems
    assert "missing key 'api_call_unix'" in problems
    assert "api_call_id is not 20 letters and digits: 'short'" in problems
