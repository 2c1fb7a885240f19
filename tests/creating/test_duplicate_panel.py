"""The live duplicate panel: what the agent sees while typing."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.test import Client
from django.urls import reverse

from customers.matching import MATCH_FIELDS
from customers.models import AuditEntry, CreateAttempt
from customers.sandbox.transport import SandboxTransport
from tests.helpers import CUSTOMER, create_post
from tests.seeded import JANE, JANE_TWO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-duplicates")
HTMX = {"HX-Request": "true"}


def panel(client: Client, **fields: str) -> str:
    data = {
        f"customer-{k}" if k != "internal_customer_id" else f"options-{k}": v
        for k, v in fields.items()
    }
    response = client.post(URL, data, headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def searches() -> int:
    return AuditEntry.objects.filter(operation="SearchCustomers").count()


def test_an_email_in_other_letter_case_finds_jane(agent_client):
    html = panel(agent_client, email="JANE@EXAMPLE.COM")
    assert "Jane Doe" in html
    assert "Email matches" in html
    assert "likely the same customer" in html
    assert reverse("customer-detail", args=[JANE]) in html
    assert "<html" not in html  # a fragment, not a page


def test_a_phone_written_another_way_finds_jane(agent_client):
    html = panel(agent_client, phone="(555) 555-5555")
    assert "Jane Doe" in html
    assert "Phone matches" in html


def test_a_name_with_the_same_city_is_a_possible_match(agent_client):
    html = panel(agent_client, first_name="jane", last_name="DOE", city="Miami")
    assert html.count('data-testid="match"') == 2  # both seeded Jane Does live in Miami
    assert "Same name and city" in html
    assert "likely the same" not in html.split("</p>")[0]


def test_a_name_in_another_city_is_shown_as_maybe_moved_and_does_not_gate(agent_client):
    html = panel(agent_client, first_name="Jane", last_name="Doe", city="Tampa")
    matches = html.split('data-testid="match"')[1:]
    assert len(matches) == 2  # both Jane Does of Miami, not hidden
    assert all("<li>Same name, different city (moved?)</li>" in match for match in matches)
    assert "likely the same" not in html and 'class="match strong"' not in html


def test_a_name_in_another_city_never_stops_the_create(agent_client, campaign):
    person = {**CUSTOMER, "first_name": "Jane", "last_name": "Doe", "city": "Tampa"}
    person["zip"] = "33602"
    response = agent_client.post(reverse("customer-create"), create_post(campaign, customer=person))
    assert response.status_code == 302  # created: no duplicate gate for a possible match
    assert CreateAttempt.objects.get().customer_id


def test_a_phone_typed_with_00_before_a_country_is_picked_is_searched_and_matched(agent_client):
    html = panel(agent_client, phone="0034 912 345 678")
    assert "María García" in html
    assert "Phone matches" in html and "likely the same customer" in html
    row = AuditEntry.objects.get(operation="SearchCustomers")
    assert row.search_term == "+34912345678"


def test_a_name_alone_shows_both_jane_does(agent_client):
    html = panel(agent_client, first_name="Jane", last_name="Doe")
    matches = html.split('data-testid="match"')[1:]
    assert len(matches) == 2
    assert all("<li>Same name</li>" in match for match in matches)
    assert "No matches" not in html


def test_each_match_is_named_in_its_controls_and_carries_its_details(agent_client):
    html = panel(agent_client, first_name="Jane", last_name="Doe")
    for customer_id in (JANE, JANE_TWO):
        label = f"Jane Doe (…{customer_id[-4:]})"
        url = reverse("customer-detail", args=[customer_id])
        assert (
            f'<a class="button small" href="{url}">Use<span class="visually-hidden"> {label}<'
            in html
        )
        assert f'Open<span class="visually-hidden"> {label}</span></button>' in html
        # The dialog's content is in the panel already: opening a match calls nobody.
        assert f'<template data-match-details data-customer-url="{url}">' in html
        assert f'<dd class="mono">{customer_id}</dd>' in html
    assert "Use this customer" not in html


def test_an_email_typo_is_caught_on_a_customer_the_name_search_found(agent_client):
    # The e-mail search cannot find jdoe@example.org from "jdoa@…"; the name search does.
    html = panel(agent_client, first_name="Jane", last_name="Doe", email="jdoa@example.org")
    first, second = html.split('data-testid="match"')[1:]
    # Masked: the agent asks the caller to spell it again rather than reading it out.
    assert "j•••@example.org" in first and "jdoe@example.org" not in html
    assert "Email differs by one character" in first and "Same name" in first
    assert "j•••@example.com" in second


def test_the_panel_is_no_way_round_the_caller_check(agent_client):
    # Typing a name alone must not reveal the answers to the caller check (e-mail, ZIP),
    # nor the phone or street: only what the agent typed is shown in full.
    html = panel(agent_client, first_name="Jane", last_name="Doe")
    assert "Jane Doe" in html
    for secret in ("jane@example.com", "jdoe@example.org", "555-0100", "555-5555"):
        assert secret not in html
    assert "j•••@example.com" in html
    html = panel(agent_client, first_name="Jane", last_name="Doe", email="JANE@example.com")
    assert "jane@example.com" in html  # what was typed, confirmed
    assert "jdoe@example.org" not in html


def test_a_plus_tagged_email_is_a_possible_match(agent_client):
    html = panel(agent_client, email="alice@example.com")
    assert "Alice Nguyen" in html
    assert "Email matches apart from a +tag" in html


def test_nothing_typed_means_no_search(agent_client):
    html = panel(agent_client, email="jane@exa")  # not an e-mail yet
    assert "As you type" in html
    assert searches() == 0


def test_no_match_says_what_was_searched(agent_client):
    html = panel(agent_client, email="nobody@example.net")
    assert "No matches in RevCent for the email typed." in html


def test_the_same_search_within_a_minute_makes_no_new_call(agent_client, client, make_user):
    panel(agent_client, email="jane@example.com")
    panel(agent_client, email="jane@example.com")
    other = make_user("bob", group="Support agents")
    client.force_login(other)
    panel(client, email="Jane@Example.com ")
    assert searches() == 1


# The real pool: its threads read the sandbox through their own connections, so they need
# committed rows.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("search_threads")
def test_identifiers_are_searched_at_the_same_time(agent_client, monkeypatch):
    in_flight = 0
    most = 0
    lock = threading.Lock()
    original = SandboxTransport.handle_request

    def counting(self, request):
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            time.sleep(0.2)  # long enough for the others to start, if they run in parallel
            return original(self, request)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(SandboxTransport, "handle_request", counting)
    panel(
        agent_client,
        email="jane@example.com",
        phone="555-555-5555",
        internal_customer_id="CRM-1001",
    )
    assert most == 3
    assert searches() == 3


def test_an_agent_searching_too_fast_is_told_so(agent_client, settings):
    settings.DUPLICATE_SEARCHES_PER_MINUTE = 3
    for n in range(3):
        panel(agent_client, email=f"person{n}@example.com")
    html = panel(agent_client, email="person9@example.com")
    assert "searching faster than anyone types" in html
    assert searches() == 3


def test_a_card_number_is_never_searched(agent_client):
    html = panel(agent_client, phone="4242 4242 4242 4242", email="jane@example.com")
    assert "A card number is not searched" in html
    assert "4242 4242" not in html
    assert not AuditEntry.objects.filter(search_term__contains="4242").exists()


def test_a_failed_search_is_reported(agent_client):
    html = panel(agent_client, email="sandbox-server-error@example.com")
    assert "did not answer the email search" in html


def test_a_failed_search_alone_says_nothing_could_be_checked_not_no_matches(agent_client):
    html = panel(agent_client, email="sandbox-server-error@example.com")
    assert "RevCent did not answer the email search, so nothing could be checked yet." in html
    assert "No matches" not in html


def test_a_failed_search_beside_an_answered_one_names_only_the_answered(agent_client):
    html = panel(
        agent_client, email="sandbox-server-error@example.com", first_name="Zed", last_name="Quux"
    )
    assert "No matches in RevCent for the name typed." in html
    assert "RevCent did not answer the email search; these results may be incomplete." in html


def test_the_gate_after_a_failed_search_never_shows_an_empty_term(agent_client, campaign):
    person = {**CUSTOMER, "email": "sandbox-server-error@example.com"}
    response = agent_client.post(reverse("customer-create"), create_post(campaign, customer=person))
    html = response.content.decode()
    assert "The duplicate check could not finish" in html
    assert "the  typed" not in html and "the typed" not in html
    assert "RevCent did not answer the email search" in html
    assert "No matches in RevCent for the phone and name typed." in html


def test_the_panel_is_post_only_and_for_agents(agent_client, auditor_client):
    assert agent_client.get(URL).status_code == 405
    assert auditor_client.post(URL, {"customer-email": "jane@example.com"}).status_code == 403


def test_an_expired_session_sends_the_page_to_login(client):
    response = client.post(
        URL,
        {"customer-email": "jane@example.com"},
        headers={**HTMX, "HX-Current-URL": "http://testserver/customers/new/"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/customers/new/"


def test_the_create_page_wires_the_panel_without_pii_in_urls(agent_client, campaign):
    html = agent_client.get(reverse("customer-create")).content.decode()
    assert f'hx-post="{URL}"' in html
    # A search on its way is let finish (an aborted one is a console error), the newest queued.
    assert 'hx-sync="this:queue last"' in html and "data-latest-only" in html
    assert "delay:400ms" in html
    assert 'aria-live="polite"' in html
    assert "hx-get" not in html


def test_a_match_shows_only_what_was_typed_exactly(agent_client):
    # The sandbox's Alice Nguyen: alice+shop@example.com, (415) 555-0199 in the USA.
    html = panel(agent_client, email="alice@example.com")
    assert "Alice Nguyen" in html
    assert "alice+shop@example.com" not in html  # the +tag was not typed
    assert "a•••@example.com" in html
    # The same number typed in international form, no country chosen: the agent knows it.
    html = panel(agent_client, phone="+1 415 555 0199")
    assert "Alice Nguyen" in html
    assert "555-0199" in html


def test_the_panel_refreshes_when_a_field_it_searches_on_changes(agent_client, campaign):
    html = agent_client.get(reverse("customer-create")).content.decode()
    [trigger] = re.findall(r'hx-trigger="(load, [^"]*)"', html)
    watched = {
        re.sub(r"^id_(customer|options)-", "", found): event
        for event, found in re.findall(
            r"(change|input changed delay:400ms) from:#(\S+?)(?:,|$)", trigger
        )
    }
    assert watched == {
        **{name: "input changed delay:400ms" for name in MATCH_FIELDS if name != "country"},
        "country": "change",
        "internal_customer_id": "input changed delay:400ms",
    }
    for name in watched:
        assert f'id="id_customer-{name}"' in html or f'id="id_options-{name}"' in html
