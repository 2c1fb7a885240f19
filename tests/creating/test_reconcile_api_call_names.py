"""Reconciling an unanswered create from RevCent's API-call log, whose item names are ASSUMED
(contract.API_CALL_ITEM_KEYS): a server with our names and one with other plausible names
(`created_date_unix`, `request_method`, `request_endpoint`, `item_id`) settle it both ways;
a server with names we do not know never has it taken for "not created"."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import time_machine

from customers.audit import Actor
from customers.creating import reconcile
from customers.creating.claims import claim_ttl
from customers.creating.reconcile import CLOCK_SKEW, NOT_CREATED
from customers.models import CreateAttempt
from customers.revcent import get_client
from customers.revcent.contract import CreateCustomerBody
from customers.sandbox import records
from customers.sandbox.transport import SandboxTransport
from tests.audit_helpers import Operation, assert_audited
from tests.seeded import DEFAULT_CAMPAIGN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
ACTOR = Actor(name="test")


def _payload(email: str) -> CreateCustomerBody:
    return {
        "campaign": DEFAULT_CAMPAIGN,
        "customer": {"first_name": "Kim", "last_name": "Park", "email": email},
    }


def _unknown(agent, campaign, email: str) -> CreateAttempt:
    """An attempt whose CreateCustomer got no answer."""
    return CreateAttempt.objects.create(
        submission_key=uuid.uuid4(),
        user=agent,
        campaign=campaign,
        payload=_payload(email),
        email=email,
        state=CreateAttempt.State.UNKNOWN,
    )


def _window_over(attempt: CreateAttempt) -> datetime:
    return attempt.created_at + claim_ttl() + CLOCK_SKEW + timedelta(seconds=1)


def _reconcile(attempt: CreateAttempt, naming: str) -> CreateAttempt:
    client = get_client(transport=SandboxTransport(api_call_naming=naming))
    with time_machine.travel(_window_over(attempt)):
        return reconcile.attempt_reconcile(attempt=attempt, client=client, actor=ACTOR)


@pytest.mark.parametrize("naming", ["ours", "other"])
def test_a_create_that_arrived_is_settled_from_the_log_under_either_naming(agent, campaign, naming):
    attempt = _unknown(agent, campaign, "kim.park@example.com")
    # The create RevCent made without its answer reaching us: it is in the API-call log.
    made = get_client().create_customer(_payload(attempt.email), actor=ACTOR).customer_id

    attempt = _reconcile(attempt, naming)

    assert (attempt.state, attempt.customer_id) == (CreateAttempt.State.CREATED, made)
    assert attempt.settled_by == CreateAttempt.SettledBy.API_CALL_LOG
    assert "its API-call log shows it arrived and made this customer" in attempt.message
    assert_audited(Operation.CREATE_CUSTOMER)  # never sent again


@pytest.mark.parametrize("naming", ["ours", "other"])
def test_a_create_that_never_arrived_is_settled_from_the_log_under_either_naming(
    agent, campaign, naming
):
    # Another agent's create is in the same window: the log must name its customer.
    get_client().create_customer(_payload("someone.else@example.com"), actor=ACTOR)
    attempt = _unknown(agent, campaign, "never.arrived@example.com")

    attempt = _reconcile(attempt, naming)

    assert (attempt.state, attempt.customer_id) == (CreateAttempt.State.FAILED, "")
    assert attempt.settled_by == CreateAttempt.SettledBy.API_CALL_LOG
    assert attempt.message == NOT_CREATED


def test_a_log_under_names_we_do_not_know_never_says_not_created(agent, campaign, monkeypatch):
    unknown = {"operation": "", "method": "verb", "path": "route", "customer_id": "made"}
    monkeypatch.setitem(records.API_CALL_NAMINGS, "unknown", unknown)
    arrived = _unknown(agent, campaign, "kim.park@example.com")
    made = get_client().create_customer(_payload(arrived.email), actor=ACTOR).customer_id
    lost = _unknown(agent, campaign, "never.arrived@example.com")

    arrived = _reconcile(arrived, "unknown")
    lost = _reconcile(lost, "unknown")

    # The e-mail search still finds the one that arrived...
    assert (arrived.customer_id, arrived.settled_by) == (made, "email_search")
    # ...and the other stays unknown: the log cannot show that nothing arrived.
    assert lost.state == CreateAttempt.State.UNKNOWN
    assert "Do not create them again" in lost.message
