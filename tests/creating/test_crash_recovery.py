"""A create whose process died mid-call: after a create's deadline it is "unknown", offers
"Check RevCent again", and `manage.py reconcile_attempts` settles it, never creating again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.audit import Actor
from customers.creating import reconcile, recovery
from customers.creating.claims import IdentityClaim, claim_ttl, identities_claimed
from customers.creating.reconcile import CLOCK_SKEW, NOT_CREATED
from customers.models import AuditEntry, CreateAttempt
from customers.revcent import (
    Contact,
    RevCentClient,
    RevCentError,
    SearchHit,
    SearchResult,
    get_client,
)
from customers.revcent.contract import CreateCustomerBody
from customers.sandbox.models import SandboxApiCall, SandboxCustomer
from tests.audit_helpers import Operation, assert_audited
from tests.helpers import create_post, submission_key
from tests.seeded import DEFAULT_CAMPAIGN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]

ROOT = Path(__file__).resolve().parents[2]
CHECK_AGAIN = "Check RevCent again"


def _payload(email: str) -> CreateCustomerBody:
    return {
        "campaign": DEFAULT_CAMPAIGN,
        "customer": {"first_name": "Kim", "last_name": "Park", "email": email},
        "metadata": [{"name": "source", "value": "supportdesk"}],
    }


def _form_fields(email: str) -> dict[str, str]:
    """The customer of _payload(email) as the create form's fields."""
    return {name: str(value) for name, value in _payload(email)["customer"].items()}


def _pending(agent, campaign, email: str, **fields) -> CreateAttempt:
    """An attempt as a process leaves it when it dies during CreateCustomer."""
    return CreateAttempt.objects.create(
        submission_key=uuid.uuid4(),
        user=agent,
        campaign=campaign,
        payload=_payload(email),
        email=email,
        **fields,
    )


def _made_in_revcent(email: str) -> str:
    """The customer that the dead process's CreateCustomer made (it is in the API-call log)."""
    return get_client().create_customer(_payload(email), actor=Actor(name="test")).customer_id


def _page(client: Client, attempt: CreateAttempt) -> str:
    return client.get(reverse("attempt-detail", args=[attempt.submission_key])).content.decode()


def test_a_create_pending_past_its_deadline_offers_check_revcent_again(
    agent_client, agent, campaign
):
    attempt = _pending(agent, campaign, "kim.park@example.com")
    assert "Creating the customer" in _page(agent_client, attempt)
    with time_machine.travel(attempt.created_at + claim_ttl() - timedelta(seconds=1)):
        assert CHECK_AGAIN not in _page(agent_client, attempt)
    with time_machine.travel(attempt.created_at + claim_ttl() + timedelta(seconds=1)):
        html = _page(agent_client, attempt)
    assert CHECK_AGAIN in html
    assert "tell yet whether the customer was created" in html
    assert "The app stopped while RevCent was creating this customer" in html
    attempt.refresh_from_db()
    assert attempt.state == CreateAttempt.State.UNKNOWN


def test_a_create_still_holding_its_claims_is_not_taken_for_dead(agent, campaign):
    attempt = _pending(agent, campaign, "slow@example.com")
    late = attempt.created_at + claim_ttl() + timedelta(seconds=5)
    # Its process is alive: it took the claims later than the attempt says, say.
    with identities_claimed(["email:slow@example.com"], holder=attempt.submission_key):
        IdentityClaim.objects.update(expires_at=late + timedelta(seconds=1))
        assert not recovery.attempt_abandoned(attempt, now=late)
        assert recovery.attempt_mark_if_abandoned(attempt, clock=lambda: late).state == "pending"
    assert recovery.attempt_abandoned(attempt, now=late)


