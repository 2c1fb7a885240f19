"""`manage.py revcent_check` against a real HTTP server that implements §12."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.models import AuditEntry
from customers.sandbox import server


@pytest.fixture
def loopback_revcent(transactional_db):
    httpd, seen_headers = server.start()
    yield f"http://127.0.0.1:{httpd.server_port}/v2", seen_headers
    httpd.shutdown()


@pytest.mark.django_db(transaction=True)
def test_it_calls_the_configured_server_with_the_api_key(
    loopback_revcent, settings, auditor_client
):
    base_url, seen_headers = loopback_revcent
    settings.REVCENT_SANDBOX = False
    settings.REVCENT_API_KEY = "k"
    settings.REVCENT_BASE_URL = base_url
    out = StringIO()

    call_command("revcent_check", "--create", stdout=out)

    assert "All responses match the contract." in out.getvalue()
    assert [h["x-api-key"] for h in seen_headers] == ["k", "k", "k"]
    rows = list(AuditEntry.objects.filter(kind="api_call").order_by("id"))
    assert [r.operation for r in rows] == ["SearchCustomers", "CreateCustomer", "GetCustomer"]
    assert all(r.outcome == "ok" and not r.sandbox for r in rows)
    changelist = auditor_client.get(reverse("admin:customers_auditentry_changelist")).content
    for row in rows:
        assert row.api_call_id in out.getvalue()
        assert row.api_call_id.encode() in changelist


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
