"""Every failure tells the agent what happened, whether anything was created, and what to do
next, in words: no raw field keys, no Python reprs."""

from __future__ import annotations

import re

import httpx
import pytest
from django.urls import reverse

from customers.audit import Actor
from customers.models import CreateAttempt
from customers.revcent import RevCentClient, RevCentOutcomeUnknown, contract
from customers.revcent.exchange import Answer, Request, classify
from tests.helpers import CUSTOMER, create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")
RAW_KEY = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")  # first_name, address_line_1, ...


def create_anyway(client, campaign, email: str):
    """Create a customer whose e-mail triggers a sandbox fault (the duplicate search fails
    too, so the agent confirms the override)."""
    data = create_post(campaign, customer={**CUSTOMER, "email": email})
    data.update({"options-create_anyway": "on", "options-override_reason": "Testing failures."})
    return client.post(URL, data)


def visible_text(html: str) -> str:
    body = html[html.index("<main") :]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_a_5xx_is_not_called_a_refusal_and_says_to_wait(agent_client, campaign):
    text = visible_text(
        create_anyway(agent_client, campaign, "sandbox-server-error@x.com").content.decode()
    )
    assert "RevCent had a problem on its side (HTTP 500)" in text
    assert "The customer was not created." in text
    assert "Wait a minute and try again; if it keeps happening, tell an admin." in text
    assert "refused" not in text


def test_a_429_says_how_long_to_wait(agent_client, campaign):
    text = visible_text(
        create_anyway(agent_client, campaign, "sandbox-rate-limit@x.com").content.decode()
    )
    assert "RevCent is receiving too many requests right now (HTTP 429)" in text
    assert "The customer was not created. Wait 1 second, then try again." in text


def test_an_unknown_outcome_page_agrees_with_its_title(agent_client, campaign):
    response = create_anyway(agent_client, campaign, "sandbox-timeout@x.com")
    text = visible_text(agent_client.get(response["Location"]).content.decode())
    assert "We can't tell yet whether the customer was created" in text
    assert "may or may not exist" in text
    assert "Do not create them again: wait a minute, then check RevCent again." in text
    assert "tell an admin" in text
    assert "Nothing was changed" not in text


def test_what_was_entered_is_shown_with_labels(agent_client, campaign):
    response = create_anyway(agent_client, campaign, "sandbox-timeout@x.com")
    html = agent_client.get(response["Location"]).content.decode()
    text = visible_text(html)
    assert "<dt>First name</dt><dd>Ana</dd>" in html
    assert "<dt>Phone</dt><dd>+1 305-555-0199</dd>" in html
    assert "source = supportdesk" in text
    assert not RAW_KEY.findall(text)


def test_a_create_search_cannot_find_yet_says_to_check_again(agent_client, campaign, monkeypatch):
    def no_answer(self, payload, *, actor):
        raise RevCentOutcomeUnknown("RevCent did not answer in time, so we cannot tell.")

    monkeypatch.setattr(RevCentClient, "create_customer", no_answer)
    response = agent_client.post(URL, create_post(campaign))
    assert CreateAttempt.objects.get().state == CreateAttempt.State.UNKNOWN
    text = visible_text(agent_client.get(response["Location"]).content.decode())
    assert "a search does not find the customer yet" in text
    # When RevCent's API-call log can settle it (reconcile.py), and what to do then.
    assert "records can tell for sure after " in text
    assert "check RevCent again then" in text


def test_a_refused_field_is_named_for_people(agent_client, campaign, monkeypatch):
    from customers.sandbox.transport import SandboxTransport

    original = SandboxTransport.handle_request

    def handle(self, request):
        if request.method == "POST" and request.url.path.endswith("/customers"):
            body = {"code": 0, "message": "customer.zip is not a ZIP code RevCent knows"}
            return httpx.Response(400, json=body)
        return original(self, request)

    monkeypatch.setattr(SandboxTransport, "handle_request", handle)
    html = agent_client.post(URL, create_post(campaign)).content.decode()
    assert "RevCent did not accept the customer&#x27;s ZIP" in html
    assert "The customer was not created. Correct it and submit again." in html


ACTOR = Actor(name="test")


def refusal(
    status: int, body: dict[str, object], *, op=contract.GET_CUSTOMER, retry_after=None
) -> str:
    request = Request(op, op.path, ACTOR)
    verdict = classify(request, Answer(status=status, body=body, retry_after=retry_after), None)
    assert verdict.error is not None
    return verdict.error.message


def test_a_bad_api_key_says_to_tell_an_admin():
    message = refusal(401, {"code": 0, "message": "Invalid API key."})
    assert "Nothing was changed." in message and "Tell an admin" in message


def test_a_429_without_retry_after_says_a_minute():
    assert "Wait a minute, then try again." in refusal(429, {"code": 0})
    assert "Wait 30 seconds, then try again." in refusal(429, {"code": 0}, retry_after=30)


def test_a_refused_group_add_says_none_were_added():
    message = refusal(500, {"code": 0}, op=contract.ADD_CUSTOMER_TO_GROUP)
    assert "No groups were added." in message


def test_a_long_revcent_message_is_cut_to_fit_the_attempt():
    message = refusal(400, {"code": 0, "message": "x" * 600}, op=contract.CREATE_CUSTOMER)
    max_length = CreateAttempt._meta.get_field("message").max_length
    assert max_length is not None and len(message) <= max_length
