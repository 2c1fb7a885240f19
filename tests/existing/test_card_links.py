"""Secure card links: made, sent, expired, completed on the (sandbox) hosted form."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.audit import Actor
from customers.existing import cardlinks
from customers.models import AuditEntry, CardLink
from customers.sandbox.models import SandboxCard
from tests.audit_helpers import Operation, assert_audited, audit_rows
from tests.conftest import login_verified
from tests.helpers import create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


@pytest.fixture
def created_id(agent_client: Client, campaign) -> str:
    """A customer this agent has just created (no caller check needed)."""
    response = agent_client.post(reverse("customer-create"), create_post(campaign))
    return response["Location"].strip("/").split("/")[-1]


def make_link(client, customer_id: str, channel: str = "copy"):
    return client.post(reverse("card-link-create", args=[customer_id]), {"channel": channel})


def link_url(client, customer_id: str) -> str:
    html = client.get(reverse("customer-detail", args=[customer_id])).content.decode()
    found = re.search(r'value="(http[^"]+/sandbox/card-form/[^"]+)"', html)
    assert found is not None, "the page shows no card link"
    return found.group(1)


def test_a_copy_link_is_made_recorded_and_shown(agent_client, created_id):
    response = make_link(agent_client, created_id)
    assert response.status_code == 302
    link = CardLink.objects.get()
    assert link.channel == "copy" and link.active
    assert link.expires_at - link.created_at == timedelta(hours=24)
    url = link_url(agent_client, created_id)
    assert url.startswith("http://testserver/sandbox/card-form/")
    [row] = assert_audited(Operation.CARD_LINK_CREATED)
    assert row.customer_id == created_id and row.message.startswith(
        "A card link was created to copy; it works until "
    )


def test_an_emailed_link_goes_to_the_address_revcent_holds(agent_client, created_id):
    make_link(agent_client, created_id, channel="email")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana.diaz@example.com"]
    assert "/sandbox/card-form/" in message.body
    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "E-mailed to the customer" in page
    assert "Card link e-mailed to a•••@example.com" in page


def test_the_customer_adds_a_card_and_the_agent_sees_it(agent_client, client, created_id):
    make_link(agent_client, created_id)
    url = link_url(agent_client, created_id)
    path = url.removeprefix("http://testserver")

    form = client.get(path)
    assert form.status_code == 200
    assert b"Sandbox Card Provider" in form.content
    assert b"This page is not Support Desk" in form.content
    done = client.post(
        path, {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
    )
    assert b"Your card was saved" in done.content

    card = SandboxCard.objects.get()
    assert (card.brand, card.last_4, card.expiry_date) == ("Visa", "4242", "12/30")
    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "Card on file: Visa •••• 4242 (exp. 12/30)" in page


def test_a_bad_card_is_refused_without_echoing_it(agent_client, client, created_id):
    make_link(agent_client, created_id)
    path = link_url(agent_client, created_id).removeprefix("http://testserver")
    response = client.post(path, {"card_number": "4242 4242 4242 4241", "expiry": "13/30"})
    html = response.content.decode()
    assert "That is not a valid card number." in html
    assert "Use MM/YY" in html
    assert "4242 4242 4242 4241" not in html
    assert not SandboxCard.objects.exists()


def test_an_expired_link_no_longer_opens_the_form(agent_client, client, created_id):
    make_link(agent_client, created_id)
    path = link_url(agent_client, created_id).removeprefix("http://testserver")
    link = CardLink.objects.get()
    agent_client.post(reverse("card-link-expire", args=[created_id, link.pk]))
    assert client.get(path).status_code == 410
    assert audit_rows(operation=Operation.CARD_LINK_EXPIRED)
    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "Expired early by alice" in page


def test_a_link_stops_working_after_24_hours(agent_client, client, created_id):
    make_link(agent_client, created_id)
    path = link_url(agent_client, created_id).removeprefix("http://testserver")
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert client.get(path).status_code == 410


def test_a_forged_token_opens_nothing(client):
    assert client.get(reverse("sandbox-card-form", args=["forged:token"])).status_code == 410


def test_an_existing_customer_needs_the_caller_verified_first(agent_client):
    response = make_link(agent_client, JANE)
    assert response.status_code == 302
    assert not CardLink.objects.exists()
    page = agent_client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert "Verify the caller before sending a card link." in page
    # The form the agent verifies with offers both questions.
    assert '<option value="zip">ZIP code</option>' in page
    assert '<option value="email">Email address</option>' in page
    assert 'name="answer"' in page
    assert "E-mail a link to" not in page


def test_a_wrong_answer_blocks_and_is_audited_without_the_value(agent_client):
    agent_client.post(reverse("caller-verify", args=[JANE]), {"kind": "zip", "answer": "90210"})
    page = agent_client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert "does not match RevCent" in page
    make_link(agent_client, JANE)
    assert not CardLink.objects.exists()
    [row] = assert_audited(Operation.CALLER_VERIFICATION_FAILED)
    assert row.customer_id == JANE
    assert "90210" not in str(AuditEntry.objects.values())


def test_the_right_zip_unlocks_the_link(agent_client):
    agent_client.post(reverse("caller-verify", args=[JANE]), {"kind": "zip", "answer": " 33101 "})
    assert audit_rows(operation=Operation.CALLER_VERIFIED)
    assert "33101" not in str(AuditEntry.objects.filter(operation="CallerVerified").values())
    page = agent_client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert "E-mail a link to jane@example.com</button>" in page  # shown whole above it too
    make_link(agent_client, JANE, channel="email")
    assert CardLink.objects.filter(customer_id=JANE).exists()
    assert mail.outbox[0].to == ["jane@example.com"]


def test_the_right_email_unlocks_too(agent_client):
    agent_client.post(
        reverse("caller-verify", args=[JANE]), {"kind": "email", "answer": "Jane@Example.com"}
    )
    make_link(agent_client, JANE)
    assert CardLink.objects.filter(customer_id=JANE).exists()


def test_auditors_can_read_but_not_send(auditor_client):
    page = auditor_client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert "Collect a card securely" not in page
    assert make_link(auditor_client, JANE).status_code == 403


def test_no_support_page_has_a_card_input(agent_client, auditor, created_id):
    auditor_client = Client()
    login_verified(auditor_client, auditor)
    pages = [
        reverse("home"),
        reverse("customer-create"),
        reverse("customer-detail", args=[created_id]),
        reverse("customer-detail", args=[JANE]),
    ]
    for client in (agent_client, auditor_client):
        for url in pages + [reverse("admin:index")]:
            html = client.get(url).content.decode().lower()
            assert 'autocomplete="cc-' not in html, url
            for word in ("card_number", "card-number", "cvc", "cvv", "expiry", "exp_month"):
                assert f'name="{word}' not in html and f'id="id_{word}' not in html, url


def test_a_received_card_closes_the_link(agent_client, client, created_id):
    make_link(agent_client, created_id)
    url = link_url(agent_client, created_id)
    path = url.removeprefix("http://testserver")
    token = path.rstrip("/").split("/")[-1]
    client.post(path, {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"})

    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "Card received" in page
    assert url not in page  # no link left to copy
    link = CardLink.objects.get()
    assert link.card_received_at is not None and not link.active
    assert cardlinks.card_link_from_token(unquote(token)) is None
    assert client.get(path).status_code == 410


CARDS = ["4242 4242 4242 4242", "5555 5555 5555 4444", "4000 0566 5566 5556"]


def test_a_link_takes_one_card_and_refuses_the_next_with_a_clear_page(
    agent_client, client, created_id
):
    make_link(agent_client, created_id)
    path = link_url(agent_client, created_id).removeprefix("http://testserver")
    # Nobody opens the customer's page in between: the link closes at its first card all
    # the same (before, it took all three).
    responses = [
        client.post(path, {"card_number": card, "expiry": "12/30", "cvc": "123"}) for card in CARDS
    ]

    assert [r.status_code for r in responses] == [200, 410, 410]
    assert 'data-testid="card-saved"' in responses[0].content.decode()
    for refused in responses[1:]:
        html = refused.content.decode()
        assert "This link has already been used" in html and "was not saved" in html
    assert list(SandboxCard.objects.values_list("last_4", flat=True)) == ["4242"]
    link = CardLink.objects.get()
    assert link.status == CardLink.Status.CARD_RECEIVED
    assert "This link has already been used" in client.get(path).content.decode()
    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "Card received" in page


def test_a_link_is_used_once_even_by_two_submissions_at_once(agent_client, created_id):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    now = timezone.now()
    # Both submissions read the link as active; the first to record its card wins.
    assert cardlinks.card_link_use(link, now=now) is True
    assert cardlinks.card_link_use(link, now=now) is False
    link.refresh_from_db()
    assert link.card_received_at == now


def test_an_expired_link_is_not_used_by_a_card(agent_client, agent, created_id):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    cardlinks.card_link_expire(link=link, user=agent, actor=Actor(user=agent))
    assert cardlinks.card_link_use(link, now=timezone.now()) is False


def test_a_card_from_before_the_link_leaves_it_open(agent_client, client, created_id):
    SandboxCard.objects.create(
        id="SbxCardOlderThanLink",
        customer_id=created_id,
        brand="Visa",
        last_4="1111",
        expiry_date="01/29",
        created_unix=int((timezone.now() - timedelta(hours=1)).timestamp()),
    )
    make_link(agent_client, created_id)
    path = link_url(agent_client, created_id).removeprefix("http://testserver")
    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "Card received" not in page and "Active until" in page
    assert CardLink.objects.get().active
    assert client.get(path).status_code == 200


def test_link_rows_read_naturally(agent_client, created_id):
    make_link(agent_client, created_id)
    make_link(agent_client, created_id, channel="email")
    page = agent_client.get(reverse("customer-detail", args=[created_id])).content.decode()
    assert "Created to copy by alice, " in page
    assert "E-mailed to the customer by alice, " in page
    assert "by the agent by" not in page
