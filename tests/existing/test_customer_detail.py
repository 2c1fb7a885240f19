"""The customer page: RevCent's record, read live, beside what was entered here."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import CreateAttempt
from tests.audit_helpers import Operation, Outcome, assert_audited, audit_rows
from tests.helpers import CUSTOMER, create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
BILL_TO = {
    "first_name": "Acme",
    "last_name": "Billing",
    "email": "ap@acme.example",
    "phone": "+1 212 555 0188",
    "address_line_1": "1 Harbor Way",
    "city": "Orlando",
    "state": "FL",
    "zip": "32801",
    "country": "USA",
}


class _Rows(HTMLParser):
    """The rows of one table (by data-testid): label → (entered, in RevCent, differs)."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.inside = testid, False
        self.rows: dict[str, tuple[str, str, bool]] = {}
        self.cells: list[str] | None = None
        self.differs = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.inside = attrs.get("data-testid") == self.testid
        elif self.inside and tag == "tr":
            self.cells, self.differs = [], "differs" in (attrs.get("class") or "")
        elif self.inside and self.cells is not None and tag in ("th", "td"):
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag == "tr" and self.cells and len(self.cells) == 3:
            label, entered, stored = (" ".join(cell.split()) for cell in self.cells)
            if label not in ("Field", "Name"):  # the header row
                self.rows[label] = (entered, stored, self.differs)
            self.cells = None

    def handle_data(self, data):
        if self.inside and self.cells:
            self.cells[-1] += data


def table_rows(html: str, testid: str) -> dict[str, tuple[str, str, bool]]:
    parser = _Rows(testid)
    parser.feed(html)
    return parser.rows


def created_page(client: Client, campaign, **post) -> str:
    response = client.post(reverse("customer-create"), create_post(campaign, **post))
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


