"""Forms that mirror RevCent's CreateCustomer request: `customer`, `bill_to`, metadata.

Every free-text field goes through the card-number guard. A refused card number is
removed from the bound data, so the re-rendered form never shows it again.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
import pycountry
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from customers.cardguard import contains_card_number
from customers.models import Campaign

CARD_NUMBER_MESSAGE = (
    "This looks like a card number. Card details are never entered in Support Desk: "
    "create the customer, then send them a secure card link from their customer page."
)
RESERVED_METADATA = "source"
SOURCE_METADATA = (RESERVED_METADATA, "supportdesk")
# Metadata whose name says it holds a secret (RevCent: "do not store card data, secrets,
# or sensitive authentication values in metadata"). Long words match inside a name; short
# ones only as a whole word, so "company" is not caught by "pan".
_SECRET_SUBSTRINGS = (
    "password",
    "passwd",
    "passcode",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api key",
    "privatekey",
    "private key",
    "cvv",
    "cvc",
    "card",
    "securitycode",
    "security code",
    "credential",
)
_SECRET_WORDS = {"pan", "pin", "cid", "ssn", "pwd", "cv2", "key", "otp"}


@cache
def country_choices() -> list[tuple[str, str]]:
    """Country names shown, ISO 3166-1 alpha-3 codes submitted (what RevCent expects)."""
    countries = sorted(pycountry.countries, key=lambda c: getattr(c, "common_name", c.name))
    return [("", "—")] + [(c.alpha_3, getattr(c, "common_name", c.name)) for c in countries]


def looks_secret(name: str) -> bool:
    lowered = name.lower()
    words = set(re.split(r"[^a-z0-9]+", lowered))
    squashed = re.sub(r"[^a-z0-9 _]", "", lowered)
    return bool(words & _SECRET_WORDS) or any(s in squashed for s in _SECRET_SUBSTRINGS)


def normalize_phone(raw: str, *, country_alpha3: str = "") -> str:
    """E.164 (+13055550100) from what the agent typed; ValueError if it is not a phone."""
    region = settings.PHONE_DEFAULT_REGION
    if country_alpha3:
        country = pycountry.countries.get(alpha_3=country_alpha3)
        region = country.alpha_2 if country else region
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from None
    if not phonenumbers.is_possible_number(number) or len(str(number.national_number)) < 6:
        raise ValueError("not a possible number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class CardGuardMixin:
    """Refuse card numbers in every field, before any other check sees the value.

    The request's data has usually been scrubbed already (CardNumberGuardMiddleware), so a
    view passes the names that were refused in `refused`; data from anywhere else is checked
    here directly. Either way the field is blanked and carries only the card-number message.
    """

    def __init__(self, *args, refused: list[str] | tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.refused_names = set(refused)
        self.card_number_fields: list[str] = []

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        refused = []
        for name in self.fields:
            key = self.add_prefix(name)
            raw = self.data.get(key, "")
            if key in self.refused_names or (isinstance(raw, str) and contains_card_number(raw)):
                refused.append(name)
        if not refused:
            return
        self.data = self.data.copy()  # QueryDicts are immutable
        for name in refused:
            self.data[self.add_prefix(name)] = ""
            self.cleaned_data.pop(name, None)
            # Replace whatever else was said about the field: the only message is this one.
            self._errors[name] = self.error_class(
                [ValidationError(CARD_NUMBER_MESSAGE, code="card_number")]
            )
        self.card_number_fields = refused


def _text(label: str, max_length: int, *, required: bool = False, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
    )


class ContactForm(CardGuardMixin, forms.Form):
    """The fields RevCent's `customer` and `bill_to` objects share."""

    first_name = _text("First name", 100, required=True)
    last_name = _text("Last name", 100, required=True)
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": "Enter a valid email address, like name@example.com."},
    )
    phone = _text("Phone", 40, type="tel")
    company = _text("Company", 255)
    address_line_1 = _text("Address line 1", 255)
    address_line_2 = _text("Address line 2", 255)
    city = _text("City", 100)
    state = _text("State", 100)
    zip = _text("ZIP", 20)
    country = forms.ChoiceField(label="Country", required=False, choices=country_choices)

    def clean(self) -> dict:
        data = super().clean()
        phone = data.get("phone")
        if phone:
            try:
                data["phone"] = normalize_phone(phone, country_alpha3=data.get("country", ""))
            except ValueError:
                self.add_error(
                    "phone",
                    ValidationError(
                        "Enter a valid phone number, with the country code if it is not in "
                        "the selected country, e.g. +1 305 555 0100.",
                        code="invalid_phone",
                    ),
                )
        return data

    def payload(self) -> dict[str, str]:
        """Only the filled fields, as RevCent's object wants them."""
        return {name: value for name, value in self.cleaned_data.items() if value}


class CreateOptionsForm(CardGuardMixin, forms.Form):
    campaign = forms.ModelChoiceField(
        label="Campaign",
        queryset=Campaign.objects.filter(active=True),
        empty_label=None,
    )
    billing_differs = forms.BooleanField(label="Billing details differ", required=False)
    internal_customer_id = _text(
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

    def override_confirmed(self) -> bool:
        """Did the agent tick "Create anyway" and say why? Adds the field error if not."""
        if not self.cleaned_data.get("create_anyway"):
            return False
        if len(self.cleaned_data.get("override_reason", "").strip()) >= 10:
            return True
        self.add_error(
            "override_reason",
            ValidationError(
                "Say in a sentence why this is a different customer (10+ characters).",
                code="reason_required",
            ),
        )
        return False


class MetadataForm(CardGuardMixin, forms.Form):
    name = _text("Name", 100, required=True)
    value = _text("Value", 255, required=True)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name.lower() == RESERVED_METADATA:
            raise ValidationError(
                "“source” is set by Support Desk itself; choose another name.", code="reserved"
            )
        if looks_secret(name):
            raise ValidationError(
                "Metadata must not hold passwords, card data, tokens or other secrets.",
                code="secret",
            )
        return name


class BaseMetadataFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            name = (form.cleaned_data or {}).get("name", "")
            if not name:
                continue
            if name.lower() in seen:
                form.add_error(
                    "name", ValidationError("Each name may be used once.", code="duplicate")
                )
            seen.add(name.lower())

    def pairs(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["name"], form.cleaned_data["value"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


MetadataFormSet = forms.formset_factory(
    MetadataForm, formset=BaseMetadataFormSet, extra=0, max_num=20, validate_max=True
)


class CustomerGroupsForm(forms.Form):
    """Pick enabled groups the customer is not in yet; only those IDs are accepted."""

    groups = forms.MultipleChoiceField(
        label="Customer groups",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one group."},
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = choices
