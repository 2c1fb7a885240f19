"""Caller verification: until the caller has answered, the agent sees masked details, no
card-link URL, and can do nothing for the customer; wrong answers are throttled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.contact import Contact
from customers.existing.masking import contact_masked, mask_email, mask_phone, mask_text, mask_zip
from customers.models import CardLink
from tests.audit_helpers import Operation, assert_audited, audit_rows
from tests.helpers import create_post
from tests.seeded import JANE, JOHN, VIP

DETAIL = "customer-detail"


# --- Masking: plain functions ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("email", "shown"),
    [("jane@example.com", "j•••@example.com"), ("j@x.io", "j•••@x.io"), ("no-at", "•••"), ("", "")],
)
def test_an_email_keeps_its_first_letter_and_domain(email, shown):
    assert mask_email(email) == shown


@pytest.mark.parametrize(
    ("zip_code", "shown"),
    [("33101", "3•••"), ("SW1A 2AA", "S•••"), ("33101-4521", "3•••"), ("123", "•••"), ("", "")],
)
def test_a_zip_keeps_its_first_character_only(zip_code, shown):
    assert mask_zip(zip_code) == shown


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+13055550123", "+1 •••-•••-••23"),
        ("(305) 555-0123", "+1 •••-•••-••23"),
        ("+44 20 7946 0958", "+44 •• •••• ••58"),
        ("12", "•••"),
        ("", ""),
    ],
)
def test_a_phone_keeps_its_country_code_and_last_two_digits(phone, shown):
    assert mask_phone(phone) == shown


def test_a_contact_keeps_names_and_places_and_hides_the_rest():
    contact = Contact(
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        phone="+13055550123",
        address_line_1="123 Main St",
        city="Miami",
        state="FL",
        zip="33101",
        country="USA",
    )
    masked = contact_masked(contact)
    assert masked.name == "Jane Doe"
    assert masked.address == "1•••, Miami FL 3•••, United States"
    assert (masked.email, masked.phone_formatted) == ("j•••@example.com", "+1 •••-•••-••23")
    assert mask_text("") == ""


# --- The customer page and its actions -----------------------------------------------------------
def page(client: Client, customer_id: str = JANE) -> str:
    return client.get(reverse(DETAIL, args=[customer_id])).content.decode()


def verify(client, answer: str = "33101", kind: str = "zip"):
    return client.post(reverse("caller-verify", args=[JANE]), {"kind": kind, "answer": answer})


@pytest.fixture
def other_agent(make_user):
    from customers.team.roles import AGENTS

    client = Client()
    client.force_login(make_user("bob", group=AGENTS))
    return client


@pytest.fixture
def active_link(other_agent) -> CardLink:
    """A link Bob made for Jane after verifying her."""
    verify(other_agent)
    other_agent.post(reverse("card-link-create", args=[JANE]), {"channel": "copy"})
    return CardLink.objects.get()


@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
class TestBeforeTheCallerIsVerified:
    def test_the_page_shows_masked_details_only(self, agent_client):
        html = page(agent_client)
        assert "Jane Doe" in html and "Miami" in html
        assert "j•••@example.com" in html and "FL 3•••" in html and "•••-••55" in html
        assert "••01" not in html  # no ZIP digit but the first
        for answer in ("jane@example.com", "33101", "555-5555", "5555555555", "123 Main"):
            assert answer not in html, answer
        assert "partly hidden until the caller is verified" in html

    def test_no_card_link_url_is_in_the_page(self, agent_client, active_link):
        html = page(agent_client)
        assert "/sandbox/card-form/" not in html
        assert 'data-testid="card-link-url"' not in html
        assert "Verify the caller to see the link" in html
        assert reverse("card-link-expire", args=[JANE, active_link.id]) not in html

    def test_every_action_is_refused_on_the_server(self, agent_client, active_link):
        refusals = [
            agent_client.post(reverse("card-link-create", args=[JANE]), {"channel": "copy"}),
            agent_client.post(reverse("card-link-create", args=[JANE]), {"channel": "email"}),
            agent_client.post(reverse("card-link-expire", args=[JANE, active_link.id])),
            agent_client.get(reverse("customer-groups", args=[JANE])),
            agent_client.post(
                reverse("customer-groups", args=[JANE]),
                {"step": "add", "customer_groups": [VIP]},
            ),
        ]
        for response in refusals:
            assert response.status_code == 302
            assert response["Location"] == reverse(DETAIL, args=[JANE])
        assert CardLink.objects.count() == 1 and CardLink.objects.get().active
        assert not audit_rows(operation=Operation.ADD_CUSTOMER_TO_GROUP)
        html = page(agent_client)
        assert "Verify the caller before expiring a card link." in html
        assert "Verify the caller before sending a card link." in html

    def test_the_comparison_of_another_agents_create_is_hidden(
        self, other_agent, agent_client, campaign
    ):
        created = other_agent.post(reverse("customer-create"), create_post(campaign))
        customer_id = created["Location"].strip("/").split("/")[-1]
        assert "ana.diaz@example.com" in page(other_agent, customer_id)  # Bob created it
        html = page(agent_client, customer_id)
        assert "ana.diaz@example.com" not in html and "33130" not in html
        assert "Verify the caller (below) to see what was entered" in html

    def test_after_the_right_answer_the_link_and_details_are_there(self, agent_client, active_link):
        verify(agent_client)
        html = page(agent_client)
        assert "jane@example.com" in html and "33101" in html
        assert re.search(r'value="http://testserver/sandbox/card-form/[^"]+"', html)
        agent_client.post(reverse("card-link-expire", args=[JANE, active_link.id]))
        active_link.refresh_from_db()
        assert not active_link.active

    def test_an_auditor_sees_masked_details(self, auditor_client):
        html = page(auditor_client)
        assert "j•••@example.com" in html and "jane@example.com" not in html


# --- Throttling wrong answers ---------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
class TestWrongAnswers:
    def test_the_sixth_wrong_answer_in_15_minutes_is_refused_and_audited(self, agent_client):
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            for _ in range(5):
                verify(agent_client, "90210")
                clock.shift(timedelta(minutes=2))
            # Even the right answer is not checked now: at 10 minutes, 5 minutes to wait.
            response = verify(agent_client, "33101")
            # Refused answers do not even read the customer from RevCent.
            assert len(audit_rows(operation=Operation.GET_CUSTOMER)) == 5
            html = agent_client.get(response["Location"]).content.decode()
        assert "Too many wrong answers for this customer (5 in 15 minutes)" in html
        # Said beside the caller-check form, where the agent would try again, as an alert.
        caller_section = html.split('id="caller-title"')[1].split("</section>")[0]
        assert 'role="alert" data-testid="caller-check-message">Too many wrong' in caller_section
        until = f"{timezone.localtime(start + timedelta(minutes=15)):%H:%M}"
        assert f"You can try again at {until} (in 5 minutes)" in html
        assert not audit_rows(operation=Operation.CALLER_VERIFIED)
        rows = assert_audited(Operation.CALLER_VERIFICATION_FAILED, count=6)
        assert all(row.customer_id == JANE for row in rows)
        assert rows[-1].message == (
            f"The caller's ZIP code was not checked: 5 wrong answers in 15 minutes, "
            f"so the next try is allowed from {until}."
        )
        assert "33101" not in " ".join(row.message for row in rows)

    def test_after_the_window_the_agent_may_try_again(self, agent_client):
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            for _ in range(6):
                verify(agent_client, "90210")
            clock.shift(timedelta(minutes=15, seconds=1))
            verify(agent_client, "33101")
            html = page(agent_client)
        assert "Caller verified by ZIP code." in html
        assert_audited(Operation.CALLER_VERIFIED)

    def test_right_answers_do_not_count(self, agent_client):
        for _ in range(4):
            verify(agent_client, "90210")
        for _ in range(3):
            verify(agent_client, "33101")
        verify(agent_client, "90210")  # the fifth wrong one: still checked
        assert "does not match RevCent" in page(agent_client)
        assert_audited(Operation.CALLER_VERIFICATION_FAILED, count=5)

    def test_the_limit_is_per_agent_and_customer(self, agent_client, other_agent):
        for _ in range(6):
            verify(agent_client, "90210")
        verify(other_agent, "33101")
        assert "Caller verified by ZIP code." in page(other_agent)
        agent_client.post(reverse("caller-verify", args=[JOHN]), {"kind": "zip", "answer": "10004"})
        assert "Caller verified by ZIP code." in page(agent_client, JOHN)
