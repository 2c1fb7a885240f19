"""Every RevCent operation through `get_client()` against the built-in sandbox.

Each call must leave exactly one audit row, flagged sandbox, holding the api_call_id the
sandbox answered with.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from customers import revcent
from customers.audit import Actor
from customers.models import AuditEntry
from customers.revcent import (
    RevCentApiError,
    RevCentInvalidResponse,
    RevCentOutcomeUnknown,
    RevCentUnavailable,
    get_client,
)
from customers.sandbox import seed
from customers.sandbox.seed import ensure_seeded
from customers.sandbox.transport import SandboxTransport
from tests import seeded
from tests.seeded import JANE, JOHN, RETIRED, VIP, WHOLESALE

pytestmark = pytest.mark.django_db

ACTOR = Actor(name="test")
UNKNOWN_ID = "NoSuchCustomer000000"


class RecordingSandbox(SandboxTransport):
    """The sandbox, noting the api_call_id of every answer ("" when there was none)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.call_ids: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = super().handle_request(request)
        except httpx.HTTPError:
            self.call_ids.append("")
            raise
        try:
            body = json.loads(response.content)
        except ValueError:
            body = {}
        self.call_ids.append(str(body.get("api_call_id", "")) if isinstance(body, dict) else "")
        return response


class Sandbox:
    def __init__(self) -> None:
        self.transport = RecordingSandbox()
        self.client = get_client(transport=self.transport)
        self.rows_seen = AuditEntry.objects.count()
        self.calls_seen = 0

    def entry(self, outcome: str) -> AuditEntry:
        """The one audit row the last call left, checked against what the sandbox said."""
        rows = list(AuditEntry.objects.order_by("id"))[self.rows_seen :]
        calls = self.transport.call_ids[self.calls_seen :]
        self.rows_seen += len(rows)
        self.calls_seen += len(calls)
        assert len(rows) == 1
        assert len(calls) == 1
        row = rows[0]
        assert row.sandbox is True
        assert row.username == "test"
        assert row.outcome == outcome
        assert row.completed_at is not None
        assert row.duration_ms is not None
        assert row.api_call_id == calls[0]
        return row


@pytest.fixture(autouse=True)
def _no_latency(settings):
    settings.REVCENT_SANDBOX_LATENCY_MS = 0


@pytest.fixture
def sandbox() -> Sandbox:
    ensure_seeded()
    return Sandbox()


def new_customer(**customer: str) -> dict[str, str]:
    return {
        "first_name": "Test",
        "last_name": "Person",
        "email": "test.person@example.com",
        "phone": "+1 202 555 0101",
        "country": "USA",
        **customer,
    }


def create_payload(**extra: object) -> dict[str, object]:
    return {"campaign": "Default Campaign", "customer": new_customer(), **extra}


def test_it_runs_in_sandbox_mode_in_tests():
    client = get_client()

    assert client.sandbox is True


# --- SearchCustomers -----------------------------------------------------------------------
def test_it_finds_jane_by_email_in_other_letter_case(sandbox):
    result = sandbox.client.search_customers("JANE@Example.COM", actor=ACTOR)

    assert [hit.id for hit in result.hits] == [JANE]
    assert result.hits[0].contact.name == "Jane Doe"
    assert result.hits[0].contact.email == "jane@example.com"
    assert result.hits[0].created is not None
    assert revcent.REVCENT_ID.match(result.api_call_id)
    row = sandbox.entry("ok")
    assert row.operation == "SearchCustomers"
    assert row.search_term == "JANE@Example.COM"
    assert row.api_call_id == result.api_call_id
    assert row.http_status == 200
    assert row.revcent_code == 1


def test_it_finds_jane_by_phone_digits(sandbox):
    result = sandbox.client.search_customers("(555) 555-5555", actor=ACTOR)

    assert [hit.id for hit in result.hits] == [JANE]
    assert result.hits[0].contact.phone == "555-555-5555"
    assert sandbox.entry("ok").api_call_id == result.api_call_id


