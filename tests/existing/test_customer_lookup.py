"""Find a customer: one search box, by e-mail, phone, name, internal ID or RevCent ID."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from customers.models import CustomerVisit
from customers.sandbox.models import SandboxCustomer
from tests.audit_helpers import Operation, assert_audited
from tests.helpers import create_post
from tests.seeded import JANE, JANE_TWO, JOHN, MARIA

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-search")


def test_an_existing_customers_email_opens_that_customer(agent_client):
    response = agent_client.post(URL, {"q": "  Jane@Example.com "})
    assert response.status_code == 302
    assert response["Location"] == reverse("customer-detail", args=[JANE])
    # The e-mail went in a POST body: neither the redirect nor the search row's path has it.
    assert "jane" not in response["Location"]
    assert_audited(Operation.SEARCH_CUSTOMERS, search_term="jane@example.com")


@pytest.mark.parametrize("typed", ["(212) 555-0147", "+1 212 555 0147", "2125550147"])
def test_a_phone_in_any_format_finds_the_customer(agent_client, typed):
    response = agent_client.post(URL, {"q": typed})
    assert response["Location"] == reverse("customer-detail", args=[JOHN])


def search(client, query: str) -> str:
    """Search as the page does: POST, then the redirect's GET of the results."""
    response = client.post(URL, {"q": query}, follow=True)
    assert response.status_code == 200
    html: str = response.content.decode()
    return html


def test_a_name_lists_every_match_with_why_and_opens_none(agent_client):
    html = search(agent_client, "jane doe")
    assert html.count('class="result-name"') == 2
    assert reverse("customer-detail", args=[JANE]) in html
    assert reverse("customer-detail", args=[JANE_TWO]) in html
    assert html.count("Same name") == 2


@pytest.mark.parametrize("typed", ["0034 912 345 678", "+34 912 345 678", "0034912345678"])
def test_a_phone_in_international_form_finds_the_customer(agent_client, typed):
    # Read as Spain's +34 though no country was given and the default region is the US.
    response = agent_client.post(URL, {"q": typed})
    assert response["Location"] == reverse("customer-detail", args=[MARIA])
    assert_audited(Operation.SEARCH_CUSTOMERS, search_term="+34912345678")


def test_an_internal_id_and_a_revcent_id_find_the_customer(agent_client):
    by_internal = agent_client.post(URL, {"q": "CRM-1001"})
    assert by_internal["Location"] == reverse("customer-detail", args=[JOHN])
    by_id = agent_client.post(URL, {"q": JOHN})
    assert by_id["Location"] == reverse("customer-detail", args=[JOHN])


def test_nothing_found_says_so(agent_client):
    html = search(agent_client, "nobody-here@example.com")
    assert "No customer in RevCent matches" in html


def test_auditors_may_look_up_and_anonymous_may_not(auditor_client, client):
    assert auditor_client.post(URL, {"q": "jane@example.com"}).status_code == 302
    client.logout()
    response = client.post(URL, {"q": "jane@example.com"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_agents_search_limit_applies(agent_client, settings):
    settings.DUPLICATE_SEARCHES_PER_MINUTE = 1
    agent_client.post(URL, {"q": "jane doe"})
    html = search(agent_client, "john smith")
    assert "searching faster than anyone types" in html


def test_a_card_number_is_refused_not_searched(agent_client):
    html = agent_client.post(URL, {"q": "4111 1111 1111 1111"}).content.decode()
    assert "looks like a card number, and customers are never looked up by card" in html
    assert_audited(Operation.SEARCH_CUSTOMERS, count=0)


def test_home_has_the_search_box_and_the_agents_recent_customers(agent_client, agent):
    assert 'action="/customers/find/"' in agent_client.get("/").content.decode()
    agent_client.get(reverse("customer-detail", args=[JANE]))
    html = agent_client.get("/").content.decode()
    assert "Your recent customers" in html
    assert reverse("customer-detail", args=[JANE]) in html
    assert CustomerVisit.objects.get(user=agent).name == "Jane Doe"


def test_results_tell_people_of_one_name_apart_without_their_details(agent_client):
    html = search(agent_client, "jane doe")
    assert "j•••@example.com · phone ending 5555" in html
    assert "j•••@example.org · phone ending 0100" in html
    assert "jane@example.com" not in html


def test_an_internal_id_shaped_like_a_revcent_id_is_searched_first(agent_client):
    from customers.audit import Actor
    from customers.revcent import get_client

    created = get_client().create_customer(
        {
            "campaign": "Default Campaign",
            "customer": {"first_name": "E", "last_name": "Rp", "email": "erp@example.com"},
            "internal_customer_id": "ERPABCDEFGHIJKLMNOPQ",
        },
        actor=Actor(name="t"),
    )
    found = agent_client.post(URL, {"q": "ERPABCDEFGHIJKLMNOPQ"})
    assert found["Location"] == reverse("customer-detail", args=[created.customer_id])
    unknown = agent_client.post(URL, {"q": "NoSuchCustomer000001"})
    assert unknown["Location"] == reverse("customer-detail", args=["NoSuchCustomer000001"])


def test_a_customer_just_created_is_found_at_once(agent_client, campaign):
    """The panel's searches while typing are cached for a minute; a create drops them, so the
    find box does not answer "no customer" about the one just made."""
    email = "fresh.find@example.com"
    typed = search(agent_client, email)
    assert "No customer in RevCent matches" in typed  # the search is now cached
    person = {"first_name": "Fresh", "last_name": "Find", "email": email}
    agent_client.post(reverse("customer-create"), create_post(campaign, customer=person))
    found = agent_client.post(reverse("customer-search"), {"q": email})
    assert found.status_code == 302 and "/customers/" in found["Location"]


def test_each_result_shows_its_city_and_when_it_was_created(agent_client):
    """Two Jane Does in Miami: the created date (and the masked hint) tells them apart."""
    html = search(agent_client, "jane doe")
    for customer_id in (JANE, JANE_TWO):
        created = SandboxCustomer.objects.get(pk=customer_id).created_unix
        day = date_format(localtime(datetime.fromtimestamp(created, tz=UTC)), "j M Y")
        assert f'<span class="where">Miami · created {day}</span>' in html
