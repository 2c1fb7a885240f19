"""Forms that mirror RevCent's CreateCustomer request: `customer`, `bill_to`, metadata.

Every free-text field goes through the card-number guard. A refused card number is
removed from the bound data, so the re-rendered form never shows it again.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.safestring import SafeString

from customers.cardguard.guard import card_number_fields
from customers.contact import (
    CONTACT_FIELDS,
    CONTACT_SPECS,
    PERSON_FIELDS,
    country_choices,
    normalize_phone,
)
from customers.forms.campaign import CampaignField
from customers.forms.html import OnePassSelect, field_rows, options_html, with_chosen
from customers.models import Campaign
from customers.revcent.contract import ContactBody

CARD_NUMBER_MESSAGE = (
    "This looks like a card number. Card details are never entered in Support Desk: "
    "create the customer, then send them a secure card link from their customer page."
)
INVISIBLE_MESSAGE = (
    "This contains an invisible control character (%(name)s), perhaps from a copy and paste. "
    "It was removed: check the value and submit again."
)
# NUL (PostgreSQL cannot store it in text) and the bidirectional embeddings, overrides and
# isolates, which make a value display as something else ("Test\u202egnp.exe" reads
# "Testexe.png"). Right-to-left text itself needs none of them.
INVISIBLE = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
RESERVED_METADATA = "source"
OVERRIDE_REASON_MIN = 10  # characters: a sentence, not "ok"
SOURCE_METADATA = (RESERVED_METADATA, "supportdesk")


class CardGuardForm(forms.Form):
    """A form that refuses card numbers in every field, before any other check sees them.

    The request's data has usually been scrubbed already (CardNumberGuardMiddleware), so a
    view passes the names it refused as `refused_card_fields`; data from anywhere else is
    checked here directly, each field alone and the form's own pairs joined (first and last
    name, address lines, a metadata row's name and value: customers/cardguard/pairs.py). Either
    way the field is blanked and carries only the card-number message, and after cleaning
    `refused_card_fields` names this form's refused fields.
    The whole field is emptied, not only the digits: text around a pasted card number is
    often its expiry date and security code.
    """

    error_messages = {
        "card_number": CARD_NUMBER_MESSAGE,
        "invisible_character": INVISIBLE_MESSAGE,
    }

    def __init__(
        self,
        *args: Any,
        refused_card_fields: list[str] | tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._refused_by_request = set(refused_card_fields)
        self.refused_card_fields: list[str] = []

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        self._refuse_invisible()
        keys = {self.add_prefix(name): name for name in self.fields}
        own = {key: [raw] for key in keys if isinstance(raw := self.data.get(key, ""), str)}
        found = {*card_number_fields(own), *self._refused_by_request}
        refused = [name for key, name in keys.items() if key in found]
        if not refused:
            return
        self._show_again({self.add_prefix(name): "" for name in refused})
        for name in refused:
            error = ValidationError(self.error_messages["card_number"], code="card_number")
            self._refuse_field(name, error)
        self.refused_card_fields = refused

    def _refuse_invisible(self) -> None:
        """An invisible control character (INVISIBLE: pasted from another program, or sent
        on purpose) is refused next to its field, whatever kind of field: no one means to
        type one. The field is shown again without it."""
        keys = {self.add_prefix(name): name for name in self.fields}
        found = {
            key: match
            for key in keys
            if (match := INVISIBLE.search(str(self.data.get(key, "")))) is not None
        }
        if not found:
            return
        self._show_again({key: INVISIBLE.sub("", str(self.data.get(key, ""))) for key in found})
        for key, match in found.items():
            name = "NUL" if match.group() == "\x00" else unicodedata.name(match.group())
            error = ValidationError(
                self.error_messages["invisible_character"],
                code="invisible_character",
                params={"name": name},
            )
            self._refuse_field(keys[key], error)

    def _show_again(self, values: dict[str, str]) -> None:
        """The page shows these values (by prefixed name) instead of what was sent. A
        QueryDict is immutable: the data is changed in a copy."""
        data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        for key, value in values.items():
            data[key] = value  # not update(): a QueryDict's would add a value, not replace it
        self.data = data

    def _refuse_field(self, name: str, error: ValidationError) -> None:
        # Replace whatever else was said about the field: the only message is this one.
        self.cleaned_data.pop(name, None)
        self.errors[name] = self.error_class([error])


def text_field(
    label: str, max_length: int, *, required: bool = False, **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
    )


@cache
def _country_options() -> str:
    """Every country as an <option>, rendered once per process: 250 options through the
    template engine cost tens of milliseconds on every form, and they never change."""
    return options_html(country_choices(), chosen=None)  # options_for() marks the chosen one


class CountrySelect(OnePassSelect):
    """A select of the ISO countries whose options are rendered once, not per request."""

    def options_for(self, chosen: str) -> str:
        return with_chosen(_country_options(), chosen)


def _contact_field(name: str) -> forms.Field:
    """The form field for one contact field, from its spec in customers/contact.py."""
    spec = CONTACT_SPECS[name]
    if spec["kind"] == "email":
        return forms.EmailField(
            label=spec["label"],
            max_length=spec["max_length"],
            widget=forms.EmailInput(attrs={"autocomplete": "off"}),
            error_messages={"invalid": "Enter a valid email address, like name@example.com."},
        )
    if spec["kind"] == "country":
        return forms.ChoiceField(
            label=spec["label"], required=False, choices=country_choices, widget=CountrySelect
        )
    # Names and addresses may be typed right-to-left (Arabic, Hebrew): dir="auto" lets the
    # browser align each as written. Phone numbers read left to right everywhere.
    attrs = {"type": "tel"} if spec["kind"] == "tel" else {"dir": "auto"}
    return text_field(spec["label"], spec["max_length"], required=spec["required"], **attrs)


class ContactForm(CardGuardForm):
    """The fields RevCent's `customer` and `bill_to` objects share (customers/contact.py)."""

    error_messages = {
        **CardGuardForm.error_messages,
        "invalid_phone": (
            "Enter a valid phone number, with the country code if it is not in the selected "
            "country, e.g. +1 305 555 0100."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Fields from the one contact field list, in its order (Django's way for a form
        # whose fields come from data).
        for name in CONTACT_FIELDS:
            self.fields[name] = _contact_field(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phone = data.get("phone")
        if phone:
            try:
                data["phone"] = normalize_phone(phone, country_alpha3=data.get("country", ""))
            except ValueError:
                self.add_error(
                    "phone",
                    ValidationError(self.error_messages["invalid_phone"], code="invalid_phone"),
                )
        return data

    def person_rows(self) -> SafeString:
        """Name, e-mail and phone: the create page shows the duplicate panel after them."""
        return field_rows(self, PERSON_FIELDS)

    def address_rows(self) -> SafeString:
        return field_rows(self, tuple(name for name in CONTACT_FIELDS if name not in PERSON_FIELDS))

    def all_rows(self) -> SafeString:
        return field_rows(self, CONTACT_FIELDS)

    def payload(self) -> ContactBody:
        """Only the filled fields, as RevCent's object wants them."""
        # The form's fields are CONTACT_FIELDS, which a test ties to ContactBody's keys.
        return cast(
            ContactBody, {name: value for name, value in self.cleaned_data.items() if value}
        )


class CreateOptionsForm(CardGuardForm):
    error_messages = {
        **CardGuardForm.error_messages,
        "reason_required": (
            f"Say in a sentence why this is a different customer ({OVERRIDE_REASON_MIN}+ "
            "characters)."
        ),
    }

    campaign = CampaignField(
        label="Campaign",
        queryset=Campaign.objects.filter(active=True),
        empty_label=None,
        error_messages={
            "invalid_choice": "This campaign is no longer offered (an admin changed the list "
            "since the page was opened): choose one of those shown.",
        },
    )
    billing_differs = forms.BooleanField(label="Billing details differ", required=False)
    internal_customer_id = text_field(
        "Internal customer ID", 255, placeholder="Your own system's ID (optional)"
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    create_anyway = forms.BooleanField(label="Create anyway", required=False)
    override_reason = forms.CharField(
        label="Why is this not a duplicate?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def override_reason_given(self) -> str:
        """The reason for "Create anyway", if the agent ticked it and said why; else ""."""
        reason = self.cleaned_data.get("override_reason", "").strip()
        ticked = self.cleaned_data.get("create_anyway")
        return reason if ticked and len(reason) >= OVERRIDE_REASON_MIN else ""

    def override_confirmed(self) -> bool:
        """Did the agent tick "Create anyway" and say why? Adds the field error if not."""
        if not self.cleaned_data.get("create_anyway"):
            return False
        if self.override_reason_given():
            return True
        self.add_error(
            "override_reason",
            ValidationError(self.error_messages["reason_required"], code="reason_required"),
        )
        return False
