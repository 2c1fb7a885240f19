"""Fuzzing the create form: whatever is typed, no server error, and only clean bodies sent."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pycountry
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from customers.cardguard.guard import any_card_number
from customers.forms.parts import ContactForm
from customers.revcent import CREATE_KEYS, CUSTOMER_KEYS
from tests.helpers import create_post, sent_bodies
from tests.hypothesis_profiles import examples
from tests.seeded import DEFAULT_CAMPAIGN

URL = reverse("customer-create")
E164 = re.compile(r"\+[1-9]\d{1,14}")  # "+" then at most 15 digits
CONTACT_TEXT = [key for key in CUSTOMER_KEYS if key != "country"]  # the free-text ones

# --- Strategies -------------------------------------------------------------------------------
# st.text() draws from all of Unicode but surrogates: control characters, NUL, RTL marks,
# combining accents, full-width and other non-ASCII digits included.
anything = st.text(max_size=40)
very_long = st.text(min_size=90, max_size=1000)
digit_runs = st.text(alphabet="0123456789 -", min_size=1, max_size=30)
controls = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=20)
wild = st.one_of(anything, very_long, digit_runs, controls)
names = st.text(alphabet=st.characters(categories=["L", "M"]), min_size=1, max_size=30)
words = st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "Zs"]), max_size=60)
TAME = {
    "first_name": names,
    "last_name": names,
    "email": st.none(),  # a fresh, valid, unique address is made per example
    "phone": st.sampled_from(
        ["", "(305) 555-0199", "+44 20 7946 0958", "+34 912 345 678", "555-555-5555"]
    ),
    "company": st.one_of(st.just(""), words),
    "address_line_1": st.one_of(st.just(""), words),
    "address_line_2": st.one_of(st.just(""), words),
    "city": st.one_of(st.just(""), names),
    "state": st.one_of(st.just(""), names),
    "zip": st.sampled_from(["", "33130", "SW1A 2AA", "28013"]),
    "country": st.sampled_from(["", "USA", "GBR", "ESP", "DEU", "JPN"]),
}
WILD = {
    **dict.fromkeys(TAME, wild),
    "email": st.one_of(st.emails(), wild),
    "country": st.one_of(st.sampled_from(["US", "xxx", "usa"]), wild),
}


@st.composite
def contacts(draw, email=None):
    """Mostly-plausible contacts with one, several or every field wild, so that some
    examples get past validation and reach RevCent, and others do not."""
    tame = {**TAME, "email": email} if email is not None else TAME
    mode = draw(st.sampled_from(["tame", "one wild", "all wild"]))
    wild_fields = {
        "tame": set(),
        "one wild": {draw(st.sampled_from(sorted(TAME)))},
        "all wild": set(TAME),
    }[mode]
    return {name: draw(WILD[name] if name in wild_fields else tame[name]) for name in TAME}


metadata_text = st.one_of(names, names, words, wild, st.text(min_size=95, max_size=300))
metadata_rows: st.SearchStrategy[list[tuple[str, str]]] = st.one_of(
    st.just([]),
    st.lists(st.tuples(names, words.filter(str.strip)), max_size=3),
    st.lists(st.tuples(metadata_text, metadata_text), max_size=3),
)
PLAIN = {
    "first_name": "Ana",
    "last_name": "Diaz",
    "email": None,
    "phone": "(305) 555-0199",
    "company": "",
    "address_line_1": "1 Main St",
    "address_line_2": "",
    "city": "Miami",
    "state": "FL",
    "zip": "33130",
    "country": "USA",
}


def assert_clean_contact(contact: Mapping[str, Any]) -> None:
    for key in ("first_name", "last_name", "email"):
        assert contact.get(key, "").strip(), key
    assert "@" in contact["email"]
    for key, value in contact.items():
        assert isinstance(value, str) and value, key  # only filled fields are sent
        assert value == value.strip(), key
        assert "\x00" not in value
        assert len(value) <= 255, key
    if "phone" in contact:
        assert E164.fullmatch(contact["phone"]), contact["phone"]
    if "country" in contact:
        assert re.fullmatch(r"[A-Z]{3}", contact["country"])
        assert pycountry.countries.get(alpha_3=contact["country"]) is not None


def assert_clean_body(body: Mapping[str, Any]) -> None:
    assert set(body) <= CREATE_KEYS
    assert set(body) <= {"campaign", "customer", "bill_to", "internal_customer_id", "metadata"}
    assert "payment" not in body
    assert body["campaign"] == DEFAULT_CAMPAIGN
    assert_clean_contact(body["customer"])
    if "bill_to" in body:
        assert_clean_contact(body["bill_to"])
    assert body["metadata"][0] == {"name": "source", "value": "supportdesk"}
    names_seen = [item["name"].lower() for item in body["metadata"]]
    assert len(names_seen) == len(set(names_seen))
    for item in body["metadata"]:
        assert set(item) == {"name", "value"}
        assert 1 <= len(item["name"]) <= 100
        assert 1 <= len(item["value"]) <= 255
    assert not any_card_number(body)


# --- Through the view -------------------------------------------------------------------------
@pytest.mark.parametrize("with_bill_to", [False, True], ids=["customer-only", "with-bill-to"])
@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
def test_any_input_is_answered_without_error_and_only_clean_bodies_are_sent(
    agent_client, campaign, monkeypatch, with_bill_to
):
    bodies = sent_bodies(monkeypatch)
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=examples(40),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(
        customer=contacts(),
        bill_to=contacts() if with_bill_to else st.none(),
        metadata=metadata_rows,
        internal_id=st.one_of(st.just(""), words, wild),
    )
    @example(customer=PLAIN, bill_to=PLAIN, metadata=[("tier", "gold")], internal_id="X-1")
    @example(customer={**PLAIN, "first_name": "\x00"}, bill_to=None, metadata=[], internal_id="")
    def submit(customer, bill_to, metadata, internal_id):
        customer = dict(customer)
        bill_to = None if bill_to is None else dict(bill_to)
        for contact in (customer, bill_to):
            if contact is not None and contact["email"] is None:
                contact["email"] = f"fuzz-{uuid.uuid4().hex}@example.com"
        data = create_post(
            campaign,
            key=str(uuid.uuid4()),
            customer=customer,
            bill_to=bill_to,
            metadata=metadata,
            internal_customer_id=internal_id,
            create_anyway="on",
            override_reason="Fuzzing: every example is a new person.",
        )
        already_sent = len(bodies)
        response = agent_client.post(URL, data)
        statuses[response.status_code] += 1
        event(f"HTTP {response.status_code}")
        assert response.status_code in (200, 302)
        for body in bodies[already_sent:]:
            assert_clean_body(body)
        if response.status_code == 302:
            assert len(bodies) == already_sent + 1
            assert ("bill_to" in bodies[-1]) is (bill_to is not None)

    submit()
    # Both outcomes were reached: refused input, and customers created.
    assert statuses[200] and statuses[302], statuses


# --- The contact form alone -------------------------------------------------------------------
LIMITS = {
    name: getattr(field, "max_length", None) for name, field in ContactForm.base_fields.items()
}


@settings(max_examples=examples(200))
@given(data=contacts(email=st.emails()))
def test_the_contact_form_never_raises_and_keeps_its_limits(data):
    form = ContactForm({f"c-{key}": value for key, value in data.items()}, prefix="c")
    valid = form.is_valid()  # must not raise, whatever was typed
    event("valid" if valid else "invalid")
    if not valid:
        assert form.errors
        return
    cleaned = form.cleaned_data
    for name, value in cleaned.items():
        limit = LIMITS.get(name)
        if limit:
            assert len(value) <= limit, name
    assert cleaned["first_name"].strip() and cleaned["last_name"].strip()
    assert cleaned["phone"] == "" or E164.fullmatch(cleaned["phone"]), cleaned["phone"]
    assert cleaned["country"] == "" or pycountry.countries.get(alpha_3=cleaned["country"])
    assert not form.refused_card_fields
    assert not any_card_number(data)  # a valid form had no card number typed in it


@settings(max_examples=examples(60))
@given(
    field=st.sampled_from(CONTACT_TEXT),
    pan=st.sampled_from(["4242424242424242", "5555 5555 5555 4444", "3782-822463-10005"]),
    around=st.sampled_from(["{}", "card {} exp 12/30", " {} "]),
)
def test_a_card_number_makes_the_contact_form_invalid_at_that_field(field, pan, around):
    data = {
        "first_name": "Ana",
        "last_name": "Diaz",
        "email": "ana@example.com",
        field: around.format(pan),
    }
    form = ContactForm({f"c-{key}": value for key, value in data.items()}, prefix="c")
    assert not form.is_valid()
    assert form.refused_card_fields == [field]
    assert str(form.errors[field][0]).startswith("This looks like a card number")
    assert form.data[f"c-{field}"] == ""


# --- Found by fuzzing around phones: E.164 can look like a card number ------------------------
# "+39 (499) 66624814" is not a card number as typed (brackets are not separators), but its
# E.164 form +3949966624814 is 13 digits that pass Luhn.
PHONE_LIKE_A_PAN = "+39 (499) 66624814"


def test_a_phone_the_form_accepts_is_never_shaped_like_a_card_number():
    data = {
        "first_name": "Ana",
        "last_name": "Diaz",
        "email": "ana@example.com",
        "phone": PHONE_LIKE_A_PAN,
    }
    form = ContactForm({f"c-{key}": value for key, value in data.items()}, prefix="c")
    assert not form.is_valid() or not any_card_number(form.cleaned_data)


@pytest.mark.parametrize("url_name", ["customer-create", "customer-duplicates"])
@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
def test_a_phone_shaped_like_a_card_number_does_not_crash_the_duplicate_check(
    agent_client, campaign, url_name
):
    data = create_post(campaign)
    data["customer-phone"] = PHONE_LIKE_A_PAN
    data["customer-country"] = ""
    headers = {"HX-Request": "true"} if url_name == "customer-duplicates" else {}
    response = agent_client.post(reverse(url_name), data, headers=headers)
    # A phone in international form is never taken for a card: the create goes through.
    assert response.status_code in (200, 302)
