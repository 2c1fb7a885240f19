""" "Create anyway" at the duplicate gate is recorded as the agent's decision, with what came
of it: on the new customer's timeline as the decision, on the matched customer's as a note
that a separate customer was chosen (never as a create), and in the trail with its result."""

from __future__ import annotations

import html
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from customers.models import Campaign, CreateAttempt
from tests.audit_helpers import Operation, assert_audited, audit_rows
from tests.helpers import CUSTOMER, create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")
TRAIL = reverse("admin:customers_auditentry_changelist")
REASON = "Caller is Jane's daughter, same shared inbox."
NOTE_ON_JANE = (
    "An agent chose to create a separate customer{new} despite a strong match with this one. "
    "This customer was not changed."
)


@pytest.fixture
def agent_web(agent) -> Client:
    web = Client()  # auditor_client is pytest-django's `client`
    web.force_login(agent)
    return web


def create_anyway(web: Client, campaign: Campaign, reason: str = REASON):
    data = create_post(
        campaign,
        customer={**CUSTOMER, "email": "jane@example.com"},
        create_anyway="on",
        override_reason=reason,
    )
    return web.post(URL, data)


def timeline_text(web: Client, customer_id: str) -> str:
    page = web.get(reverse("customer-detail", args=[customer_id])).content.decode()
    timeline = page[page.index('data-testid="timeline"') :]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", timeline).split()))


def test_a_create_that_went_through_is_the_decision_and_its_result(
    agent_web, auditor_client, campaign
):
    assert create_anyway(agent_web, campaign).status_code == 302
    attempt = CreateAttempt.objects.get()
    new = attempt.customer_id
    decision = (
        f"Chose to create anyway despite a strong match with {JANE} (Email matches), reason: "
        f"“{REASON}”. Result: customer {new} was created "
        f"(CreateCustomer call {attempt.create_api_call_id})."
    )
    [row] = assert_audited(Operation.DUPLICATE_OVERRIDE)
    assert (row.message, row.customer_id, row.target_customer_id) == (decision, new, JANE)

    # The new customer's timeline: the decision, above the create it led to.
    mine = timeline_text(auditor_client, new)
    assert decision in mine
    assert mine.index(decision) < mine.index("Created in RevCent (CreateCustomer).")

    # Jane's: a note that a separate customer was chosen; nothing reads as a create of her.
    janes = timeline_text(auditor_client, JANE)
    assert NOTE_ON_JANE.format(new=f", {new},") in janes
    assert "Chose to create anyway" not in janes
    assert "Created" not in janes

    # The trail keeps the decision's own words, found by either customer's ID.
    for customer in (new, JANE):
        trail = auditor_client.get(TRAIL, {"q": customer}).context["cl"].result_list
        assert row in trail
    entry = auditor_client.get(reverse("admin:customers_auditentry_change", args=[row.pk]))
    assert decision in html.unescape(entry.content.decode())
    # The call it names is found by the trail's search.
    [call] = auditor_client.get(TRAIL, {"q": attempt.create_api_call_id}).context["cl"].result_list
    assert call.operation == Operation.CREATE_CUSTOMER and call.customer_id == new


def test_a_create_that_failed_says_nothing_was_made(agent_web, auditor_client):
    # A campaign RevCent does not know: the create is refused after the agent's decision.
    unknown = Campaign.objects.create(name="Spring sale", revcent_id="NoSuchCampaignAtAll1")
    assert create_anyway(agent_web, unknown).status_code == 200  # the form again
    attempt = CreateAttempt.objects.get()
    assert attempt.state == CreateAttempt.State.FAILED and not attempt.customer_id
    [row] = assert_audited(Operation.DUPLICATE_OVERRIDE)
    assert attempt.create_api_call_id  # RevCent's error body names its call too
    assert row.message == (
        f"Chose to create anyway despite a strong match with {JANE} (Email matches), reason: "
        f"“{REASON}”. Result: the create failed, so no customer was made "
        f"(CreateCustomer call {attempt.create_api_call_id})."
    )
    assert not row.customer_id
    janes = timeline_text(auditor_client, JANE)
    assert (
        "An agent chose to create a separate customer despite a strong match with this one. "
        "Result: the create failed, so no customer was made "
        f"(CreateCustomer call {attempt.create_api_call_id}). This customer was not changed."
    ) in janes
    assert "created" not in janes.lower()


def test_a_create_with_no_answer_says_it_is_not_known_yet(agent_web, campaign, monkeypatch):
    from customers.revcent import RevCentClient, RevCentOutcomeUnknown

    def no_answer(self, payload, *, actor):
        raise RevCentOutcomeUnknown("RevCent did not answer in time, so we cannot tell.")

    monkeypatch.setattr(RevCentClient, "create_customer", no_answer)
    create_anyway(agent_web, campaign)
    [row] = assert_audited(Operation.DUPLICATE_OVERRIDE)
    assert row.message.endswith(
        "Result: not known yet: RevCent did not answer the create, and Support Desk checks "
        "RevCent for the customer before anything else."
    )
    assert "was created" not in row.message


def test_a_long_reason_is_shortened_so_the_result_always_fits(agent_web, campaign):
    reason = ("A reason that goes on. " * 22)[:500]  # the form's longest; the row holds 500
    assert create_anyway(agent_web, campaign, reason=reason).status_code == 302
    [row] = assert_audited(Operation.DUPLICATE_OVERRIDE)
    assert len(row.message) <= 500
    assert "…”. Result: customer " in row.message
    assert row.message.endswith(f"{CreateAttempt.objects.get().create_api_call_id}).")


def test_no_override_no_decision_row(agent_web, campaign):
    assert agent_web.post(URL, create_post(campaign)).status_code == 302
    assert not audit_rows(operation=Operation.DUPLICATE_OVERRIDE)


def test_the_signed_chain_still_verifies(agent_web, campaign):
    create_anyway(agent_web, campaign)
    unknown = Campaign.objects.create(name="Spring sale", revcent_id="NoSuchCampaignAtAll1")
    create_anyway(agent_web, unknown)
    assert len(audit_rows(operation=Operation.DUPLICATE_OVERRIDE)) == 2
    call_command("verify_audit_log")  # raises CommandError if a link does not verify


def test_several_matches_are_named_three_at_most_and_counted():
    from customers.creating.duplicates import DuplicateReport, override_message
    from customers.matching import STRONG, Candidate, Match

    ids = ["A" * 20, "B" * 20, "", "D" * 20, "E" * 20]
    report = DuplicateReport(
        matches=[Match(Candidate(customer_id=i), STRONG, ("Phone matches",)) for i in ids]
    )
    attempt = CreateAttempt(customer_id="N" * 20, create_api_call_id="C" * 20)
    assert override_message(reason="Shared family phone.", report=report, attempt=attempt) == (
        f"Chose to create anyway despite strong matches with {'A' * 20} (Phone matches); "
        f"{'B' * 20} (Phone matches); a create here with no RevCent ID yet (Phone matches); "
        f"2 more, reason: “Shared family phone.”. Result: customer {'N' * 20} was created "
        f"(CreateCustomer call {'C' * 20})."
    )
