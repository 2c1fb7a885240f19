"""The card-link e-mail names the merchant (MERCHANT_NAME) and says what the link is for,
until when it works, and that nobody will ask for the card any other way: an e-mail from
nobody in particular asking for a card reads like phishing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests.helpers import create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
SENT_AT = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


@pytest.fixture
def emailed(agent_client, campaign, settings):
    settings.MERCHANT_NAME = "Acme Outdoor Supply"
    with time_machine.travel(SENT_AT, tick=False):
        created = agent_client.post(reverse("customer-create"), create_post(campaign))
        customer_id = created["Location"].strip("/").split("/")[-1]
        agent_client.post(reverse("card-link-create", args=[customer_id]), {"channel": "email"})
    [message] = mail.outbox
    return message


def test_the_subject_names_the_merchant_and_what_it_asks(emailed):
    assert emailed.subject == "Acme Outdoor Supply asks you to add a payment card"
    assert emailed.to == ["ana.diaz@example.com"]


def test_the_body_says_who_asks_what_for_until_when_and_what_nobody_will_ask(emailed):
    url = next(line for line in emailed.body.splitlines() if "/sandbox/card-form/" in line)
    assert emailed.body == (
        "Hello Ana Diaz,\n\n"
        "Acme Outdoor Supply asks you to add a payment card to your account. This secure link "
        "opens a page where you enter the card yourself; it works for one card and expires on "
        "07 December 2026 at 09:30 UTC (24 hours after it was sent):\n\n"
        f"{url}\n\n"
        "Nobody from Acme Outdoor Supply will ask for your card number by phone or e-mail. If "
        "you did not expect this e-mail, do not use the link: contact Acme Outdoor Supply the "
        "way you usually do.\n"
    )


def test_sandbox_mode_sends_in_the_sandbox_merchants_name(agent_client, campaign, settings):
    from supportdesk.settings import merchant_name

    settings.MERCHANT_NAME = merchant_name("", sandbox=True)  # as settings.py sets it
    created = agent_client.post(reverse("customer-create"), create_post(campaign))
    customer_id = created["Location"].strip("/").split("/")[-1]
    agent_client.post(reverse("card-link-create", args=[customer_id]), {"channel": "email"})
    [message] = mail.outbox
    assert message.subject == "Support Desk sandbox merchant asks you to add a payment card"
    assert "Nobody from Support Desk sandbox merchant will ask" in message.body