def test_check_revcent_again_settles_an_abandoned_create_without_creating_again(
    agent_client, agent, campaign
):
    customer_id = _made_in_revcent("kim.park@example.com")
    attempt = _pending(agent, campaign, "kim.park@example.com")
    with time_machine.travel(attempt.created_at + claim_ttl() + timedelta(seconds=1)):
        response = agent_client.post(reverse("attempt-reconcile", args=[attempt.submission_key]))
    assert response["Location"] == reverse("customer-detail", args=[customer_id])
    attempt.refresh_from_db()
    assert attempt.customer_id == customer_id
    assert attempt.settled_by == CreateAttempt.SettledBy.API_CALL_LOG
    assert_audited(Operation.CREATE_CUSTOMER)  # the dead process's only
    assert_audited(Operation.CREATE_NOTE)


def _down(self, *args, **kwargs):
    raise RevCentError("RevCent could not be reached.")


def _window_over(attempt: CreateAttempt) -> datetime:
    """When RevCent's API-call log covers the whole time the attempt's create could arrive."""
    return attempt.created_at + claim_ttl() + CLOCK_SKEW + timedelta(seconds=1)


def test_reconcile_attempts_settles_what_it_can_and_says_what_it_could_not(agent, campaign):
    made = _made_in_revcent("kim.park@example.com")
    settled = _pending(agent, campaign, "kim.park@example.com")
    lost = _pending(agent, campaign, "never.arrived@example.com")
    running = _pending(agent, campaign, "running@example.com")
    done = _pending(agent, campaign, "done@example.com", state="verified", customer_id="C" * 20)
    later = settled.created_at + claim_ttl() + timedelta(seconds=1)
    with identities_claimed(["email:running@example.com"], holder=running.submission_key):
        IdentityClaim.objects.update(expires_at=_window_over(lost) + timedelta(minutes=1))
        out = StringIO()
        with time_machine.travel(later):
            call_command("reconcile_attempts", stdout=out)  # exits 0: nothing it could settle left
        lines = out.getvalue().splitlines()
        assert lines[0] == (
            f"Attempt {settled.submission_key} by alice: created customer {made} "
            "(found in RevCent's API-call log)."
        )
        # The lost create could still arrive (for all RevCent's log can say yet): not settled,
        # and why.
        assert lines[1].startswith(
            f"Attempt {lost.submission_key} by alice: not settled: the window its create could "
            "arrive in is not over until "
        )
        assert lines[2] == "1 of 2 unsettled creates settled."
        assert lines[3].startswith("1 could not be settled yet, for the reasons above")
        assert "never.arrived" not in out.getvalue()  # no customer's e-mail in job logs
        states = {a.pk: a.state for a in CreateAttempt.objects.all()}
        assert states[settled.pk] == "created" and states[lost.pk] == "unknown"
        assert states[running.pk] == "pending" and states[done.pk] == "verified"
        lost.refresh_from_db()
        assert "RevCent's records can tell for sure after " in lost.message

        # Once the window is over, the log covers it: the lost create never arrived.
        out = StringIO()
        with time_machine.travel(_window_over(lost)):
            call_command("reconcile_attempts", stdout=out)
        assert out.getvalue().splitlines() == [
            f"Attempt {lost.submission_key} by alice: not created (it never reached RevCent: "
            "RevCent's API-call log and a search for the e-mail show no customer made for it); "
            "the agent may submit it again.",
            "1 of 1 unsettled creates settled.",
        ]
        lost.refresh_from_db()
        assert (lost.state, lost.customer_id) == (CreateAttempt.State.FAILED, "")
        assert lost.message == NOT_CREATED
    assert_audited(Operation.CREATE_CUSTOMER)  # the first one's; nothing sent again


