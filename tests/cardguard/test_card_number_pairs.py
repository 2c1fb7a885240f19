"""A card number split across two fields that are one thing to a person
(customers/cardguard/pairs.py) is refused next to both, with the usual message, and kept
nowhere: not in a database table (django-axes' included), a log, the cache or a request to
RevCent."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from customers.cardguard.guard import card_number_fields
from customers.cardguard.pairs import BILL_TO_PREFIX, CUSTOMER_PREFIX, SAME_CONTACT, joined_pairs
from customers.contact import CONTACT_FIELDS
from customers.forms.create import CustomerCreateForm
from customers.forms.metadata import MetadataFormSet
from customers.forms.parts import CARD_NUMBER_MESSAGE, ContactForm
from customers.models import AuditEntry, CreateAttempt
from tests.cardguard.test_card_number_sweep import (
    BILL_TO,
    _assert_refused_at,
    _holds,
    _input_value,
    find_pan_anywhere,
)
from tests.helpers import create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
PAN = "4111111111111111"
HALVES = ("4111 1111", "1111 1111")
PAIRS = [
    ("customer-address_line_1", "customer-address_line_2"),
    ("customer-first_name", "customer-last_name"),
    ("bill_to-address_line_1", "bill_to-address_line_2"),
    ("bill_to-first_name", "bill_to-last_name"),
    ("metadata-0-name", "metadata-0-value"),
    ("metadata-0-value", "metadata-1-value"),
    ("customer-company", "bill_to-company"),
    ("customer-address_line_2", "bill_to-address_line_2"),
    ("customer-last_name", "bill_to-last_name"),
]


def _split_post(campaign, first: str, second: str, halves=HALVES) -> dict[str, str]:
    data = create_post(
        campaign, bill_to=dict(BILL_TO), metadata=[("tier", "gold"), ("region", "south")]
    )
    data[first], data[second] = halves
    return data


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_a_card_split_across_a_pair_is_refused_beside_both_and_kept_nowhere(
    agent_client, campaign, upstream, logs, caplog, first, second
):
    response = agent_client.post(reverse("customer-create"), _split_post(campaign, first, second))
    html = response.content.decode()
    assert response.status_code == 200
    for field in (first, second):
        _assert_refused_at(html, field)
        assert not _input_value(html, field)
    assert _input_value(html, "customer-email") == "ana.diaz@example.com"  # the rest is kept
    assert not CreateAttempt.objects.exists()
    assert [sent for sent in upstream if _holds(sent, PAN)] == []
    assert find_pan_anywhere(PAN, response_bodies=[html], caplog=caplog, streams=[logs()]) == []
    [refusal] = AuditEntry.objects.filter(operation="CardNumberRefused")
    assert first in refusal.message and second in refusal.message


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_the_create_form_refuses_a_split_card_by_itself(campaign, first, second):
    # Data that did not come through the request guard (a command, the assistant channel).
    data = QueryDict(mutable=True)
    data.update(_split_post(campaign, first, second))
    form = CustomerCreateForm(data)
    assert not form.is_valid()
    assert form.refused_card_fields == sorted([first, second])
    summary = {error.field_id: error.message for error in form.error_summary()}
    assert summary[f"id_{first}"] == summary[f"id_{second}"] == CARD_NUMBER_MESSAGE


def test_a_contact_form_alone_checks_its_own_pairs():
    form = ContactForm({"first_name": "4111 1111", "last_name": "1111 1111", "email": "a@b.co"})
    assert not form.is_valid()
    assert form.refused_card_fields == ["first_name", "last_name"]
    assert form.data["first_name"] == form.data["last_name"] == ""


def test_a_metadata_row_alone_checks_its_name_and_value():
    rows = MetadataFormSet(
        {
            "metadata-TOTAL_FORMS": "1",
            "metadata-INITIAL_FORMS": "0",
            "metadata-0-name": "4111 1111",
            "metadata-0-value": "1111 1111",
        },
        prefix="metadata",
    )
    assert not rows.is_valid()
    assert rows.forms[0].refused_card_fields == ["name", "value"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("customer-address_line_1", "customer-address_line_2"),
        ("metadata-0-value", "metadata-1-value"),
    ],
)
def test_ordinary_neighbours_are_not_taken_for_a_card(agent_client, campaign, first, second):
    data = _split_post(campaign, first, second, halves=("1234 Main St", "Suite 5678"))
    response = agent_client.post(reverse("customer-create"), data)
    assert response.status_code == 302  # created
    assert not AuditEntry.objects.filter(operation="CardNumberRefused").exists()


def test_a_field_that_holds_a_whole_card_does_not_take_its_partner_down():
    refused = card_number_fields(
        {"address_line_1": ["4111 1111 1111 1111"], "address_line_2": ["Suite 5"]}
    )
    assert refused == ["address_line_1"]


def test_the_pairs_are_named_as_the_create_form_names_its_fields(campaign):
    # customers/cardguard/pairs.py holds names only: they must be the create form's.
    assert {name for pair in SAME_CONTACT for name in pair} <= set(CONTACT_FIELDS)
    form = CustomerCreateForm()
    assert (form.customer.prefix, form.bill_to.prefix) == (CUSTOMER_PREFIX, BILL_TO_PREFIX)
    names = create_post(campaign, bill_to=dict(BILL_TO), metadata=[("a", "b"), ("c", "d")])
    names.update(
        {f"{p}-{f}": "" for p in (CUSTOMER_PREFIX, BILL_TO_PREFIX) for f in CONTACT_FIELDS}
    )
    assert set(PAIRS) <= set(joined_pairs(names))