def test_it_finds_john_by_internal_id(sandbox):
    result = sandbox.client.search_customers("CRM-1001", actor=ACTOR)

    assert [hit.id for hit in result.hits] == [JOHN]
    assert result.hits[0].internal_id == "CRM-1001"
    assert result.hits[0].contact.name == "John Smith"
    sandbox.entry("ok")


def test_it_returns_no_hits_for_a_stranger(sandbox):
    result = sandbox.client.search_customers("nobody-at-all@example.net", actor=ACTOR)

    assert result.hits == []
    assert result.capped is False
    sandbox.entry("ok")


def test_it_returns_at_most_ten_hits(sandbox):
    for number in range(12):
        sandbox.client.create_customer(
            create_payload(
                customer=new_customer(last_name="Quagmire", email=f"q{number}@example.com")
            ),
            actor=ACTOR,
        )
        sandbox.entry("ok")

    result = sandbox.client.search_customers("quagmire", actor=ACTOR)

    assert len(result.hits) == 10
    assert result.capped is True
    assert all(hit.contact.last_name == "Quagmire" for hit in result.hits)
    sandbox.entry("ok")


# --- CreateCustomer and GetCustomer --------------------------------------------------------
def test_it_creates_a_customer_and_gets_it_back(sandbox):
    bill_to = new_customer(
        first_name="Acme", last_name="Billing", email="bills@acme.example", company="Acme"
    )
    payload = create_payload(
        bill_to=bill_to,
        internal_customer_id="CRM-5000",
        metadata=[{"name": "source", "value": "phone call"}, {"name": "agent", "value": "al"}],
    )

    created = sandbox.client.create_customer(payload, actor=ACTOR)

    assert revcent.REVCENT_ID.match(created.customer_id)
    assert revcent.REVCENT_ID.match(created.api_call_id)
    assert created.api_call_unix is not None
    assert created.result
    row = sandbox.entry("ok")
    assert row.operation == "CreateCustomer"
    assert row.api_call_id == created.api_call_id
    assert row.customer_id == created.customer_id
    assert row.search_term == "test.person@example.com"

    detail = sandbox.client.get_customer(created.customer_id, actor=ACTOR)

    assert detail.id == created.customer_id
    assert detail.contact == revcent.Contact.parse(payload["customer"])
    assert detail.bill_to == revcent.Contact.parse(bill_to)
    assert detail.internal_id == "CRM-5000"
    assert detail.metadata == [("source", "phone call"), ("agent", "al")]
    assert detail.enabled is True
    assert detail.customer_groups == []
    assert detail.cards == []
    assert detail.created is not None
    row = sandbox.entry("ok")
    assert row.operation == "GetCustomer"
    assert row.api_call_id == detail.api_call_id
    assert row.target_customer_id == created.customer_id


def test_it_finds_a_created_customer_by_search(sandbox):
    created = sandbox.client.create_customer(create_payload(), actor=ACTOR)
    sandbox.entry("ok")

    result = sandbox.client.search_customers("test.person@example.com", actor=ACTOR)

    assert [hit.id for hit in result.hits] == [created.customer_id]
    sandbox.entry("ok")


def test_it_gets_a_seeded_customer(sandbox):
    detail = sandbox.client.get_customer(JANE, actor=ACTOR)

    assert detail.contact.name == "Jane Doe"
    assert detail.contact.country == "USA"
    assert detail.bill_to is None
    assert detail.metadata == [("source", "sandbox seed")]
    sandbox.entry("ok")


def test_it_answers_404_for_an_unknown_customer(sandbox):
    with pytest.raises(RevCentApiError) as caught:
        sandbox.client.get_customer(UNKNOWN_ID, actor=ACTOR)

    assert caught.value.http_status == 404
    assert caught.value.code == 0
    assert "not found" in caught.value.message.lower()
    row = sandbox.entry("api_error")
    assert row.http_status == 404
    assert row.api_call_id == caught.value.api_call_id
    assert revcent.REVCENT_ID.match(row.api_call_id)


