"""One customer per person under concurrency: creates for one e-mail, phone or internal ID
take turns (customers/creating/claims.py), and whoever comes second lands on the duplicate gate."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.creating import attempts, duplicates
from customers.creating.claims import (
    WAIT_MARGIN,
    IdentityBusy,
    IdentityClaim,
    claim_ttl,
    identities_claimed,
)
from customers.models import CreateAttempt
from customers.sandbox.models import SandboxCustomer
from customers.team.roles import AGENTS
from tests.audit_helpers import Operation, assert_audited
from tests.helpers import create_post

if TYPE_CHECKING:  # what django.test.Client answers with: a name only the stubs have
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]

GATE = "This customer may already exist"


def _person(index: int, **same: str) -> dict[str, str]:
    """A different person's form (name, e-mail, phone), but for what `same` fixes."""
    return {
        "first_name": f"Agent{index}",
        "last_name": ["Ortiz", "Lee", "Novak", "Haddad", "Silva"][index],
        "email": f"person{index}@example.com",
        "phone": f"(305) 555-01{10 + index}",
        "country": "USA",
        **same,
    }


def _post_at_once(agents, forms) -> list[TestResponse]:
    """Each agent posts their form in their own thread, released together."""
    barrier = threading.Barrier(len(forms))
    responses: list[TestResponse | None] = [None] * len(forms)
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        client = Client()
        client.force_login(agents[index])
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(reverse("customer-create"), forms[index])
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    answered = [response for response in responses if response is not None]
    assert len(answered) == len(forms)
    return answered


