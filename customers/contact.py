"""A customer's contact details: the one list of fields, and the rules about their values.

RevCent's `customer` and `bill_to` objects share these fields (the CreateCustomer guide).
The RevCent contract, the client's results, the forms, the duplicate matching and the
sandbox all take their field lists from `Contact` below, so a field is added in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

import phonenumbers
import pycountry
from django.conf import settings


def _spec(
    label: str,
    max_length: int = 255,
    *,
    required: bool = False,
    kind: str = "text",
    person: bool = False,
) -> Any:
    """A contact field: its label and limits for the forms. `kind` picks the form widget;
    `person` marks the fields that say who someone is, as opposed to where they are."""
    return field(
        default="",
        metadata={
            "label": label,
            "max_length": max_length,
            "required": required,
            "kind": kind,
            "person": person,
        },
    )


@dataclass(frozen=True)
class Contact:
    """The name, e-mail, phone and address fields of `customer`, `bill_to` and search hits."""

    first_name: str = _spec("First name", 100, required=True, person=True)
    last_name: str = _spec("Last name", 100, required=True, person=True)
    email: str = _spec("Email", 254, required=True, kind="email", person=True)
    phone: str = _spec("Phone", 40, kind="tel", person=True)
    company: str = _spec("Company")
    address_line_1: str = _spec("Address line 1")
    address_line_2: str = _spec("Address line 2")
    city: str = _spec("City", 100)
    state: str = _spec("State", 100)
    zip: str = _spec("ZIP", 20)
    # ISO 3166-1 alpha-3, as RevCent wants it ("USA").
    country: str = _spec("Country", 3, kind="country")

    @classmethod
    def parse(cls, data: Any) -> Contact:
        """From a RevCent object or a payload: known keys only, as trimmed text."""
        data = data if isinstance(data, dict) else {}
        return cls(
            **{
                name: "" if data.get(name) is None else str(data[name]).strip()
                for name in CONTACT_FIELDS
            }
        )

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def filled(self) -> dict[str, str]:
        """Only the fields with a value, as RevCent's objects want them."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS if getattr(self, name)}

    @property
    def phone_formatted(self) -> str:
        return field_display("phone", self.phone)

    @property
    def address(self) -> str:
        """The postal address on one line, without empty parts: "1 Main St, Miami FL, United
        States"."""
        place = " ".join(part for part in (self.city, self.state, self.zip) if part)
        parts = (self.address_line_1, self.address_line_2, place, country_name(self.country))
        return ", ".join(part for part in parts if part)

    def labelled(self) -> list[tuple[str, str]]:
        """The filled fields as (label, value) for people to read; the phone formatted."""
        return [(LABELS[name], field_display(name, value)) for name, value in self.filled().items()]


CONTACT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Contact))
CONTACT_SPECS = {f.name: f.metadata for f in fields(Contact)}
LABELS: dict[str, str] = {name: spec["label"] for name, spec in CONTACT_SPECS.items()}
# Who someone is (name, e-mail, phone); the rest (company, address) says where they are.
PERSON_FIELDS: tuple[str, ...] = tuple(n for n in CONTACT_FIELDS if CONTACT_SPECS[n]["person"])


# --- Rules about the values ---------------------------------------------------------------------
@cache
def country_choices() -> list[tuple[str, str]]:
    """Country names shown, ISO 3166-1 alpha-3 codes submitted (what RevCent expects)."""
    countries = sorted(pycountry.countries, key=lambda c: getattr(c, "common_name", c.name))
    return [("", "—")] + [(c.alpha_3, getattr(c, "common_name", c.name)) for c in countries]


# "00", what most of the world dials before a country code, then the number (separators and
# an opening bracket allowed around it: "(0034) 912…", "00 34 912…").
_DOUBLE_ZERO = re.compile(r"[\s(]*00[\s.\-)]*([1-9].*)", re.DOTALL)


def normalize_phone(raw: str, *, country_alpha3: str = "") -> str:
    """E.164 (+13055550100) from what the agent typed; ValueError if it is not a phone.

    A number in international form ("+34 912 345 678") is read whatever the country; so is
    one typed with "00" for the "+" ("0034 912 345 678", as most of the world dials abroad)
    when it cannot be read as a number of the form's country or PHONE_DEFAULT_REGION, which
    is how it is typed before a country is picked.
    """
    region = settings.PHONE_DEFAULT_REGION
    if country_alpha3:
        country = pycountry.countries.get(alpha_3=country_alpha3)
        region = country.alpha_2 if country else region
    try:
        return _e164(raw, region)
    except ValueError:
        international = _double_zero_as_plus(raw)
        if international is None:
            raise
        return _e164(international, region)


def _e164(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from None
    if not phonenumbers.is_possible_number(number) or len(str(number.national_number)) < 6:
        raise ValueError("not a possible number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _double_zero_as_plus(raw: str) -> str | None:
    """ "0034 912…" or "00 34 912…" as "+34 912…"; None if raw does not start with "00"
    and then a country code (which never starts with 0)."""
    found = _DOUBLE_ZERO.match(raw)
    return f"+{found.group(1)}" if found else None


def phone_display(value: str) -> str:
    """A stored phone (E.164) as people read it: "+1 212-555-0188". Anything that is not a
    phone number is shown as it is."""
    try:
        number = phonenumbers.parse(value, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def country_name(code: str) -> str:
    """A country as people read it ("United States" for "USA", as the form's list names it);
    a code that is not ISO 3166-1 alpha-3 is shown as it is."""
    return _country_names().get(code.strip().upper(), code) if code else ""


@cache
def _country_names() -> dict[str, str]:
    return dict(country_choices())


def field_display(name: str, value: str) -> str:
    """A contact field's value for display (the data keeps its stored form): the phone as
    people write it, the country by its name."""
    if name == "phone" and value:
        return phone_display(value)
    if name == "country":
        return country_name(value)
    return value


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


def looks_secret(name: str) -> bool:
    """Whether a metadata name says its value is a secret."""
    lowered = name.lower()
    words = set(re.split(r"[^a-z0-9]+", lowered))
    squashed = re.sub(r"[^a-z0-9 _]", "", lowered)
    return bool(words & _SECRET_WORDS) or any(s in squashed for s in _SECRET_SUBSTRINGS)