def test_an_agent_sees_an_existing_customer(agent_client):
    response = agent_client.get(reverse("customer-detail", args=[JANE]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Jane Doe" in html and "j•••@example.com" in html
    assert "jane@example.com" not in html  # the caller is not verified yet
    assert "Verified" not in html  # not created here: nothing to verify
    [row] = assert_audited(Operation.GET_CUSTOMER)
    assert row.target_customer_id == JANE and row.customer_id == JANE
    assert row.api_call_id in html


def test_an_auditor_may_read_a_customer_page(auditor_client):
    assert auditor_client.get(reverse("customer-detail", args=[JANE])).status_code == 200


def test_a_user_without_a_role_may_not(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("customer-detail", args=[JANE])).status_code == 403
    assert not audit_rows(kind="api_call")


def test_an_unknown_customer_is_a_clear_404(agent_client):
    response = agent_client.get(reverse("customer-detail", args=["X" * 20]))
    assert response.status_code == 404
    assert b"RevCent has no customer with this ID." in response.content


def test_a_malformed_id_is_404_without_calling_revcent(agent_client):
    assert agent_client.get(reverse("customer-detail", args=["short"])).status_code == 404
    assert not audit_rows(kind="api_call")


def test_a_failed_verification_loses_nothing_and_can_be_retried(agent_client, campaign):
    email = "sandbox-get-fails@example.com"
    response = agent_client.post(
        reverse("customer-create"), create_post(campaign, customer={**CUSTOMER, "email": email})
    )
    attempt = CreateAttempt.objects.get()
    assert attempt.state == CreateAttempt.State.CREATED
    page = agent_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 502
    assert "simulated failure reading this customer" in html
    assert "Nothing is lost" in html
    attempt.refresh_from_db()
    assert attempt.state == CreateAttempt.State.CREATED
    assert audit_rows(operation=Operation.GET_CUSTOMER, outcome=Outcome.API_ERROR)


def test_differences_between_entered_and_stored_are_highlighted(agent_client, campaign):
    response = agent_client.post(reverse("customer-create"), create_post(campaign))
    attempt = CreateAttempt.objects.get()
    attempt.payload["customer"]["city"] = "Miami Beach"  # as if RevCent had normalized it
    attempt.save()
    html = agent_client.get(response["Location"]).content.decode()
    rows = table_rows(html, "compare-customer")
    assert rows["City"] == ("Miami Beach", "Miami Differs", True)
    assert rows["Last name"] == ("Diaz", "Diaz", False)
    assert "1 difference</strong>, highlighted below" in html


def test_every_bill_to_field_is_shown_entered_beside_revcent(agent_client, campaign):
    response = agent_client.post(reverse("customer-create"), create_post(campaign, bill_to=BILL_TO))
    attempt = CreateAttempt.objects.get()
    attempt.payload["bill_to"]["city"] = "Tampa"  # as if RevCent had stored another city
    attempt.save()
    rows = table_rows(agent_client.get(response["Location"]).content.decode(), "compare-bill-to")
    assert set(rows) == {
        "First name",
        "Last name",
        "Email",
        "Phone",
        "Address line 1",
        "City",
        "State",
        "ZIP",
        "Country",
    }
    assert rows["City"] == ("Tampa", "Orlando Differs", True)
    assert rows["Phone"] == ("+1 212-555-0188", "+1 212-555-0188", False)
    assert rows["Address line 1"] == ("1 Harbor Way", "1 Harbor Way", False)


def test_without_a_bill_to_the_page_says_revcent_bills_the_customer(agent_client, campaign):
    html = created_page(agent_client, campaign)
    assert "No separate bill-to was entered, so RevCent bills the customer" in html
    assert table_rows(html, "compare-bill-to") == {}
    assert "Differs" not in html


def test_every_metadata_pair_is_shown_ours_included(agent_client, campaign):
    metadata = [("plan", "gold"), ("referrer", "spring-fair")]
    response = agent_client.post(
        reverse("customer-create"), create_post(campaign, metadata=metadata)
    )
    attempt = CreateAttempt.objects.get()
    attempt.payload["metadata"][1]["value"] = "silver"  # as if RevCent held another value
    attempt.save()
    rows = table_rows(agent_client.get(response["Location"]).content.decode(), "compare-metadata")
    assert rows == {
        "source": ("supportdesk", "supportdesk", False),
        "plan": ("silver", "gold Differs", True),
        "referrer": ("spring-fair", "spring-fair", False),
    }


def test_phones_are_shown_for_people_and_stored_as_e164(agent_client, campaign):
    html = created_page(agent_client, campaign, customer={**CUSTOMER, "phone": "(212) 555-0188"})
    assert table_rows(html, "compare-customer")["Phone"] == (
        "+1 212-555-0188",
        "+1 212-555-0188",
        False,
    )
    assert 'data-testid="customer-phone-number">+1 212-555-0188</span>' in html
    assert "+12125550188" not in html
    assert CreateAttempt.objects.get().payload["customer"]["phone"] == "+12125550188"


def test_addresses_and_dates_read_cleanly(agent_client, campaign):
    customer = {**CUSTOMER, "address_line_1": "123 Main St"}  # no line 2
    html = created_page(agent_client, campaign, customer=customer)
    # The country by its name, as the form's list shows it (RevCent keeps the ISO code).
    address = "123 Main St, Miami FL 33130, United States"
    assert f'<dd data-testid="customer-address">{address}</dd>' in html
    assert " ," not in html
    assert ".." not in html.replace("...", "")
    assert "a.m." not in html and "p.m." not in html


def test_the_customer_id_has_a_copy_button(agent_client):
    html = agent_client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert 'data-copy="#customer-id"' in html and 'id="customer-id"' in html


def test_a_failed_read_says_what_to_do(agent_client, campaign):
    customer = {**CUSTOMER, "email": "sandbox-get-fails@example.com"}
    response = agent_client.post(
        reverse("customer-create"), create_post(campaign, customer=customer)
    )
    html = agent_client.get(response["Location"]).content.decode()
    assert "RevCent had a problem on its side (HTTP 500)" in html
    assert "Wait a minute and try again" in html
    assert "do not create them again" in html
    # Only the read failed: "Nothing was changed" would contradict "the create went through".
    assert "the create went through" in html and "Nothing was changed" not in html
    assert "not yet verified" not in html and "(created" not in html