SAME_EMAIL = [
    "ana.diaz@example.com",
    "ANA.DIAZ@example.com",
    "  Ana.Diaz@Example.COM ",
    "ana.diaz@EXAMPLE.com",
    "Ana.diaz@example.com\t",
]
SAME_PHONE = ["(305) 555-0199", "305.555.0199", "+1 305 555 0199", "3055550199", "+1-305-555-0199"]
SAME_INTERNAL_ID = ["CRM-7", "crm-7", " CRM-7 ", "Crm-7", "cRM-7"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("search_threads")
@pytest.mark.parametrize(
    "shared",
    [
        pytest.param([{"email": e} for e in SAME_EMAIL], id="email"),
        pytest.param([{"phone": p} for p in SAME_PHONE], id="phone"),
        pytest.param([{"internal_customer_id": i} for i in SAME_INTERNAL_ID], id="internal-id"),
    ],
)
def test_five_agents_creating_one_person_at_once_make_one_customer(
    make_user, campaign, settings, shared
):
    # Every call takes a while, so all five duplicate searches run before any create ends:
    # without the turns, each search finds nothing and each form creates its customer.
    settings.REVCENT_SANDBOX_LATENCY_MS = 150
    agents = [make_user(f"agent{i}", group=AGENTS) for i in range(5)]
    forms = []
    for index, same in enumerate(shared):
        person = dict(same)
        internal_id = person.pop("internal_customer_id", "")
        options = {"internal_customer_id": internal_id} if internal_id else {}
        forms.append(create_post(campaign, customer=_person(index, **person), **options))
    customers_before = SandboxCustomer.objects.count()

    responses = _post_at_once(agents, forms)

    created = assert_audited(Operation.CREATE_CUSTOMER)[0].customer_id
    assert SandboxCustomer.objects.count() == customers_before + 1
    assert SandboxCustomer.objects.filter(id=created).exists()
    assert CreateAttempt.objects.exclude(customer_id="").count() == 1
    to_customer = [r for r in responses if r.status_code == 302]
    assert [r["Location"] for r in to_customer] == [reverse("customer-detail", args=[created])]
    gates = [r for r in responses if r.status_code == 200]
    assert len(gates) == 4
    for response in gates:
        html = response.content.decode()
        assert GATE in html
        # Named, with the way to them: the "Use" link to the customer just created.
        assert reverse("customer-detail", args=[created]) in html
    assert IdentityClaim.objects.count() == 0  # every turn ended


def test_the_agent_who_lost_the_race_sees_the_new_customer_and_may_still_override(
    agent_client, agent, campaign, monkeypatch
):
    # Agent B's search runs while agent A's create for the same e-mail finishes: the search
    # found nothing, but the check inside B's turn sees A's new customer.
    first = {**_person(0), "email": "race@example.com"}
    second = {**_person(1), "email": "RACE@example.com"}
    search = duplicates.duplicate_check  # as attempts.py imported it

    def search_while_a_finishes(ids, **kwargs):
        report = search(ids, **kwargs)
        monkeypatch.setattr(attempts, "duplicate_check", search)
        agent_client.post(reverse("customer-create"), create_post(campaign, customer=first))
        return report

    monkeypatch.setattr(attempts, "duplicate_check", search_while_a_finishes)
    form = create_post(campaign, customer=second)
    response = agent_client.post(reverse("customer-create"), form)

    made = CreateAttempt.objects.get(email="race@example.com").customer_id
    assert response.status_code == 200
    html = response.content.decode()
    assert GATE in html and reverse("customer-detail", args=[made]) in html
    assert "Created here by alice" in html
    assert_audited(Operation.CREATE_CUSTOMER)

    reason = "A different Ana: she called from her work phone."
    again = agent_client.post(
        reverse("customer-create"),
        {**form, "options-create_anyway": "on", "options-override_reason": reason},
    )
    assert again.status_code == 302
    assert_audited(Operation.CREATE_CUSTOMER, count=2)
    assert_audited(Operation.DUPLICATE_OVERRIDE)


def test_a_create_waits_for_the_person_as_long_as_a_create_takes(db, settings):
    now = timezone.now()
    naps: list[float] = []
    with identities_claimed(["email:busy@example.com"], holder=uuid.uuid4()):
        with (
            pytest.raises(IdentityBusy),
            identities_claimed(
                ["email:busy@example.com"],
                holder=uuid.uuid4(),
                clock=lambda: now,
                sleep=naps.append,
            ),
        ):
            pass
        # It waited as long as one create takes (RevCent's deadline), and a little more.
        deadline = settings.REVCENT_TIMEOUT_SECONDS
        assert deadline <= sum(naps) <= deadline + WAIT_MARGIN.total_seconds() + 1
        # Another person is not held up.
        with identities_claimed(["email:other@example.com"], holder=uuid.uuid4()):
            assert IdentityClaim.objects.count() == 2
    assert IdentityClaim.objects.count() == 0


def test_a_claim_left_by_a_dead_process_is_taken_over_once_it_expires(db):
    start = timezone.now()
    person = ["phone:+13055550100"]
    # Taken and never released, as a process killed mid-create leaves it.
    dead = identities_claimed(person, holder=uuid.uuid4(), clock=lambda: start)
    dead.__enter__()
    naps: list[float] = []
    almost = start + claim_ttl() - timedelta(seconds=1)
    with (
        pytest.raises(IdentityBusy),
        identities_claimed(person, holder=uuid.uuid4(), clock=lambda: almost, sleep=naps.append),
    ):
        pass
    assert naps  # it waited for the holder first

    naps.clear()
    expired = start + claim_ttl()
    successor = uuid.uuid4()
    with identities_claimed(person, holder=successor, clock=lambda: expired, sleep=naps.append):
        assert list(IdentityClaim.objects.values_list("holder", flat=True)) == [successor]
    assert naps == []
    assert IdentityClaim.objects.count() == 0
    del dead


def test_an_agent_kept_waiting_too_long_is_told_to_submit_again(
    agent_client, campaign, settings, monkeypatch
):
    settings.REVCENT_TIMEOUT_SECONDS = 1
    monkeypatch.setattr("customers.creating.claims.WAIT_MARGIN", timedelta(0))
    form = create_post(campaign, customer={**_person(0), "email": "held@example.com"})
    with identities_claimed(["email:held@example.com"], holder=uuid.uuid4()):
        response = agent_client.post(reverse("customer-create"), form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Another create for this e-mail, phone or internal ID is still running" in html
    assert 'value="held@example.com"' in html  # the form as typed
    assert_audited(Operation.CREATE_CUSTOMER, count=0)
    assert not CreateAttempt.objects.exists()
