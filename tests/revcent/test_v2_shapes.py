"""The shapes RevCent documents in its operation schemas, as the client reads them and the
sandbox serves them: GetCustomer at the top level with `notes`, errors with `error_code`,
search hits with `score`/`highlights` and no `email`, CreateNote and GetAPICalls."""

from __future__ import annotations

import httpx
import pytest

from customers.audit import Actor
from customers.models import AuditEntry
from customers.revcent import (
    SANDBOX_BASE_URL,
    Difference,
    RevCentApiError,
    RevCentClient,
    contract,
    contract_differences,
    contract_mismatches,
    error_mismatches,
    get_client,
)
from customers.revcent.exchange import Answer, Request, classify
from customers.revcent.types import parse_api_calls, parse_customer, parse_search
from customers.sandbox.seed import ensure_seeded
from customers.sandbox.transport import SandboxTransport
from tests.seeded import JANE

ACTOR = Actor(name="test")
CALL_ID = "CallIdAbcdefghij0123"
ENVELOPE = {"api_call_id": CALL_ID, "api_call_unix": 1_800_000_000, "code": 1}
ERROR = {
    "api_call_id": CALL_ID,
    "api_call_unix": 1_800_000_000,
    "code": 0,
    "error_code": "x",
    "message": "y",
    "result": "Error",
}


def client_for(handler) -> RevCentClient:
    return RevCentClient(
        api_key="k",
        base_url="http://127.0.0.1:9999/v2",
        sandbox=False,
        deadline_seconds=5,
        transport=httpx.MockTransport(handler),
    )


# --- Pure reading: no database, no network -------------------------------------------------------
def test_classify_reads_the_documented_error_body_without_a_database():
    from customers.revcent import contract

    request = Request(contract.CREATE_CUSTOMER, "/customers", ACTOR, json_body={})
    body = {**ERROR, "error_code": "invalid_field_value"}
    verdict = classify(request, Answer(status=400, body=body), None)

    assert verdict.outcome == AuditEntry.Outcome.API_ERROR
    assert verdict.error_code == "invalid_field_value"
    assert verdict.message == "y"
    assert isinstance(verdict.error, RevCentApiError)
    assert verdict.error.error_code == "invalid_field_value"
    assert verdict.error.revcent_message == "y"
    assert "invalid_field_value" not in verdict.error.message  # the code is not shown


def test_classify_treats_code_0_with_http_200_as_an_error():
    from customers.revcent import contract

    request = Request(contract.GET_CUSTOMER, "/customers/x", ACTOR)
    verdict = classify(request, Answer(status=200, body=ERROR), None)
    assert verdict.outcome == AuditEntry.Outcome.API_ERROR
    assert verdict.error_code == "x"


def test_get_customer_is_read_at_the_top_level_with_notes():
    body = {
        **ENVELOPE,
        "id": JANE,
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.com",
        "notes": [{"id": "NoteAbcdefghij012345", "text": "Created in Support Desk by maria"}],
        "customer_groups": [{"id": "GroupAbcdefghij01234", "name": "VIP"}],
    }
    detail = parse_customer(JANE, body, CALL_ID)

    assert detail.layout == "top level"
    assert detail.contact.email == "jane@example.com"
    assert [n.text for n in detail.notes] == ["Created in Support Desk by maria"]
    # An alternative name for the ASSUMED group array is accepted, and reported.
    assert [g.name for g in detail.customer_groups] == ["VIP"]
    assert detail.customer_groups_key == "customer_groups"
    assert detail.cards_key == ""
    assert contract_mismatches("GetCustomer", body) == []


def test_get_customer_nested_under_customer_is_still_read_and_reported():
    nested = {"id": JANE, "first_name": "Jane", "last_name": "Doe", "email": "j@example.com"}
    detail = parse_customer(JANE, {**ENVELOPE, "customer": nested}, CALL_ID)
    assert detail.layout == "nested under 'customer'"
    assert detail.contact.email == "j@example.com"
    assert contract_mismatches("GetCustomer", {**ENVELOPE, "customer": nested}) == []


def test_search_hits_need_no_email_and_keep_score_and_highlights():
    body = {
        **ENVELOPE,
        "results": [
            {"id": JANE, "first_name": "Jane", "score": 7.5, "highlights": ["<em>Jane</em>"]},
            {"first_name": "No ID"},  # unusable: skipped
        ],
    }
    result = parse_search("Jane", body, CALL_ID)
    assert [hit.id for hit in result.hits] == [JANE]
    assert result.hits[0].contact.email == ""
    assert result.hits[0].score == 7.5
    assert result.hits[0].highlights == ("<em>Jane</em>",)
    # A hit's `id` is ASSUMED (the search's shape is not documented): an assumption differs.
    assert contract_differences("SearchCustomers", body) == [
        Difference("expected 'id', found none in 1 of 2 items", confirmed=False, item=True)
    ]


