"""Duplicate matching (customers/matching.py): plain functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.matching import (
    POSSIBLE,
    STRONG,
    Candidate,
    Identifiers,
    Match,
    _one_edit_apart,
    email_without_tag,
    match_all,
    match_candidate,
    normalize_email,
    phone_key,
    rank,
)
from tests.hypothesis_profiles import examples
from tests.seeded import JANE as JANE_ID
from tests.seeded import JANE_TWO

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def reasons(ids: Identifiers, candidate: Candidate) -> tuple[str, ...]:
    match = match_candidate(ids, candidate)
    return match.reasons if match else ()


# --- Normalising ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane@Example.COM", "jane@example.com"),
        ("  jane@example.com \n", "jane@example.com"),
        ("", ""),
    ],
)
def test_normalize_email_trims_and_lowercases(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice+shop@example.com", "alice@example.com"),
        ("Alice+Shop+More@Example.com", "alice@example.com"),
        ("alice@example.com", "alice@example.com"),
        ("alice@plus+domain.example", "alice@plus+domain.example"),
    ],
)
def test_email_without_tag_drops_the_plus_tag_only(raw, expected):
    assert email_without_tag(raw) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("(555) 555-5555", "", "+15555555555"),
        ("+1 305 555 0100", "", "+13055550100"),
        ("3055550100", "", "+13055550100"),
        ("020 7946 0958", "GBR", "+442079460958"),
        ("912 345 678", "ESP", "+34912345678"),
        ("+34 912 345 678", "USA", "+34912345678"),  # an explicit country code wins
        # "00" for "+", as typed before a country is picked (or with another country's).
        ("0034 912 345 678", "", "+34912345678"),
        ("00 34 912 345 678", "", "+34912345678"),
        ("(0034) 912-345-678", "", "+34912345678"),
        ("0034912345678", "USA", "+34912345678"),
        ("0034 912 345 678", "ESP", "+34912345678"),
        ("0044 20 7946 0958", "", "+442079460958"),
    ],
)
def test_phone_key_is_e164_when_the_number_can_be_read(raw, country, expected):
    assert phone_key(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", "12"),
        ("020 7946 0958", "2079460958"),  # not a US number: its last ten digits
        ("0044 1234 5678 9012 3456", "7890123456"),
        ("abc", ""),
        ("", ""),
        ("   ", ""),
    ],
)
def test_phone_key_falls_back_to_the_last_ten_digits(raw, expected):
    assert phone_key(raw) == expected


# --- One candidate --------------------------------------------------------------------------
JANE = Candidate(
    customer_id=JANE_ID,
    first_name="Jane",
    last_name="Doe",
    email="jane@example.com",
    phone="555-555-5555",
    city="Miami",
    state="FL",
    zip="33101",
    country="USA",
)


def test_it_matches_an_email_whatever_its_case():
    match = match_candidate(Identifiers(email="JANE@EXAMPLE.COM"), JANE)
    assert match is not None
    assert match.strength == STRONG and match.strong
    assert match.reasons == ("Email matches",)


@pytest.mark.parametrize(
    ("typed", "theirs", "country"),
    [
        ("(555) 555-5555", "555-555-5555", ""),
        ("+1 305 555 0100", "3055550100", ""),
        ("+13055550100", "305-555-0100", "USA"),
        ("+44 20 7946 0958", "020 7946 0958", "GBR"),
    ],
)
def test_it_matches_a_phone_written_another_way(typed, theirs, country):
    candidate = Candidate(customer_id="C1", phone=theirs, country=country)
    match = match_candidate(Identifiers(phone=typed), candidate)
    assert match is not None and match.strong
    assert match.reasons == ("Phone matches",)


@pytest.mark.parametrize("typed", ["0034 912 345 678", "+34 912 345 678", "0034-912-345-678"])
@pytest.mark.parametrize(("theirs", "country"), [("+34 912 345 678", ""), ("912 345 678", "ESP")])
def test_a_phone_typed_in_international_form_before_a_country_matches(typed, theirs, country):
    candidate = Candidate(customer_id="C1", phone=theirs, country=country)
    assert reasons(Identifiers(phone=typed), candidate) == ("Phone matches",)
    assert reasons(Identifiers(phone=typed), JANE) == ()


def test_a_phone_read_without_its_country_matches_by_national_number():
    # The agent typed a Spanish number with no country chosen; RevCent knows it is Spain.
    candidate = Candidate(customer_id="C1", phone="+34 912 345 678", country="ESP")
    assert reasons(Identifiers(phone="912 345 678"), candidate) == ("Phone matches",)


def test_short_national_numbers_do_not_match():
    candidate = Candidate(customer_id="C1", phone="+34 912", country="ESP")
    assert match_candidate(Identifiers(phone="+1 912"), candidate) is None


def test_it_matches_an_internal_id_whatever_its_case():
    candidate = Candidate(customer_id="C1", internal_id="CRM-1001")
    match = match_candidate(Identifiers(internal_id="crm-1001"), candidate)
    assert match is not None and match.strong
    assert match.reasons == ("Internal ID matches",)


def test_an_empty_internal_id_matches_nothing():
    assert match_candidate(Identifiers(internal_id=""), Candidate(customer_id="C1")) is None


def test_same_name_and_zip_is_only_possible():
    ids = Identifiers(first_name="jane", last_name="DOE", zip="331 01")
    match = match_candidate(ids, JANE)
    assert match is not None
    assert match.strength == POSSIBLE and not match.strong
    assert match.reasons == ("Same name and ZIP",)


def test_same_name_and_city_ignores_accents_and_case():
    maria = Candidate(customer_id="C3", first_name="María", last_name="García", city="Madrid")
    match = match_candidate(
        Identifiers(first_name="Maria", last_name="Garcia", city=" madrid "), maria
    )
    assert match is not None and match.strength == POSSIBLE
    assert match.reasons == ("Same name and city",)


@pytest.mark.parametrize(
    ("place", "reason"),
    [
        ({"zip": "10004", "city": "New York"}, "Same name, different city (moved?)"),
        ({"city": "New York"}, "Same name, different city (moved?)"),  # no ZIP typed
        ({"zip": "10004"}, "Same name, different ZIP (moved?)"),  # no city typed
        ({"zip": "10004", "city": "Sevilla"}, "Same name, different city (moved?)"),
    ],
)
def test_a_same_name_elsewhere_is_a_possible_match_that_may_have_moved(place, reason):
    # Someone else of the same name, or the same person at a new address: shown, weakly.
    match = match_candidate(Identifiers(first_name="Jane", last_name="Doe", **place), JANE)
    assert match is not None and match.strength == POSSIBLE and not match.strong
    assert match.reasons == (reason,)


def test_a_strong_match_that_moved_says_so_and_stays_strong():
    ids = Identifiers(first_name="Jane", last_name="Doe", phone="555 555 5555", city="Tampa")
    match = match_candidate(ids, JANE)
    assert match is not None and match.strong
    assert match.reasons == ("Phone matches", "Same name, different city (moved?)")


def test_another_name_in_another_city_is_no_match():
    assert (
        match_candidate(Identifiers(first_name="Jan", last_name="Doe", city="Tampa"), JANE) is None
    )


def test_a_name_alone_is_a_possible_match():
    # With no ZIP or city typed there is nothing to tell two Jane Does apart: show the name.
    match = match_candidate(Identifiers(first_name="jane", last_name="DOE"), JANE)
    assert match is not None
    assert match.strength == POSSIBLE and not match.strong
    assert match.reasons == ("Same name",)


def test_a_same_name_without_a_place_on_their_side_is_a_possible_match():
    nowhere = Candidate(customer_id="C8", first_name="Jane", last_name="Doe")
    ids = Identifiers(first_name="Jane", last_name="Doe", zip="10004", city="New York")
    assert reasons(ids, nowhere) == ("Same name",)


def test_a_same_city_counts_even_when_the_zip_differs():
    ids = Identifiers(first_name="Jane", last_name="Doe", zip="33130", city="miami")
    assert reasons(ids, JANE) == ("Same name and city",)


def test_an_email_one_character_off_and_the_same_name_give_two_reasons():
    jane_two = Candidate(
        customer_id=JANE_TWO,
        first_name="Jane",
        last_name="Doe",
        email="jdoe@example.org",
    )
    ids = Identifiers(first_name="Jane", last_name="Doe", email="jdoa@example.org")
    assert reasons(ids, jane_two) == ("Email differs by one character", "Same name")


def test_an_email_apart_from_a_plus_tag_is_only_possible():
    alice = Candidate(customer_id="C4", email="alice+shop@example.com")
    match = match_candidate(Identifiers(email="Alice@example.com"), alice)
    assert match is not None and match.strength == POSSIBLE
    assert match.reasons == ("Email matches apart from a +tag",)


@pytest.mark.parametrize(
    ("typed", "theirs"),
    [
        ("jdoe@example.org", "jdoa@example.org"),  # substitution
        ("jdoe@example.org", "jdoee@example.org"),  # insertion
        ("jdoee@example.org", "jdoe@example.org"),  # deletion
        ("jdoe@example.org", "djoe@example.org"),  # neighbours swapped
    ],
)
def test_an_email_one_character_off_is_only_possible(typed, theirs):
    match = match_candidate(Identifiers(email=typed), Candidate(customer_id="C7", email=theirs))
    assert match is not None and match.strength == POSSIBLE
    assert match.reasons == ("Email differs by one character",)


@pytest.mark.parametrize(
    ("typed", "theirs"),
    [
        ("jdoe@example.org", "jdoe@example.com"),  # another domain
        ("jdo@example.org", "jdx@example.org"),  # too short to judge
        ("jdoe@example.org", "jxye@example.org"),  # two characters off
    ],
)
def test_other_emails_do_not_match(typed, theirs):
    assert (
        match_candidate(Identifiers(email=typed), Candidate(customer_id="C", email=theirs)) is None
    )


def test_strangers_do_not_match():
    ids = Identifiers(
        email="bob@example.net",
        phone="+1 212 555 0147",
        internal_id="CRM-9",
        first_name="Bob",
        last_name="Stone",
        zip="10004",
        city="New York",
    )
    assert match_candidate(ids, JANE) is None


def test_every_reason_is_listed_strong_ones_first():
    ids = Identifiers(
        email="jane+x@example.com",
        phone="(555) 555-5555",
        first_name="Jane",
        last_name="Doe",
        zip="33101",
    )
    match = match_candidate(ids, JANE)
    assert match is not None and match.strong
    assert match.reasons == (
        "Phone matches",
        "Email matches apart from a +tag",
        "Same name and ZIP",
    )


# --- Ranking and merging ----------------------------------------------------------------------
def _match(customer_id: str, strength: str, n_reasons: int, days_ago: float | None) -> Match:
    created = None if days_ago is None else NOW - timedelta(days=days_ago)
    candidate = Candidate(customer_id=customer_id, created=created)
    return Match(candidate, strength, tuple(f"r{i}" for i in range(n_reasons)))


def test_rank_puts_strong_first_then_most_reasons_then_newest():
    matches = [
        _match("possible-3-reasons", POSSIBLE, 3, 1),
        _match("strong-1-old", STRONG, 1, 100),
        _match("strong-1-new", STRONG, 1, 1),
        _match("strong-2-old", STRONG, 2, 200),
        _match("strong-1-undated", STRONG, 1, None),
        _match("possible-1", POSSIBLE, 1, 0),
    ]
    assert [m.candidate.customer_id for m in rank(matches)] == [
        "strong-2-old",
        "strong-1-new",
        "strong-1-old",
        "strong-1-undated",
        "possible-3-reasons",
        "possible-1",
    ]


def test_rank_puts_a_name_alone_after_other_possible_matches():
    name_only = Match(Candidate(customer_id="NAME", created=NOW), POSSIBLE, ("Same name",))
    tagged = Match(
        Candidate(customer_id="TAG", created=NOW - timedelta(days=9)),
        POSSIBLE,
        ("Email matches apart from a +tag",),
    )
    strong = Match(Candidate(customer_id="EMAIL"), STRONG, ("Email matches",))
    ranked = rank([name_only, tagged, strong])
    assert [m.candidate.customer_id for m in ranked] == ["EMAIL", "TAG", "NAME"]


def test_rank_puts_a_name_in_another_place_after_a_name_alone():
    moved = Match(
        Candidate(customer_id="MOVED", created=NOW),
        POSSIBLE,
        ("Same name, different city (moved?)",),
    )
    name_only = Match(
        Candidate(customer_id="NAME", created=NOW - timedelta(days=9)), POSSIBLE, ("Same name",)
    )
    same_city = Match(Candidate(customer_id="CITY"), POSSIBLE, ("Same name and city",))
    ranked = rank([moved, name_only, same_city])
    assert [m.candidate.customer_id for m in ranked] == ["CITY", "NAME", "MOVED"]


def test_rank_of_nothing_is_nothing():
    assert rank([]) == []


def test_match_all_merges_one_customer_found_by_two_searches_and_keeps_the_local_note():
    by_email = Candidate(customer_id="C1", first_name="Jane", email="jane@example.com")
    by_phone = Candidate(customer_id="C1", first_name="Jane", email="jane@example.com")
    local = Candidate(
        customer_id="C1",
        first_name="Jane (local)",
        email="jane@example.com",
        source="recent",
        note="Created here by alice",
    )
    matches = match_all(Identifiers(email="jane@example.com"), [by_email, by_phone, local])
    assert len(matches) == 1
    kept = matches[0].candidate
    assert kept.note == "Created here by alice"
    assert kept.source == "revcent" and kept.first_name == "Jane"


def test_match_all_keeps_local_attempts_without_a_customer_id_apart():
    failed = Candidate(
        customer_id="", email="jane@example.com", source="recent", note="Attempt by alice: Failed"
    )
    unknown = Candidate(
        customer_id="", email="jane@example.com", source="recent", note="Attempt by bob: Unknown"
    )
    revcent = Candidate(customer_id="C1", email="jane@example.com")
    matches = match_all(Identifiers(email="jane@example.com"), [revcent, failed, unknown])
    assert len(matches) == 3


def test_match_all_drops_candidates_that_do_not_match_and_ranks_the_rest():
    old = Candidate(customer_id="OLD", email="jane@example.com", created=NOW - timedelta(days=9))
    new = Candidate(customer_id="NEW", email="jane@example.com", created=NOW)
    tagged = Candidate(customer_id="TAG", email="jane+x@example.com", created=NOW)
    stranger = Candidate(customer_id="BOB", email="bob@example.com", created=NOW)
    matches = match_all(Identifiers(email="jane@example.com"), [tagged, old, stranger, new])
    assert [m.candidate.customer_id for m in matches] == ["NEW", "OLD", "TAG"]


def test_match_all_prefers_revcents_copy_whatever_the_order():
    revcent = Candidate(customer_id="C1", first_name="Jane", email="jane@example.com")
    local = Candidate(
        customer_id="C1",
        first_name="Jane (local)",
        email="jane@example.com",
        source="recent",
        note="Created here by alice",
    )
    [match] = match_all(Identifiers(email="jane@example.com"), [local, revcent])
    assert match.candidate.source == "revcent"
    assert match.candidate.note == "Created here by alice"


def test_search_terms_name_every_identifier_once():
    ids = Identifiers(email=" a@b.co ", phone="", internal_id="X1", first_name="Ana", last_name="")
    assert ids.search_terms() == ["a@b.co", "X1"]
    full = Identifiers(email="a@b.co", phone="+13055550100", first_name=" Ana ", last_name="Diaz")
    assert full.search_terms() == ["a@b.co", "+13055550100", "Ana Diaz"]


# --- One edit apart, against a reference ------------------------------------------------------
def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@settings(max_examples=examples(300))
@given(st.text(alphabet="abc", max_size=6), st.text(alphabet="abc", max_size=6))
def test_one_edit_apart_agrees_with_a_reference_distance(a, b):
    assert _one_edit_apart(a, b) is (_osa_distance(a, b) == 1)
