"""The audit trail: one row per RevCent call, append-only, readable by auditors only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from customers.audit import Actor, fastwrite
from customers.models import AuditEntry, AuditTrailIsAppendOnly
from customers.revcent import get_client
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(agent) -> AuditEntry:
    result = get_client().search_customers("jane@example.com", actor=Actor(user=agent))
    return AuditEntry.objects.get(api_call_id=result.api_call_id)


def test_a_call_leaves_a_complete_row(entry, agent):
    assert entry.operation == "SearchCustomers"
    assert entry.outcome == AuditEntry.Outcome.OK
    assert entry.http_method == "GET"
    assert entry.path == "/customers/search"
    assert entry.search_term == "jane@example.com"
    assert entry.http_status == 200
    assert entry.revcent_code == 1
    assert len(entry.api_call_id) == 20
    assert entry.api_call_unix > 1_700_000_000
    assert entry.user == agent
    assert entry.username == "alice"
    assert entry.sandbox is True
    assert entry.completed_at is not None
    assert entry.duration_ms is not None


def test_a_saved_row_cannot_be_changed(entry):
    entry.outcome = AuditEntry.Outcome.API_ERROR
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()


def test_a_row_cannot_be_deleted(entry):
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().update(message="changed")
    assert AuditEntry.objects.filter(pk=entry.pk, outcome="ok").exists()


def test_auditor_finds_a_call_by_its_api_call_id(auditor_client, entry):
    other = get_client().search_customers("john.smith@example.com", actor=Actor(name="x"))
    response = auditor_client.get(
        reverse("admin:customers_auditentry_changelist"), {"q": entry.api_call_id}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert entry.api_call_id in html
    assert other.api_call_id not in html


def test_auditor_sees_every_field_but_cannot_change_or_delete(auditor_client, entry):
    url = reverse("admin:customers_auditentry_change", args=[entry.pk])
    response = auditor_client.get(url)
    assert response.status_code == 200
    assert entry.api_call_id in response.content.decode()
    assert b'name="_save"' not in response.content
    delete = reverse("admin:customers_auditentry_delete", args=[entry.pk])
    assert auditor_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_superuser_cannot_add_change_or_delete_either(client, admin_user, entry):
    login_verified(client, admin_user)
    assert client.get(reverse("admin:customers_auditentry_add")).status_code == 403
    response = client.post(
        reverse("admin:customers_auditentry_change", args=[entry.pk]), {"message": "forged"}
    )
    assert response.status_code == 403
    delete = reverse("admin:customers_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_agents_cannot_open_the_audit_trail(client, agent):
    agent.is_staff = True  # even with admin access, the role lacks the permission
    agent.save()
    login_verified(client, agent)
    response = client.get(reverse("admin:customers_auditentry_changelist"))
    assert response.status_code == 403


def test_list_filters_by_operation_and_outcome(auditor_client, entry):
    response = auditor_client.get(
        reverse("admin:customers_auditentry_changelist"),
        {"operation": "SearchCustomers", "outcome": "ok"},
    )
    assert response.status_code == 200
    assert entry.api_call_id in response.content.decode()


def test_a_call_inside_a_transaction_is_refused_and_not_made():
    from customers.revcent import RevCentRefused

    with pytest.raises(RevCentRefused, match="Nothing was sent"), transaction.atomic():
        get_client().search_customers("jane@example.com", actor=Actor(name="x"))
    assert not AuditEntry.objects.exists()


def test_no_call_is_made_when_the_row_cannot_be_written(monkeypatch):
    from customers.revcent import RevCentRefused
    from customers.sandbox.transport import SandboxTransport

    calls = []
    monkeypatch.setattr(
        SandboxTransport, "handle_request", lambda self, request: calls.append(request)
    )

    def broken(entries):
        raise DatabaseError("disk full")

    monkeypatch.setattr(fastwrite, "insert_open", broken)
    with pytest.raises(RevCentRefused, match="audit trail could not be written"):
        get_client().search_customers("jane@example.com", actor=Actor(name="x"))
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_searches_made_together_open_their_rows_in_one_statement():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        found = get_client().search_customers_many(
            ["jane@example.com", "+13055550100"], actor=Actor(name="x")
        )
    inserts = [q["sql"] for q in captured.captured_queries if "INSERT INTO" in q["sql"]]
    assert sum('"customers_auditentry"' in sql for sql in inserts) == 1
    rows = AuditEntry.objects.filter(operation="SearchCustomers").order_by("chain_seq")
    assert [row.search_term for row in rows] == ["jane@example.com", "+13055550100"]
    assert all(row.outcome == AuditEntry.Outcome.OK for row in rows)
    assert set(found) == {"jane@example.com", "+13055550100"}


@pytest.mark.django_db(transaction=True)
def test_searches_all_refused_for_card_numbers_write_no_empty_insert():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.revcent import RevCentRefused

    with CaptureQueriesContext(connection) as captured:
        found = get_client().search_customers_many(
            ["4111 1111 1111 1111", "5500-0000-0000-0004"], actor=Actor(name="x")
        )
    assert all(isinstance(result, RevCentRefused) for result in found.values())
    assert not [q for q in captured.captured_queries if "VALUES  RETURNING" in q["sql"]]
    refused = AuditEntry.objects.filter(outcome=AuditEntry.Outcome.REFUSED)
    assert refused.count() == 2  # each refusal is on the trail, with no card number in it
    assert not any("4111" in row.search_term for row in refused)
