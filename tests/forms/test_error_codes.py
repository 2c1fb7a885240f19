"""Every message a form shows comes from its `error_messages`, under a code, as Django's
contrib forms do (AuthenticationForm): tests and callers check the code, not the words."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from customers.forms.create import CustomerCreateForm
from customers.forms.customer import LookupForm
from customers.forms.metadata import MetadataFormSet
from customers.forms.parts import ContactForm
from customers.sandbox.views import HostedCardForm
from customers.team.mfa import TokenForm
from tests.helpers import CUSTOMER, create_post

pytestmark = pytest.mark.django_db


def _codes(form) -> dict[str, list[str]]:
    return {name: [e.code for e in errors.as_data()] for name, errors in form.errors.items()}


def _contact(**fields: str) -> ContactForm:
    form = ContactForm({**CUSTOMER, **fields})
    form.is_valid()
    return form


def test_a_bad_phone_says_so_by_its_code():
    form = _contact(phone="12")
    assert _codes(form) == {"phone": ["invalid_phone"]}
    assert form.errors["phone"] == [ContactForm.error_messages["invalid_phone"]]


def test_a_card_number_and_an_invisible_character_say_so_by_their_codes():
    form = _contact(city="4111 1111 1111 1111", state="F\u202el")
    assert _codes(form) == {"city": ["card_number"], "state": ["invisible_character"]}
    assert "(RIGHT-TO-LEFT OVERRIDE)" in form.errors["state"][0]


def test_the_lookup_has_its_own_card_number_message_under_the_same_code():
    form = LookupForm({"q": "4111 1111 1111 1111"})
    assert not form.is_valid()
    assert _codes(form) == {"q": ["card_number"]}
    assert form.errors["q"] == [LookupForm.error_messages["card_number"]]
    assert LookupForm.error_messages["card_number"] != ContactForm.error_messages["card_number"]


def test_metadata_rows_say_reserved_secret_and_duplicate_by_their_codes():
    data = QueryDict(mutable=True)
    rows = [("source", "x"), ("API key", "abc"), ("plan", "gold"), ("Plan", "silver")]
    data.update({"metadata-TOTAL_FORMS": str(len(rows)), "metadata-INITIAL_FORMS": "0"})
    for number, (name, value) in enumerate(rows):
        data.update({f"metadata-{number}-name": name, f"metadata-{number}-value": value})
    formset = MetadataFormSet(data, prefix="metadata")
    assert not formset.is_valid()
    codes = [_codes(form).get("name") for form in formset.forms]
    assert codes == [["reserved"], ["secret"], None, ["duplicate"]]


def test_create_anyway_without_a_reason_says_so_by_its_code(campaign):
    data = QueryDict(mutable=True)
    data.update(create_post(campaign, create_anyway="on", override_reason="ok"))
    form = CustomerCreateForm(data)
    assert form.is_valid()
    assert not form.options.override_confirmed()
    assert _codes(form.options) == {"override_reason": ["reason_required"]}


def test_a_revcent_refusal_placed_beside_its_field_has_a_code(campaign):
    data = QueryDict(mutable=True)
    data.update(create_post(campaign))
    form = CustomerCreateForm(data)
    assert form.is_valid()
    assert form.place_revcent_error("customer.zip is not valid")
    assert _codes(form.customer) == {"zip": ["revcent"]}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("card_number", "1234", "invalid_card_number"),
        ("expiry", "13/30", "invalid_expiry"),
        ("cvc", "12", "invalid_cvc"),
    ],
)
def test_the_sandbox_card_form_says_so_by_its_codes(field, value, code):
    good = {"card_number": "4111 1111 1111 1111", "expiry": "12/30", "cvc": "123"}
    form = HostedCardForm({**good, field: value})
    assert not form.is_valid()
    assert _codes(form) == {field: [code]}


def test_the_two_factor_form_has_a_message_per_code():
    form = TokenForm({"token": "000000"})
    assert form.is_valid()
    form.add_error("token", form.refusal("wrong_code"))
    assert _codes(form) == {"token": ["wrong_code"]}
    assert form.errors["token"] == [TokenForm.error_messages["wrong_code"]]