@pytest.mark.parametrize(
    "item",
    [
        {
            "id": "CallIdKlmnopqrst4567",
            "api_call_unix": 1_800_000_000,
            "request_method": "POST",
            "endpoint": "/v2/customers",
            "code": 1,
            "response": {"customer_id": JANE},
        },
        {
            "id": "CallIdKlmnopqrst4567",
            "created_date_unix": 1_800_000_000,
            "request_method": "POST",
            "request_endpoint": "/v2/customers",
            "code": 1,
            "item_id": JANE,
        },
    ],
)
def test_api_call_items_are_read_under_any_of_the_assumed_names(item):
    [record] = parse_api_calls({**ENVELOPE, "results": [item]})
    assert record.api_call_id == "CallIdKlmnopqrst4567"
    assert record.api_call_unix == 1_800_000_000
    assert record.is_create_customer()
    assert (record.code, record.customer_id) == (1, JANE)
    # Every name read is in the one ASSUMED list: a reading of another name is a new entry.
    accepted = {name for names in contract.API_CALL_ITEM_KEYS.values() for name in names}
    assert set(item) - {"response"} <= accepted


def test_an_api_call_item_that_names_a_path_but_no_method_could_be_a_create():
    """GET /v2/customers lists customers, POST creates one: the path alone says neither."""
    from customers.creating.api_call_log import log_gaps

    base = {"api_call_id": CALL_ID, "api_call_unix": 1_800_000_000, "code": 1}
    unsure = parse_api_calls({**ENVELOPE, "results": [{**base, "path": "/v2/customers"}]})
    assert log_gaps(unsure) == ["its API-call log's entries do not say which operation they were"]
    plain = {**base, "method": "GET", "path": "/v2/customers/search"}
    assert log_gaps(parse_api_calls({**ENVELOPE, "results": [plain]})) == []


# --- Through the client: the audit row keeps error_code -----------------------------------------
@pytest.mark.django_db
def test_a_refusal_keeps_error_code_on_the_exception_and_in_the_audit_row():
    client = client_for(lambda request: httpx.Response(400, json=ERROR))
    with pytest.raises(RevCentApiError) as caught:
        client.create_customer(
            {"campaign": "c", "customer": {"email": "a@example.com"}}, actor=ACTOR
        )
    assert caught.value.error_code == "x"
    assert caught.value.message == (
        "RevCent did not accept the request: “y”. The customer was not created. "
        "Correct what it names and try again; if it is not on the form, tell an admin."
    )
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.error_code, entry.message) == ("api_error", "x", "y")


# --- The sandbox serves the documented shapes ---------------------------------------------------
@pytest.fixture
def raw_sandbox(db):
    ensure_seeded()
    with httpx.Client(transport=SandboxTransport(), base_url=SANDBOX_BASE_URL) as http:
        yield http


def test_the_sandbox_serves_get_customer_at_the_top_level(raw_sandbox):
    body = raw_sandbox.get(f"/customers/{JANE}").json()
    assert "customer" not in body
    assert body["email"] == "jane@example.com"
    assert body["notes"] == []
    assert contract_mismatches("GetCustomer", body) == []


def test_the_sandbox_answers_errors_with_the_documented_body(raw_sandbox):
    response = raw_sandbox.get("/customers/RevcentCheckMissing1")
    assert response.status_code == 404
    assert error_mismatches(response.json()) == []
    assert response.json()["error_code"] == "not_found"
    bad = raw_sandbox.post("/customers", json={"campaign": "Default Campaign"})
    assert bad.json()["error_code"] == "invalid_request"
    assert bad.json()["message"] == "customer is required."


@pytest.mark.django_db
def test_a_note_is_created_audited_and_read_back():
    ensure_seeded()
    client = get_client()
    note = client.create_note(JANE, "Created in Support Desk by maria.r", actor=ACTOR)
    detail = client.get_customer(JANE, actor=ACTOR)

    assert [(n.id, n.text) for n in detail.notes] == [
        (note.id, "Created in Support Desk by maria.r")
    ]
    entry = AuditEntry.objects.get(operation="CreateNote")
    assert entry.outcome == "ok"
    assert entry.customer_id == JANE
    assert entry.api_call_id == note.api_call_id


@pytest.mark.django_db
def test_get_api_calls_lists_the_calls_the_sandbox_served():
    ensure_seeded()
    client = get_client()
    created = client.create_customer(
        {
            "campaign": "Default Campaign",
            "customer": {"first_name": "A", "last_name": "B", "email": "ab@example.com"},
        },
        actor=ACTOR,
    )
    assert created.api_call_unix is not None
    calls = client.get_api_calls(
        date_start=created.api_call_unix - 60, date_end=created.api_call_unix + 60, actor=ACTOR
    )
    [logged] = [c for c in calls if c.api_call_id == created.api_call_id]
    assert logged.is_create_customer()
    assert logged.customer_id == created.customer_id
    assert AuditEntry.objects.filter(operation="GetAPICalls", outcome="ok").count() == 1


def test_the_request_body_types_name_the_contract_s_fields():
    # A TypedDict cannot be built from the one contact field list and still be checked, so
    # this ties the two: a contact field added to customers/contact.py must be added here.
    assert tuple(contract.ContactBody.__annotations__) == contract.CUSTOMER_KEYS
    assert set(contract.MetadataPair.__annotations__) == {"name", "value"}
    assert {
        "campaign",
        "customer",
        "bill_to",
        "internal_customer_id",
        "metadata",
    } == contract.CREATE_KEYS