def test_reconcile_attempts_exits_non_zero_when_revcent_does_not_answer(
    agent, campaign, monkeypatch
):
    lost = _pending(agent, campaign, "never.arrived@example.com")
    monkeypatch.setattr(RevCentClient, "get_api_calls", _down)
    monkeypatch.setattr(RevCentClient, "search_customers", _down)
    out = StringIO()
    with time_machine.travel(_window_over(lost)), pytest.raises(CommandError) as failed:
        call_command("reconcile_attempts", stdout=out)
    assert f"Attempt {lost.submission_key} by alice: not settled: RevCent's search did not " in (
        out.getvalue()
    )
    assert "RevCent did not answer for 1 of the creates left unsettled" in str(failed.value)
    lost.refresh_from_db()
    assert lost.state == CreateAttempt.State.UNKNOWN


@pytest.mark.parametrize("api_call_log", ["down", "covering the window"])
def test_a_search_hit_without_a_creation_time_is_never_taken_for_the_create(
    agent, campaign, monkeypatch, api_call_log
):
    attempt = _pending(agent, campaign, "kim.park@example.com")
    older = "SbxCustUndated000001"

    def undated_hit(self, term, *, actor):
        hit = SearchHit(id=older, contact=Contact(email="Kim.Park@example.com"), created=None)
        return SearchResult(term=term, hits=[hit], api_call_id="")

    monkeypatch.setattr(RevCentClient, "search_customers", undated_hit)
    if api_call_log == "down":
        monkeypatch.setattr(RevCentClient, "get_api_calls", _down)
    with time_machine.travel(_window_over(attempt)):
        attempt = reconcile.attempt_reconcile(
            attempt=attempt, client=get_client(), actor=Actor(name="t")
        )
    assert attempt.customer_id == "" and attempt.settled_by != "email_search"
    if api_call_log == "down":
        # Nothing says whether this create arrived, and the hit may be any older customer.
        assert attempt.state == CreateAttempt.State.UNKNOWN
        assert f"({older}) but does not say when it was made" in attempt.message
    else:
        # The log shows no create for it; the older customer is the duplicate check's business
        # when the agent submits again.
        assert attempt.state == CreateAttempt.State.FAILED


# --- kill -9 during a real create, then a restart -------------------------------------------
CREATE_IN_A_CHILD = """
import json, sys, uuid
import django
django.setup()
from django.contrib.auth.models import User
from customers.creating.attempts import customer_create_submit
from customers.audit import Actor
from customers.models import Campaign
from customers.revcent import get_client
user = User.objects.get(pk=int(sys.argv[1]))
customer_create_submit(
    key=uuid.UUID(sys.argv[4]), user=user, campaign=Campaign.objects.get(pk=int(sys.argv[2])),
    payload=json.loads(sys.argv[3]), override_reason="", client=get_client(),
    actor=Actor(user=user),
)
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_for(condition, child: subprocess.Popen[str], what: str) -> None:
    """Poll the database (never a wall-clock assertion); the bound only stops a hung test."""
    for _ in range(600):
        if condition():
            return
        if child.poll() is not None:
            assert child.stderr is not None
            pytest.fail(f"The create process ended before {what}: {child.stderr.read()}")
        time.sleep(0.05)
    child.kill()
    pytest.fail(f"Gave up waiting for {what}.")


@pytest.mark.django_db(transaction=True)
def test_kill_9_during_a_create_then_a_restart_settles_it_without_a_second_create(
    agent_client, agent, campaign
):
    # The sandbox makes the customer, then holds the answer for the child's deadline (a
    # minute): the child is killed while its CreateCustomer is in flight.
    email = "sandbox-slow-after-create@example.com"
    key = uuid.uuid4()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "REVCENT_TIMEOUT_SECONDS": "60",
    }
    args = [str(agent.pk), str(campaign.pk), json.dumps(_payload(email)), str(key)]
    child = subprocess.Popen(
        [sys.executable, "-c", CREATE_IN_A_CHILD, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(
        lambda: (
            SandboxCustomer.objects.filter(email=email).exists()
            and CreateAttempt.objects.filter(submission_key=key).exists()
        ),
        child,
        "the customer was made in RevCent",
    )
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.stderr is not None
    child.stderr.close()

    attempt = CreateAttempt.objects.get(submission_key=key)
    assert attempt.state == CreateAttempt.State.PENDING
    # The restart: the app serves again. While the dead create's claims are young, it is
    # shown as running; once a create could no longer be running, as unknown.
    assert "Creating the customer" in _page(agent_client, attempt)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert CHECK_AGAIN in _page(agent_client, attempt)
        out = StringIO()
        call_command("reconcile_attempts", stdout=out)

    assert IdentityClaim.objects.count() == 0  # the dead process's, cleared by the command
    made = SandboxCustomer.objects.get(email=email)
    assert f"created customer {made.id}" in out.getvalue()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.customer_id) == (CreateAttempt.State.CREATED, made.id)
    (create,) = assert_audited(Operation.CREATE_CUSTOMER)
    # The killed process's row stays open: its outcome was never recorded there.
    assert create.completed_at is None and create.outcome == AuditEntry.Outcome.UNKNOWN


# --- killed before the create reached RevCent, then submitted again --------------------------
CREATE_KILLED_BEFORE_SENDING = (
    """