# --- Customer groups -----------------------------------------------------------------------
def test_it_lists_the_customer_groups_with_their_enabled_flag(sandbox):
    groups = sandbox.client.get_customer_groups(actor=ACTOR)

    enabled = {group.id: group.enabled for group in groups}
    assert enabled[VIP] is True
    assert enabled[WHOLESALE] is True
    assert enabled[RETIRED] is False
    assert len(groups) == 5
    assert all(group.name for group in groups)
    row = sandbox.entry("ok")
    assert row.operation == "GetCustomerGroups"
    assert revcent.REVCENT_ID.match(row.api_call_id)


def test_it_adds_a_customer_to_groups(sandbox):
    created = sandbox.client.create_customer(create_payload(), actor=ACTOR)
    sandbox.entry("ok")

    call_id = sandbox.client.add_customer_to_groups(
        created.customer_id, [VIP, WHOLESALE], actor=ACTOR
    )

    row = sandbox.entry("ok")
    assert row.operation == "AddCustomerToGroup"
    assert row.api_call_id == call_id
    assert row.target_customer_id == created.customer_id
    detail = sandbox.client.get_customer(created.customer_id, actor=ACTOR)
    assert {group.id for group in detail.customer_groups} == {VIP, WHOLESALE}
    assert {group.name for group in detail.customer_groups} == {"VIP", "Wholesale"}
    sandbox.entry("ok")


def test_it_refuses_to_add_a_customer_to_a_disabled_group(sandbox):
    with pytest.raises(RevCentApiError) as caught:
        sandbox.client.add_customer_to_groups(JANE, [RETIRED], actor=ACTOR)

    assert caught.value.http_status == 400
    assert "disabled" in caught.value.message
    sandbox.entry("api_error")


# --- Validation errors, as RevCent would answer them ---------------------------------------
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda p: p["customer"].pop("email"),
            "customer.email is required",
        ),
        (
            lambda p: p["customer"].update(country="US"),
            "alpha-3",
        ),
        (
            lambda p: p.update(metadata=[{"name": "n" * 101, "value": "v"}]),
            "metadata name must be 1 to 100 characters",
        ),
        (
            lambda p: p.update(metadata=[{"name": "note", "value": "v" * 256}]),
            "metadata value must be 1 to 255 characters",
        ),
        (
            lambda p: p.update(campaign="No Such Campaign"),
            "Campaign 'No Such Campaign' does not exist",
        ),
    ],
    ids=["no-email", "alpha-2-country", "long-metadata-name", "long-metadata-value", "campaign"],
)
def test_it_answers_bad_create_input_with_a_400_and_a_message(sandbox, change, expected):
    payload = create_payload()
    change(payload)

    with pytest.raises(RevCentApiError) as caught:
        sandbox.client.create_customer(payload, actor=ACTOR)

    assert caught.value.http_status == 400
    assert caught.value.code == 0
    assert expected in caught.value.message
    row = sandbox.entry("api_error")
    assert row.http_status == 400
    assert row.revcent_code == 0
    assert expected in row.message
    assert revcent.REVCENT_ID.match(row.api_call_id)
    assert row.customer_id == ""


def test_it_accepts_metadata_at_the_length_limits(sandbox):
    payload = create_payload(metadata=[{"name": "n" * 100, "value": "v" * 255}])

    created = sandbox.client.create_customer(payload, actor=ACTOR)

    assert revcent.REVCENT_ID.match(created.customer_id)
    sandbox.entry("ok")


def test_it_answers_an_unknown_top_level_key_with_a_400():
    with httpx.Client(transport=SandboxTransport(), base_url=revcent.SANDBOX_BASE_URL) as http:
        response = http.post("/customers", json=create_payload(notes="call back"))

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == 0
    assert "notes is not an allowed field" in body["message"]
    assert revcent.REVCENT_ID.match(body["api_call_id"])


def test_it_answers_a_payment_key_with_a_400():
    with httpx.Client(transport=SandboxTransport(), base_url=revcent.SANDBOX_BASE_URL) as http:
        response = http.post("/customers", json=create_payload(payment={"card": {}}))

    assert response.status_code == 400
    assert "payment" in response.json()["message"]


