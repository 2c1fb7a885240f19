"""Double clicks, refreshes, second tabs: one submission key, one CreateCustomer call."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from customers.models import CreateAttempt
from tests.audit_helpers import Operation, assert_audited
from tests.helpers import create_post, stored_body

if TYPE_CHECKING:  # what django.test.Client answers with: a name only the stubs have
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


# Ten requests in ten threads, each with its own connection, racing for one key: they must
# see each other's committed rows, and search on the real pool as production does.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("search_threads")
def test_ten_parallel_submissions_with_one_key_create_one_customer(agent, campaign):
    data = create_post(campaign)
    barrier = threading.Barrier(10)
    responses: list[TestResponse] = []
    errors: list[BaseException] = []

    def submit() -> None:
        client = Client()
        client.force_login(agent)
        try:
            barrier.wait(timeout=10)
            responses.append(client.post(reverse("customer-create"), data))
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(responses) == 10
    assert_audited(Operation.CREATE_CUSTOMER)
    attempt = CreateAttempt.objects.get()
    # Every request ends at the one customer, or (while the first was still creating) at
    # the attempt's page, which shows the same outcome.
    allowed = {
        reverse("customer-detail", args=[attempt.customer_id]),
        reverse("attempt-detail", args=[attempt.submission_key]),
    }
    outcomes = [(r.status_code, r.get("Location")) for r in responses]
    assert all(code == 302 and where in allowed for code, where in outcomes), outcomes


def test_a_refresh_after_the_create_shows_the_same_customer(agent_client, campaign):
    data = create_post(campaign)
    first = agent_client.post(reverse("customer-create"), data)
    again = agent_client.post(reverse("customer-create"), data)
    assert again["Location"] == first["Location"]
    assert_audited(Operation.CREATE_CUSTOMER)


def test_the_attempt_page_of_a_pending_create_says_to_wait(agent_client, agent, campaign):
    attempt = CreateAttempt.objects.create(
        submission_key="2b1f9c1e-8f38-4d53-9d0f-4a9c4e0f0a11",
        user=agent,
        campaign=campaign,
        payload=stored_body(campaign, {"email": "wait@example.com"}),
        email="wait@example.com",
    )
    html = agent_client.get(reverse("attempt-detail", args=[attempt.submission_key])).content
    assert b"Creating the customer" in html
    assert b"do not submit the form again" in html


def test_the_forms_own_attempt_is_found_however_many_like_it_are_newer(agent, campaign):
    """Inside the turn, one read gives the attempt under the form's key and the recent ones
    like it. However common the name, the cap on recent attempts never hides the form's own:
    hiding it would create the customer a second time."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from customers.creating.duplicates import (
        RECENT_CANDIDATES_MAX,
        DuplicateReport,
        duplicate_recheck,
    )
    from customers.matching import Identifiers

    def attempt(key: uuid.UUID, email: str, minutes_ago: int) -> CreateAttempt:
        return CreateAttempt.objects.create(
            submission_key=key,
            user=agent,
            campaign=campaign,
            payload=stored_body(
                campaign, {"first_name": "Ann", "last_name": "Smith", "email": email}
            ),
            email=email,
            last_name="smith",
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
        )

    ids = Identifiers(first_name="Ann", last_name="Smith", email="ann.smith@example.com")
    key = uuid.uuid4()
    for number in range(RECENT_CANDIDATES_MAX + 10):
        attempt(uuid.uuid4(), f"smith{number}@example.com", minutes_ago=1)
    found, _ = duplicate_recheck(ids, DuplicateReport(), key=key)
    assert found is None  # not made yet: the gate decides

    own = attempt(key, "ann.smith@example.com", minutes_ago=30)
    found, _ = duplicate_recheck(ids, DuplicateReport(), key=key)
    assert found == own
