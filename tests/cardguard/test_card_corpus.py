"""The card guard measured on corpora: every card format found, and few real non-card values
taken for cards. The rate is printed (pytest -s, or the report's captured output)."""

from __future__ import annotations

import random

import pytest

from customers.cardguard.guard import REDACTED, contains_card_number, redact_card_numbers
from customers.cardguard.text import read_text
from tests.cardguard.corpus.cards import FORMATS, PANS, SEPARATORS, grouped, luhn_complete
from tests.cardguard.corpus.noncards import NON_CARDS, gs1_complete
from tests.cardguard.test_card_number_sweep import _holds, _plain_digits

FALSE_POSITIVES_MAX = 0.01


def test_the_corpora_are_as_large_as_promised():
    assert len(FORMATS) >= 120
    assert sum(len(values) for values in NON_CARDS.values()) >= 500
    assert all(len(values) >= 40 for values in NON_CARDS.values())


def test_no_card_format_is_missed():
    missed = [what for what, text, _ in FORMATS if not contains_card_number(text)]
    print(f"card guard misses: {len(missed)}/{len(FORMATS)}")
    assert missed == []


@pytest.mark.parametrize(
    ("text", "pan"), [(t, p) for _, t, p in FORMATS], ids=[w for w, _, _ in FORMATS]
)
def test_redaction_removes_exactly_the_card_number(text, pan):
    redacted = redact_card_numbers(text)
    assert REDACTED in redacted
    assert not _holds(redacted, pan)
    # No digit of the card is left, however it was written ("%34", "&#52;", "l" for 1).
    assert _digits_read(redacted) <= _digits_read(text) - len(pan)
    # The words around it are kept ("exp 12/30", "Name: Ana Diaz"), but for look-alikes
    # that stood for the card's digits ("4III llll …").
    words = [
        word
        for word in text.split()
        if word.isalpha() and word.isascii() and not set(word) <= set("lIOo")
    ]
    assert all(word in redacted for word in words)


def _digits_read(text: str) -> int:
    """How many digits the scanner reads in text (decoded, look-alikes and "|" as digits)."""
    return sum(char.isdigit() for char in read_text(text).with_pipes_as_ones().text)


def test_the_false_positive_rate_on_real_values_is_at_most_one_percent():
    total, taken, lines = 0, [], []
    for kind, values in NON_CARDS.items():
        wrong = [value for value in values if contains_card_number(value)]
        total += len(values)
        taken += wrong
        lines.append(f"  {kind}: {len(wrong)}/{len(values)} {wrong[:3]}")
    rate = len(taken) / total
    others = total - len(NON_CARDS["phones"])
    taken_others = sum(1 for value in taken if value not in NON_CARDS["phones"])
    print(
        f"card guard false positives: {len(taken)}/{total} = {rate:.2%}",
        f"  without phones: {taken_others}/{others} = {taken_others / others:.2%}",
        *lines,
        sep="\n",
    )
    assert rate <= FALSE_POSITIVES_MAX
    # Phones are most of the corpus and none is taken: the rest must hold the line alone.
    assert taken_others / others <= FALSE_POSITIVES_MAX


def test_an_internal_id_of_zeros_and_a_luhn_valid_tail_passes():
    assert not contains_card_number("ERP0000000000000042A")
    assert redact_card_numbers("ERP0000000000000042A") == "ERP0000000000000042A"


def test_random_cards_of_every_scheme_in_random_shapes_are_all_found():
    """Not only the corpus: cards built on each scheme's prefixes and lengths, grouped with
    a random separator, with random words around them (fixed seed)."""
    chooser = random.Random(7)
    prefixes = {
        "4": (13, 16, 19), "51": (16,), "55": (16,), "2221": (16,), "2720": (16,),
        "34": (15,), "37": (15,), "6011": (16, 19), "65": (16,), "644": (16,),
        "3528": (16,), "3589": (16,), "36": (14,), "38": (14,), "300": (14,),
        "62": (16, 17, 18, 19), "2200": (16,), "5018": (13, 19), "6759": (16,), "81": (16,),
    }  # fmt: skip
    separators = list(SEPARATORS.values())
    for _ in range(1000):
        prefix = chooser.choice(list(prefixes))
        length = chooser.choice(prefixes[prefix])
        body = prefix + "".join(
            chooser.choice("0123456789") for _ in range(length - 1 - len(prefix))
        )
        pan = luhn_complete(body)
        if len(pan) == 13 and gs1_complete(pan[:-1]) == pan:
            continue  # an EAN-13 product code: the trade-off in customers/cardguard/scan.py
        text = grouped(pan, chooser.choice(separators))
        before = chooser.choice(["", "card ", "pan: ", "("])
        text = f"{before}{text}{chooser.choice(['', ' 12/30', ')', '.'])}"
        assert contains_card_number(text), repr(text)
        assert pan not in _plain_digits(redact_card_numbers(text)), repr(text)


def test_every_scheme_in_the_corpus_passes_luhn_and_is_found_bare():
    for name, pan in PANS.items():
        assert contains_card_number(pan), name
