"""Duplicate matching: is a customer already in RevCent (or just created here)?

Plain functions over plain data: what the agent typed (Identifiers) against candidate
customers (from SearchCustomers hits, or from this app's own recent creates).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime

import phonenumbers

from customers.contact import PERSON_FIELDS, Contact, normalize_phone
from customers.revcent.contract import REVCENT_ID

STRONG = "strong"
POSSIBLE = "possible"
# The weakest reasons: a name with no ZIP or city on both sides to compare, and a name whose
# place differs (the same person may have moved: shown, never a strong match).
SAME_NAME = "Same name"
MOVED_CITY = "Same name, different city (moved?)"
MOVED_ZIP = "Same name, different ZIP (moved?)"
MOVED = frozenset({MOVED_CITY, MOVED_ZIP})
# The contact fields matching reads: who the person is, and where (ZIP and city tell two
# people of one name apart; the country reads a phone typed without its country code).
# With Identifiers.internal_id, what the create page's duplicate panel searches on.
MATCH_FIELDS: tuple[str, ...] = (*PERSON_FIELDS, "zip", "city", "country")


@dataclass(frozen=True)
class Identifiers(Contact):
    """What the agent has typed so far that can identify a person. The country (alpha-3)
    helps read phone numbers written without a country code."""

    internal_id: str = ""

    def search_terms(self) -> list[str]:
        """What to ask SearchCustomers for, one term per identifier."""
        terms = [self.email.strip(), self.phone.strip(), self.internal_id.strip()]
        if self.first_name.strip() and self.last_name.strip():
            terms.append(f"{self.first_name.strip()} {self.last_name.strip()}")
        return [term for term in terms if term]


@dataclass(frozen=True)
class Candidate(Contact):
    """A customer who may be the one the agent is typing in."""

    customer_id: str = ""
    internal_id: str = ""
    created: datetime | None = None
    # "revcent": a SearchCustomers hit; "recent": created through this app lately.
    source: str = "revcent"
    note: str = ""

    @property
    def openable_id(self) -> str:
        """The RevCent ID, if it is one that can go in a URL (else "": no link to it)."""
        return self.customer_id if REVCENT_ID.match(self.customer_id) else ""

    @property
    def key(self) -> str:
        """One customer, however many searches (and this app's records) found them."""
        return self.customer_id or f"{self.source}:{self.email}:{self.note}"

    @property
    def label(self) -> str:
        """The name with the last four characters of the RevCent ID, "Jane Doe (…0001)", so
        two customers of one name get controls named apart."""
        name = self.name or "(no name)"
        return f"{name} (…{self.customer_id[-4:]})" if self.customer_id else name


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    strength: str
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def strong(self) -> bool:
        return self.strength == STRONG


def normalize_email(value: str) -> str:
    return value.strip().lower()


def email_without_tag(value: str) -> str:
    """alice+shop@example.com -> alice@example.com (plus-addressing reaches one inbox)."""
    local, _, domain = normalize_email(value).partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def phone_key(value: str, country: str = "") -> str:
    """E.164 when the number can be read; otherwise its last ten digits."""
    if not value.strip():
        return ""
    try:
        return normalize_phone(value, country_alpha3=country)
    except ValueError:
        digits = "".join(ch for ch in value if ch.isdigit())
        return digits[-10:]


def normalize_internal_id(value: str) -> str:
    """An internal ID as the matching rules compare it: case and accents folded."""
    return _fold(value)


def identity_keys(ids: Identifiers) -> list[str]:
    """The identifiers that make two customers the same person (a strong match), normalized
    as match_candidate compares them: creates sharing one take turns
    (customers/creating/claims.py)."""
    keys = []
    if ids.email.strip():
        keys.append(f"email:{normalize_email(ids.email)}")
    phone = phone_key(ids.phone, ids.country)
    if phone:
        keys.append(f"phone:{phone}")
    if normalize_internal_id(ids.internal_id):
        keys.append(f"internal:{normalize_internal_id(ids.internal_id)}")
    return keys


def phones_equal(a: str, a_country: str, b: str, b_country: str) -> bool:
    key_a, key_b = phone_key(a, a_country), phone_key(b, b_country)
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    # One side had no country to read it by: compare national numbers.
    try:
        national_a = str(phonenumbers.parse(key_a).national_number) if key_a[0] == "+" else key_a
        national_b = str(phonenumbers.parse(key_b).national_number) if key_b[0] == "+" else key_b
    except phonenumbers.NumberParseException:
        return False
    return len(national_a) >= 7 and national_a == national_b


def _fold(value: str) -> str:
    """Case- and accent-insensitive form: "García " -> "garcia"."""
    decomposed = unicodedata.normalize("NFKD", value.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    # Substitution, insertion, or a swap of two neighbouring letters.
    return (
        a[i + 1 :] == b[i + 1 :]
        or a[i:] == b[i + 1 :]
        or (len(a) == len(b) and a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])
    )


def match_candidate(ids: Identifiers, candidate: Candidate) -> Match | None:
    """Why this candidate may be the person the agent is about to create, if at all."""
    strong: list[str] = []
    possible: list[str] = []
    if ids.email and candidate.email:
        typed, theirs = normalize_email(ids.email), normalize_email(candidate.email)
        if typed == theirs:
            strong.append("Email matches")
        elif email_without_tag(typed) == email_without_tag(theirs):
            possible.append("Email matches apart from a +tag")
        else:
            local_a, _, domain_a = typed.partition("@")
            local_b, _, domain_b = theirs.partition("@")
            if domain_a == domain_b and len(local_a) >= 4 and _one_edit_apart(local_a, local_b):
                possible.append("Email differs by one character")
    if ids.phone and phones_equal(ids.phone, ids.country, candidate.phone, candidate.country):
        strong.append("Phone matches")
    if ids.internal_id and _fold(ids.internal_id) == _fold(candidate.internal_id):
        strong.append("Internal ID matches")
    same_name = (
        ids.first_name
        and ids.last_name
        and _fold(ids.first_name) == _fold(candidate.first_name)
        and _fold(ids.last_name) == _fold(candidate.last_name)
    )
    if same_name:
        possible += _same_name_reasons(ids, candidate)
    if not strong and not possible:
        return None
    return Match(candidate, STRONG if strong else POSSIBLE, tuple(strong + possible))


def _same_name_reasons(ids: Identifiers, candidate: Candidate) -> list[str]:
    """What a shared name says, given the places: a ZIP or city on both sides that agrees
    makes it likelier; one that differs may be someone else of that name, or the same person
    who moved, so it is shown as the weakest kind of match; with nothing to compare (the
    agent has typed only the name, say) the name is shown for what it is."""
    zips = [_fold(value).replace(" ", "") for value in (ids.zip, candidate.zip)]
    cities = [_fold(value) for value in (ids.city, candidate.city)]
    if all(zips) and zips[0] == zips[1]:
        return ["Same name and ZIP"]
    if all(cities):
        return ["Same name and city" if cities[0] == cities[1] else MOVED_CITY]
    if all(zips):
        return [MOVED_ZIP]
    return [SAME_NAME]


def _weakness(match: Match) -> int:
    """0, or 1 for a name alone, or 2 for a name in another place (moved?)."""
    if len(match.reasons) != 1:
        return 0
    return 2 if match.reasons[0] in MOVED else int(match.reasons[0] == SAME_NAME)


def rank(matches: list[Match]) -> list[Match]:
    """Strong first, then the most reasons, then a name alone, then a name in another place
    last, then the newest."""
    return sorted(
        matches,
        key=lambda m: (
            not m.strong,
            -len(m.reasons),
            _weakness(m),
            -(m.candidate.created.timestamp() if m.candidate.created else 0),
        ),
    )


def match_all(ids: Identifiers, candidates: list[Candidate]) -> list[Match]:
    """Match every customer once: several searches, and this app's own records, may return
    the same one. RevCent's copy wins; a local note ("Created here by …") is kept with it."""
    merged: dict[str, Candidate] = {}
    for candidate in candidates:
        key = candidate.key
        first = merged.get(key)
        if first is None:
            merged[key] = candidate
        elif first.source != "revcent" and candidate.source == "revcent":
            merged[key] = replace(candidate, note=candidate.note or first.note)
        elif candidate.note and not first.note:
            merged[key] = replace(first, note=candidate.note)
    matches = [m for m in (match_candidate(ids, c) for c in merged.values()) if m]
    return rank(matches)