import os, signal
import django
django.setup()
from customers.revcent import exchange
real_send = exchange.send
def send(http, request, **kwargs):
    if request.operation.name == "CreateCustomer":
        # The attempt and the call's audit row are written; the request is not sent.
        os.kill(os.getpid(), signal.SIGKILL)
    return real_send(http, request, **kwargs)
exchange.send = send
"""
    + CREATE_IN_A_CHILD
)


@pytest.mark.django_db(transaction=True)
def test_a_create_killed_before_revcent_settles_as_not_created_and_can_be_submitted_again(
    agent_client, agent, campaign
):
    email = "kim.killed@example.com"
    key = uuid.uuid4()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env["DATABASE_URL"] = _database_url()
    args = [str(agent.pk), str(campaign.pk), json.dumps(_payload(email)), str(key)]
    child = subprocess.run(
        [sys.executable, "-c", CREATE_KILLED_BEFORE_SENDING, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    attempt = CreateAttempt.objects.get(submission_key=key)
    assert attempt.state == CreateAttempt.State.PENDING
    (create,) = assert_audited(Operation.CREATE_CUSTOMER)
    assert create.completed_at is None  # opened, never sent, never completed
    assert not SandboxCustomer.objects.filter(email=email).exists()
    assert not SandboxApiCall.objects.filter(operation="CreateCustomer").exists()

    with time_machine.travel(_window_over(attempt)):
        out = StringIO()
        call_command("reconcile_attempts", stdout=out)  # exit 0
        assert f"Attempt {key} by alice: not created (it never reached RevCent" in (out.getvalue())
        assert IdentityClaim.objects.count() == 0  # the dead process's, cleared
        html = _page(agent_client, attempt)
        assert "The customer was not created" in html and "safe to submit it again" in html

        # The agent submits the same form again: it comes back under a fresh key, not blocked
        # by the dead attempt (neither as its outcome nor as a duplicate of the person)...
        form = create_post(campaign, key=str(key), customer=_form_fields(email))
        again = agent_client.post(reverse("customer-create"), form)
        assert again.status_code == 200
        assert "safe to submit it again" in again.content.decode()
        fresh = submission_key(again.content.decode())
        assert fresh != str(key)
        # ...and that submit makes exactly one customer.
        done = agent_client.post(
            reverse("customer-create"), {**form, "options-submission_key": fresh}
        )
    assert done.status_code == 302, done.content.decode()[:2000]
    (made,) = SandboxCustomer.objects.filter(email=email)
    assert done["Location"] == reverse("customer-detail", args=[made.id])
    assert CreateAttempt.objects.get(submission_key=fresh).customer_id == made.id
    assert SandboxApiCall.objects.filter(operation="CreateCustomer").count() == 1
