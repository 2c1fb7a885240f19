"""The customer page: RevCent's record, read live, beside what was entered here."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import CreateAttempt
from tests.audit_helpers import Operation, Outcome, assert_audited, audit_rows
from tests.customers.helpers import CUSTOMER, create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
JANE = "SbxCustJaneDoe000001"


def test_an_agent_sees_an_existing_customer(agent_client):
    response = agent_client.get(reverse("customer-detail", args=[JANE]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Jane Doe" in html and "jane@example.com" in html
    assert "Verified" not in html  # not created here: nothing to verify
    [row] = assert_audited(Operation.GET_CUSTOMER)
    assert row.target_customer_id == JANE and row.customer_id == JANE
    assert row.api_call_id in html


def test_an_auditor_may_read_a_customer_page(auditor_client):
    assert auditor_client.get(reverse("customer-detail", args=[JANE])).status_code == 200


def test_a_user_without_a_role_may_not(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("customer-detail", args=[JANE])).status_code == 403
    assert not audit_rows(kind="api_call")


def test_an_unknown_customer_is_a_clear_404(agent_client):
    response = agent_client.get(reverse("customer-detail", args=["X" * 20]))
    assert response.status_code == 404
    assert b"RevCent has no customer with this ID." in response.content


def test_a_malformed_id_is_404_without_calling_revcent(agent_client):
    assert agent_client.get(reverse("customer-detail", args=["short"])).status_code == 404
    assert not audit_rows(kind="api_call")


def test_a_failed_verification_loses_nothing_and_can_be_retried(agent_client, campaign):
    email = "sandbox-get-fails@example.com"
    response = agent_client.post(
        reverse("customer-create"), create_post(campaign, customer={**CUSTOMER, "email": email})
    )
    attempt = CreateAttempt.objects.get()
    assert attempt.state == CreateAttempt.State.CREATED
    page = agent_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 502
    assert "simulated failure reading this customer" in html
    assert "Nothing is lost" in html
    attempt.refresh_from_db()
    assert attempt.state == CreateAttempt.State.CREATED
    assert audit_rows(operation=Operation.GET_CUSTOMER, outcome=Outcome.API_ERROR)


def test_differences_between_entered_and_stored_are_highlighted(agent_client, campaign):
    response = agent_client.post(reverse("customer-create"), create_post(campaign))
    attempt = CreateAttempt.objects.get()
    attempt.payload["customer"]["city"] = "Miami Beach"  # as if RevCent had normalized it
    attempt.save()
    html = agent_client.get(response["Location"]).content.decode()
    assert '<tr class="differs"><th scope="row">City</th><td>Miami Beach</td>' in html


def test_a_failed_read_says_what_to_do(agent_client, campaign):
    customer = {**CUSTOMER, "email": "sandbox-get-fails@example.com"}
    response = agent_client.post(
        reverse("customer-create"), create_post(campaign, customer=customer)
    )
    html = agent_client.get(response["Location"]).content.decode()
    assert "RevCent had a problem on its side (HTTP 500)" in html
    assert "Nothing was changed. Wait a minute and try again" in html
    assert "do not create them again" in html
    assert "not yet verified" not in html and "(created" not in html
