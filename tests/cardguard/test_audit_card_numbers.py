"""Nothing card-shaped reaches the audit trail (customers/audit/writer.py): every string a
row keeps is scanned, whoever hands it over, and an incoming X-Request-ID is kept only as a
short plain token. Rows are never deleted, so a card number in one could never be purged."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.urls import reverse

from customers import audit
from customers.audit import Actor, OpenCall
from customers.creating.duplicates import DuplicateReport, duplicate_override_record
from customers.models import AuditEntry, CreateAttempt
from tests.cardguard.test_card_number_sweep import _holds

pytestmark = pytest.mark.django_db
PAN = "4111111111111111"
SPACED = "4111 1111 1111 1111"


def _row_text(entry: AuditEntry) -> str:
    """Every column of the stored row, as the database holds it."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [entry.pk])
        return str(cursor.fetchone())


def test_a_failed_sign_in_with_a_card_shaped_username_leaves_no_digits_in_the_trail():
    # As django.contrib.auth sends it, whoever called authenticate() (the login form, the
    # admin, a future API): the signal hands over the username as it was tried.
    user_login_failed.send(
        sender="django.contrib.auth", credentials={"username": SPACED, "password": "x"}
    )
    [entry] = AuditEntry.objects.filter(operation=AuditEntry.Operation.SIGN_IN_FAILED)
    assert entry.username == "[card number removed]"
    assert not _holds(_row_text(entry), PAN)


@pytest.mark.parametrize("field", ["username", "request_id", "message", "customer_id", "target"])
def test_every_string_of_an_agent_action_is_scanned(field):
    values = {"username": "", "request_id": "", "message": "", "customer_id": "", "target": ""}
    values[field] = f"x {SPACED} y" if field in ("username", "message") else PAN
    entry = audit.agent_action(
        action=AuditEntry.Operation.DUPLICATE_OVERRIDE,
        actor=Actor(name=values["username"], request_id=values["request_id"]),
        message=values["message"],
        customer_id=values["customer_id"],
        target_customer_id=values["target"],
    )
    assert not _holds(_row_text(entry), PAN)


def test_an_override_reason_with_a_card_number_is_kept_without_it(agent):
    duplicate_override_record(
        actor=Actor(user=agent),
        reason=f"Caller read out {SPACED} as her reference",
        report=DuplicateReport(failed=["ana@example.com"]),
        attempt=CreateAttempt(customer_id="CustAbcdefghijk01234", state="created"),
    )
    [entry] = AuditEntry.objects.filter(operation=AuditEntry.Operation.DUPLICATE_OVERRIDE)
    assert "Caller read out [card number removed] as her reference" in entry.message
    assert not _holds(_row_text(entry), PAN)


@pytest.mark.parametrize(
    "field", ["path", "search_term", "target_customer_id", "username", "request_id"]
)
def test_every_string_of_an_api_call_row_is_scanned(field):
    row: dict[str, object] = {
        "operation": AuditEntry.Operation.SEARCH_CUSTOMERS,
        "http_method": "GET",
        "path": "/customers/search",
        "sandbox": True,
        "search_term": "",
        "target_customer_id": "",
    }
    actor = {"name": "", "request_id": ""}
    if field in actor:
        actor[field] = PAN
    else:
        row[field] = f"{row.get(field) or ''}?q={SPACED}"
    # `row` holds OpenCall's fields, one of them (any: `field`) given a card number.
    [entry] = audit.api_calls_started(
        [
            cast(
                OpenCall,
                {**row, "actor": Actor(name=actor["name"], request_id=actor["request_id"])},
            )
        ]
    )
    assert not _holds(_row_text(entry), PAN)


@pytest.mark.parametrize("field", ["message", "error_code", "api_call_id", "customer_id"])
def test_every_string_of_an_api_call_result_is_scanned(field):
    entry = audit.api_call_started(
        operation=AuditEntry.Operation.GET_CUSTOMER,
        http_method="GET",
        path="/customers/x",
        actor=Actor(name="t"),
        sandbox=True,
    )
    audit.api_call_completed(entry, outcome="ok", duration_ms=3, **{field: PAN})
    entry.refresh_from_db()
    assert entry.completed_at is not None
    assert not _holds(_row_text(entry), PAN)


# --- X-Request-ID -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "incoming",
    [
        "4111____1111____1111____1111",
        "abc_4111_1111_1111_1111",
        "req_8Hx.2abc",
        "trace.id.abc1",
        "abcdefgh\n",
        "abc1234",  # too short
        "a" * 65,  # too long
        "12345678-1234",  # no letter
    ],
)
def test_a_request_id_that_is_not_a_short_plain_token_is_replaced_and_never_echoed(
    agent_client, incoming
):
    response = agent_client.get(reverse("home"), headers={"X-Request-ID": incoming})
    echoed = response["X-Request-ID"]
    assert echoed != incoming and len(echoed) == 32
    assert incoming not in response.content.decode()


def test_a_replaced_request_id_is_not_what_the_trail_keeps(client, agent):
    client.post(
        reverse("login"),
        {"username": "alice", "password": "wrong"},
        headers={"X-Request-ID": "4111____1111____1111____1111"},
    )
    [entry] = AuditEntry.objects.filter(operation=AuditEntry.Operation.SIGN_IN_FAILED)
    assert len(entry.request_id) == 32 and "_" not in entry.request_id
    assert not _holds(_row_text(entry), PAN)


@pytest.mark.parametrize(
    "incoming",
    ["9f1c2e4a7b3d4c1e", "Root-1-67891233-abcdef01", "3f2504e0-4f89-41d3-9a0c-0305e82c3301"],
)
def test_a_plain_token_request_id_is_kept_echoed_and_recorded(client, agent, incoming):
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "wrong"},
        headers={"X-Request-ID": incoming},
    )
    assert response["X-Request-ID"] == incoming
    [entry] = AuditEntry.objects.filter(operation=AuditEntry.Operation.SIGN_IN_FAILED)
    assert entry.request_id == incoming
