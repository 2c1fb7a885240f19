"""The client's last check: a request holding a card number, in its body, its query or its
URL, is never sent, and the audit trail records it as refused, without the digits."""

from __future__ import annotations

import pytest

from customers.models import AuditEntry
from customers.revcent import RevCentRefused
from tests.cardguard.test_card_number_sweep import _holds
from tests.revcent.test_client_failures import ACTOR, Server, ok, payload

pytestmark = pytest.mark.django_db
# Shapes an earlier check let through; each holds 4111 1111 1111 1111.
SHAPES = ["4111.1111.1111.1111", "4111\u00a01111\u20131111\u22121111", "+4111111111111111"]
PAN = "4111111111111111"


def _refused_row() -> AuditEntry:
    [row] = AuditEntry.objects.all()
    assert row.outcome == AuditEntry.Outcome.REFUSED
    assert row.completed_at is not None
    assert "card number" in row.message
    for field in AuditEntry._meta.concrete_fields:
        assert not _holds(str(getattr(row, field.attname) or ""), PAN), field.name
    return row


@pytest.mark.parametrize("shape", SHAPES)
def test_a_create_with_a_card_number_in_its_body_is_not_sent(shape):
    server = Server(ok(customer_id="CustAbcdefghijk01234"))
    body = payload(metadata=[{"name": "note", "value": f"card {shape} exp 12/30"}])

    with pytest.raises(RevCentRefused) as caught:
        server.client().create_customer(body, actor=ACTOR)

    assert "refused to send a card number" in caught.value.message
    assert server.requests == []
    row = _refused_row()
    assert row.operation == "CreateCustomer"
    assert caught.value.audit_entry == row


@pytest.mark.parametrize("shape", SHAPES)
def test_a_search_for_a_card_number_is_not_sent(shape):
    server = Server(ok(results=[]))

    with pytest.raises(RevCentRefused):
        server.client().search_customers(shape, actor=ACTOR)

    assert server.requests == []
    assert _refused_row().search_term.endswith("[card number removed]")


@pytest.mark.parametrize("customer_id", ["41111111111111111230", "ABCD4111111111111111"])
def test_a_url_with_a_card_number_in_its_path_is_not_sent(customer_id):
    server = Server(ok())

    with pytest.raises(RevCentRefused):
        server.client().get_customer(customer_id, actor=ACTOR)

    assert server.requests == []
    row = _refused_row()
    assert row.operation == "GetCustomer"
    assert "[card number removed]" in row.path


def test_a_request_without_a_card_number_is_sent_as_before():
    server = Server(ok(results=[]))
    server.client().search_customers("ERP0000000000000042A", actor=ACTOR)
    assert len(server.requests) == 1
    assert AuditEntry.objects.get().outcome == AuditEntry.Outcome.OK
