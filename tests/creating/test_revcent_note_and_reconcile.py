"""What RevCent is told and asked around a create: the note naming the agent, RevCent's
own error codes, and settling an unanswered create from RevCent's API-call log."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse

from customers.models import CreateAttempt
from customers.revcent import RevCentClient, RevCentError, RevCentOutcomeUnknown
from customers.sandbox.models import SandboxNote
from tests.audit_helpers import Operation, assert_audited
from tests.helpers import CUSTOMER, create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")


def create(agent_client, campaign, **kwargs):
    response = agent_client.post(URL, create_post(campaign, **kwargs))
    assert response.status_code == 302, response.content.decode()[:2000]
    return CreateAttempt.objects.get(), response


def test_every_created_customer_gets_one_note_naming_the_agent(agent_client, campaign):
    attempt, response = create(agent_client, campaign)

    [note] = SandboxNote.objects.filter(customer_id=attempt.customer_id)
    assert note.text == "Created in Support Desk by alice"
    assert attempt.note_id == note.id
    [row] = assert_audited(Operation.CREATE_NOTE)
    assert (row.outcome, row.customer_id, row.username) == ("ok", attempt.customer_id, "alice")
    html = agent_client.get(response["Location"]).content.decode()
    assert "Added: “Created in Support Desk by alice”" in html
    # Reading the page again adds no note.
    agent_client.get(response["Location"])
    assert SandboxNote.objects.count() == 1


def test_an_override_reason_is_in_the_note(agent_client, campaign):
    jane = {**CUSTOMER, "email": "jane@example.com"}
    reason = "Caller is Jane's daughter, same shared inbox. " * 4
    attempt, _ = create(
        agent_client,
        campaign,
        customer=jane,
        create_anyway="on",
        override_reason=reason,
    )
    note = SandboxNote.objects.get(customer_id=attempt.customer_id)
    assert note.text.startswith(
        "Created in Support Desk by alice (duplicate override: Caller is Jane's daughter"
    )
    assert note.text.endswith("…)")
    assert len(note.text) <= 255


def test_a_failed_note_never_fails_the_create_and_can_be_added_later(
    agent_client, campaign, monkeypatch
):
    real = RevCentClient.create_note

    def down(self, customer_id, text, *, actor):
        raise RevCentError("RevCent could not be reached.")

    monkeypatch.setattr(RevCentClient, "create_note", down)
    attempt, response = create(agent_client, campaign)
    assert attempt.state == CreateAttempt.State.CREATED
    assert attempt.note_id == ""
    html = agent_client.get(response["Location"]).content.decode()
    assert "Missing." in html
    assert "Add the missing note" in html

    monkeypatch.setattr(RevCentClient, "create_note", real)
    note_url = reverse("attempt-note", args=[attempt.submission_key])
    agent_client.post(note_url)
    agent_client.post(note_url)  # a second press adds nothing
    assert SandboxNote.objects.filter(customer_id=attempt.customer_id).count() == 1
    assert (
        "Added: “Created in Support Desk by alice”"
        in agent_client.get(response["Location"]).content.decode()
    )
    assert_audited(Operation.CREATE_CUSTOMER)


def test_a_note_without_an_answer_is_found_on_the_customer_not_made_twice(
    agent_client, campaign, monkeypatch
):
    real = RevCentClient.create_note

    def lost_answer(self, customer_id, text, *, actor):
        real(self, customer_id, text, actor=actor)  # RevCent made it...
        raise RevCentOutcomeUnknown("RevCent did not answer in time.")  # ...we never heard

    monkeypatch.setattr(RevCentClient, "create_note", lost_answer)
    attempt, response = create(agent_client, campaign)
    assert attempt.note_id == ""
    monkeypatch.setattr(RevCentClient, "create_note", real)

    html = agent_client.get(response["Location"]).content.decode()
    assert "Added: “Created in Support Desk by alice”" in html
    assert SandboxNote.objects.count() == 1
    assert CreateAttempt.objects.get().note_id == SandboxNote.objects.get().id


def test_revcent_error_message_lands_beside_its_field_and_error_code_in_the_audit_row(
    agent_client, campaign, auditor, client, monkeypatch
):
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {
            "api_call_id": "CallIdAbcdefghij0123",
            "api_call_unix": 1_800_000_000,
            "code": 0,
            "error_code": "x",
            "message": "customer.zip is not a ZIP code RevCent knows",
            "result": "Error",
        }
        return httpx.Response(400, json=body)

    from customers.sandbox.transport import SandboxTransport

    def handle(self, request):
        if request.method == "POST":
            return refuse(request)
        return original(self, request)

    original = SandboxTransport.handle_request
    monkeypatch.setattr(SandboxTransport, "handle_request", handle)
    html = agent_client.post(URL, create_post(campaign)).content.decode()

    assert 'id="id_customer-zip_error">' in html
    assert "customer.zip is not a ZIP code RevCent knows" in html
    [row] = assert_audited(Operation.CREATE_CUSTOMER)
    assert (row.outcome, row.error_code) == ("api_error", "x")

    from tests.conftest import login_verified

    login_verified(client, auditor)
    admin = reverse("admin:customers_auditentry_changelist")
    listing = client.get(admin, {"error_code": "x"}).content.decode()
    assert "CallIdAbcdefghij0123" in listing
    assert "By RevCent error code" in client.get(admin).content.decode()
    assert "CallIdAbcdefghij0123" not in client.get(admin, {"error_code": "y"}).content.decode()
    csv = b"".join(client.get(reverse("admin:customers_auditentry_export")).streaming_content)
    header, *rows = csv.decode().splitlines()
    assert "error_code" in header.split(",")
    assert any(",x," in line for line in rows)


def test_when_the_api_call_log_cannot_help_the_email_search_settles_it(
    agent_client, campaign, monkeypatch
):
    def log_down(self, **kwargs):
        raise RevCentError("RevCent could not be reached.")

    monkeypatch.setattr(RevCentClient, "get_api_calls", log_down)
    email = "sandbox-timeout-after-create@example.com"
    attempt, _ = create(agent_client, campaign, customer={**CUSTOMER, "email": email})

    assert attempt.state == CreateAttempt.State.CREATED
    assert attempt.settled_by == CreateAttempt.SettledBy.EMAIL_SEARCH
    assert "a search for the e-mail found the customer" in attempt.message
    assert_audited(Operation.CREATE_CUSTOMER)
    assert SandboxNote.objects.filter(customer_id=attempt.customer_id).count() == 1


def test_the_api_call_log_picks_this_attempts_customer_among_others(
    agent_client, campaign, client, make_user
):
    # Another agent's create lands in the same window of RevCent's log.
    from customers.audit import Actor
    from customers.revcent import get_client

    get_client().create_customer(
        {
            "campaign": "Default Campaign",
            "customer": {"first_name": "O", "last_name": "T", "email": "other@example.com"},
        },
        actor=Actor(name="someone else"),
    )
    email = "sandbox-timeout-after-create@example.com"
    attempt, _ = create(agent_client, campaign, customer={**CUSTOMER, "email": email})

    assert attempt.settled_by == CreateAttempt.SettledBy.API_CALL_LOG
    detail = get_client().get_customer(attempt.customer_id, actor=Actor(name="t"))
    assert detail.contact.email == email


@pytest.mark.parametrize("api_call_log", ["working", "down"])
def test_a_second_unanswered_create_for_one_email_settles_to_its_own_customer(
    agent_client, campaign, monkeypatch, api_call_log
):
    if api_call_log == "down":

        def log_down(self, **kwargs):
            raise RevCentError("RevCent could not be reached.")

        monkeypatch.setattr(RevCentClient, "get_api_calls", log_down)
    email = "sandbox-timeout-after-create@example.com"
    agent_client.post(URL, create_post(campaign, customer={**CUSTOMER, "email": email}))
    second = create_post(
        campaign,
        customer={**CUSTOMER, "email": email, "last_name": "Other"},
        create_anyway="on",
        override_reason="A different person sharing the family inbox.",
    )
    agent_client.post(URL, second)

    first, then = CreateAttempt.objects.order_by("created_at")
    assert first.state == then.state == CreateAttempt.State.CREATED
    assert first.customer_id and then.customer_id and first.customer_id != then.customer_id
    assert_audited(Operation.CREATE_CUSTOMER, count=2)
