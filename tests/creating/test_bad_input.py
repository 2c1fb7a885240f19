"""Bad input from anywhere never becomes a 500: RevCent IDs that could not be in a URL,
NUL bytes in form fields, and more metadata rows than the form allows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import CreateAttempt
from customers.sandbox.models import SandboxCampaign, SandboxCustomer
from tests.helpers import CUSTOMER, create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def slashed_twin():
    """What a broken RevCent (or a man in the middle) might answer: Ana's e-mail under an
    ID that is not 20 letters and digits, and would change a URL's path."""
    customer = SandboxCustomer(
        id="SbxCust/Slash/000001",
        created_unix=1_700_000_000,
        campaign=SandboxCampaign.objects.first(),
        first_name="Ana",
        last_name="Diaz",
        email=CUSTOMER["email"],
    )
    customer.index()
    customer.save()
    return customer


def test_the_duplicate_panel_shows_the_match_without_a_link(agent_client, slashed_twin):
    response = agent_client.post(
        reverse("customer-duplicates"),
        {"customer-email": CUSTOMER["email"], "customer-first_name": "Ana"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Email matches" in html  # still a duplicate: the agent must see it
    assert "/customers/SbxCust/" not in html and "Use<" not in html


def test_the_create_gate_still_stops_on_it_and_says_so(agent_client, campaign, slashed_twin):
    response = agent_client.post(reverse("customer-create"), create_post(campaign))
    assert response.status_code == 200
    assert "Email matches" in response.content.decode()
    assert not CreateAttempt.objects.exists()


def test_the_lookup_lists_it_without_opening_it(agent_client, slashed_twin):
    response = agent_client.post(reverse("customer-search"), {"q": CUSTOMER["email"]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ana Diaz" in html and "/customers/SbxCust/" not in html
    response = agent_client.post(reverse("customer-search"), {"q": slashed_twin.id}, follow=True)
    assert response.status_code == 200


# --- NUL bytes ------------------------------------------------------------------------------------
def test_a_nul_byte_is_refused_next_to_its_field_and_the_rest_is_kept(agent_client, campaign):
    post = create_post(
        campaign, internal_customer_id="CRM-\x007001", metadata=[("tier", "go\x00ld")]
    )
    response = agent_client.post(reverse("customer-create"), post)
    html = response.content.decode()
    assert response.status_code == 200
    # Next to each of the two fields, and in the summary at the top.
    assert html.count("invisible control character (NUL)") == 4
    assert 'value="CRM-7001"' in html and 'value="gold"' in html  # shown again without it
    assert 'value="ana.diaz@example.com"' in html
    assert not CreateAttempt.objects.exists()


def test_a_bidi_override_is_refused_so_a_name_cannot_display_as_something_else(
    agent_client, campaign
):
    # "Test\u202egnp.exe" displays as "Testexe.png"; right-to-left text needs no override.
    post = create_post(
        campaign,
        customer={**CUSTOMER, "last_name": "Test\u202egnp.exe", "state": "\u2067evil\u2069"},
    )
    response = agent_client.post(reverse("customer-create"), post)
    html = response.content.decode()
    assert response.status_code == 200
    assert "invisible control character (RIGHT-TO-LEFT OVERRIDE)" in html
    assert "invisible control character (RIGHT-TO-LEFT ISOLATE)" in html
    assert 'value="Testgnp.exe"' in html and 'value="evil"' in html  # shown without it
    assert "\u202e" not in html and "\u2067" not in html
    assert not CreateAttempt.objects.exists()

    hebrew = create_post(campaign, customer={**CUSTOMER, "last_name": "כהן", "city": "תל אביב"})
    assert agent_client.post(reverse("customer-create"), hebrew).status_code == 302


def test_a_nul_byte_in_the_panel_is_not_searched(agent_client):
    response = agent_client.post(
        reverse("customer-duplicates"),
        {"options-internal_customer_id": "CRM-\x001001", "customer-email": "x\x00@example.com"},
        headers=HTMX,
    )
    assert response.status_code == 200
    from customers.models import AuditEntry

    assert not AuditEntry.objects.filter(operation="SearchCustomers").exists()


def test_a_nul_byte_in_the_lookup_is_refused(agent_client):
    response = agent_client.post(reverse("customer-search"), {"q": "jane\x00@example.com"})
    assert response.status_code == 200
    assert "invisible control character (NUL)" in response.content.decode()


# --- Metadata rows --------------------------------------------------------------------------------
def test_a_request_claiming_1000_metadata_rows_gets_20_and_a_message(agent_client, campaign):
    post = create_post(campaign, metadata=[(f"name{i}", "v") for i in range(25)])
    post["metadata-TOTAL_FORMS"] = "1000"
    html = agent_client.post(reverse("customer-create"), post).content.decode()
    assert html.count('data-testid="metadata-row"') == 20
    assert "A customer can have at most 20 metadata rows." in html
    assert not CreateAttempt.objects.exists()


def test_adding_a_row_stops_at_20(agent_client, campaign):
    post = create_post(campaign, metadata=[(f"name{i}", "v") for i in range(20)])
    post["metadata-TOTAL_FORMS"] = "1000"
    post["_action"] = "add_metadata"
    html = agent_client.post(reverse("customer-create"), post, headers=HTMX).content.decode()
    assert html.count('data-testid="metadata-row"') == 20