# --- Fault triggers ------------------------------------------------------------------------
def test_it_times_out_a_search_for_sandbox_timeout(sandbox):
    with pytest.raises(RevCentUnavailable) as caught:
        sandbox.client.search_customers("sandbox-timeout", actor=ACTOR)

    assert type(caught.value) is RevCentUnavailable
    assert "did not answer in time" in caught.value.message
    row = sandbox.entry("timeout")
    assert row.api_call_id == ""
    assert row.http_status is None


def test_it_loses_the_answer_to_a_create_that_happened(sandbox):
    email = "sandbox-timeout-after-create@example.com"

    with pytest.raises(RevCentOutcomeUnknown) as caught:
        sandbox.client.create_customer(
            create_payload(customer=new_customer(email=email)), actor=ACTOR
        )

    assert "cannot tell whether the customer was created" in caught.value.message
    row = sandbox.entry("timeout")
    assert row.api_call_id == ""
    assert row.customer_id == ""

    result = sandbox.client.search_customers(email, actor=ACTOR)

    assert len(result.hits) == 1
    assert result.hits[0].contact.email == email
    sandbox.entry("ok")


def test_it_fails_a_create_for_sandbox_network_error_as_outcome_unknown(sandbox):
    with pytest.raises(RevCentOutcomeUnknown):
        sandbox.client.create_customer(
            create_payload(customer=new_customer(email="sandbox-network-error@example.com")),
            actor=ACTOR,
        )

    row = sandbox.entry("network_error")
    assert row.api_call_id == ""


def test_it_answers_sandbox_server_error_with_a_500(sandbox):
    with pytest.raises(RevCentApiError) as caught:
        sandbox.client.search_customers("sandbox-server-error", actor=ACTOR)

    assert caught.value.http_status == 500
    assert "simulated internal error" in caught.value.message
    row = sandbox.entry("api_error")
    assert row.http_status == 500
    assert row.api_call_id == caught.value.api_call_id
    assert revcent.REVCENT_ID.match(row.api_call_id)


def test_it_answers_sandbox_html_error_with_an_invalid_response(sandbox):
    with pytest.raises(RevCentInvalidResponse) as caught:
        sandbox.client.search_customers("sandbox-html-error", actor=ACTOR)

    assert "HTTP 502" in caught.value.message
    row = sandbox.entry("invalid_response")
    assert row.http_status == 502
    assert row.api_call_id == ""


def test_it_fails_to_get_a_customer_whose_email_says_sandbox_get_fails(sandbox):
    created = sandbox.client.create_customer(
        create_payload(customer=new_customer(email="sandbox-get-fails@example.com")),
        actor=ACTOR,
    )
    sandbox.entry("ok")

    with pytest.raises(RevCentApiError) as caught:
        sandbox.client.get_customer(created.customer_id, actor=ACTOR)

    assert caught.value.http_status == 500
    sandbox.entry("api_error")


def test_it_adds_the_configured_latency():
    ensure_seeded()
    client = get_client(transport=SandboxTransport(latency_ms=200))

    started = time.monotonic()
    client.get_customer_groups(actor=ACTOR)
    elapsed = time.monotonic() - started

    assert elapsed >= 0.2
    entry = AuditEntry.objects.get()
    assert entry.duration_ms is not None and entry.duration_ms >= 200
    assert entry.sandbox is True


def test_the_ids_tests_name_are_the_seeded_ones():
    customers = {row[0]: row[1:3] for row in seed.CUSTOMERS}
    assert customers[seeded.JANE] == customers[seeded.JANE_TWO] == ("Jane", "Doe")
    assert customers[seeded.JOHN] == ("John", "Smith")
    assert seed.CAMPAIGNS[0][0] == seeded.DEFAULT_CAMPAIGN
    groups = {row[0]: row[1:] for row in seed.GROUPS}
    assert groups[seeded.VIP][0] == "VIP" and groups[seeded.WHOLESALE][0] == "Wholesale"
    assert groups[seeded.RETIRED][-1] is False  # disabled
