"""Finding payment card numbers (PANs) by their digits, whatever is typed between them.

How a text is read (one pass each, so the work grows in proportion to the text):

1. **As a person sees it** (customers/cardguard/text.py): encoded forms typed as text decoded
   ("%20", "&nbsp;", "&#52;", "\\u0034"), NFKC, every script's digits as 0-9, invisible
   characters (zero-width, bidi controls, combining marks) dropped, letter-like dashes and
   fillers (tatweel, prolonged sound mark, Hangul fillers) read as spaces, look-alike letters
   in digit groups ("4III", "llll", "1O11") read as digits. Every character keeps the span
   of the original it came from, so the encoded original is what gets redacted. A "|" is
   read both ways, as a separator and as a "1", and both readings are searched.
2. **Runs**: digit groups joined by characters that are neither letters nor digits, any
   number of them (spaces, " -- ", tabs, blank lines, dots, slashes, …). Letters end a run;
   so do well-known shapes that are never a card, set aside first: ISO and European dates,
   times, IPv4 addresses, UUIDs, Amazon-style order numbers (3-7-7 digits) and IBANs of
   their country's registered length.
3. **Cards**: every stretch of whole groups holding 13-19 digits that passes Luhn, where
   the groups are arranged as a card is written: one group, or groups joined by 1-3
   characters of one kind ("4111 1111 …", "41-11-…", "4111 / 1111 / …"), or the printed
   layout (groups of 4 and a shorter last one, or Amex/Diners 4-6-5, 4-6-4, 13-digit
   4-4-5) with any separators at all between them, so a number followed by its expiry or
   CVV ("… 1111 12/30") is still found. And every 15- or 16-digit window starting with a
   known card prefix (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover
   6011/644-649/65, JCB 3528-3589, Diners 300-305/36/38, UnionPay 62, Maestro, Mir, RuPay)
   that passes Luhn, inside a group of 17 or more digits or across groups in the printed
   layout: a card with digits glued on ("41111111111111111230", "7 4111…" → "74111 1111 …").
   A 16-digit group is searched only for an Amex with one digit glued on. Overlapping finds
   are merged, so redaction never leaves part of a card behind.

What is *not* a card, and why (the trade-off): a Luhn-valid run of random digits is a 1-in-10
event, so format alone cannot tell a phone or a tracking number from a card. What can:

- **The first digit, by length**: no card starts with 0 (ISO/IEC 7812 major industry
  identifier 0 is not issued to card schemes), while national phone numbers ("030 …"),
  dialling prefixes ("0049 …") and zero-padded IDs (ERP0000000000000042A) do; in a group
  led by zeros, a card is looked for only where the significant digits start ("0000" glued
  in front of a card is found, the rest of "JJD0473873…" is not searched). The short
  lengths are issued by few schemes: 13 digits start with 4, 5 or 6 (Visa, Maestro), 14 with
  3, 5 or 6 (Diners, Maestro), 15 with 1, 2, 3, 5 or 6 (UATP, enRoute/JCB, Amex, Maestro); so
  ISBN-13s (978…), Unix times in milliseconds (17…) and compact timestamps (2024…) are not
  cards. A card of 16-19 digits starting with 2 is Mastercard or Mir (22-27), not a year.
- **EAN-13 product codes**: 13 digits whose GS1 check digit holds are a product code. Agents
  paste those every day; 13-digit cards are no longer issued (one in ten would be missed).
- **How the groups are arranged**: separators of any length join groups only in a card's
  printed layout, and groups of other sizes only when one kind of short separator joins
  them all. So a date, a price and a quantity on one line, or two phone numbers in one
  field ("305-555-0100, 305-555-0199": 3-3-4 groups, "-" and ", ") do not make a card.
- **A phone number in international form**: whole groups after a "+", or after the dialling
  prefix 00 or 011, that the phonenumbers library calls a valid number ("+49 1512 3456789")
  are a phone, and a card found wholly inside them is not one. A 16-digit card never fits
  in one (E.164 allows 15 digits at most), so a card typed after "+" or "+49 " still is one.
- **Tracking numbers**: whole groups of a carrier's exact length whose own check digit
  (GS1 mod 10) holds: USPS 91-95 (22 or 26 digits, or after "420" + ZIP), certified mail
  7… (20), FedEx Ground 96… (22), SSCC 00… (20), FedEx SmartPost 6129… (20 or 22). A card
  found inside one is not a card, but for a card's 15 or 16 digits at its very end: a
  tracking-like group with a card glued on is neither the length nor, 9 times in 10, the
  check digit of one, and the 10th must be found too. The price: a real tracking number
  ends in a card-shaped window about one time in twenty (4 of 84 in the corpus).
- **IBANs** of their country's registered length (a mistyped one too: the mod-97 check is
  not what makes it an IBAN) are set aside, but a card is still looked for in them: the
  account digits after the last letter, leading zeros dropped, if they are a Luhn-valid
  number of 13-19 digits with a card's prefix. A card wrapped as an IBAN of another length
  ("DE" + check digits + 16 digits is 20 characters; a German IBAN has 22) is ordinary
  text, and so is an IBAN typed with a character left out.

What is left is accepted: a 13-19 digit number with no such mark (a FedEx Ground 15-digit
tracking number, a long order number, an IBAN missing a character) is refused about one
time in ten; a card padded with other digits inside a real-length IBAN ("DE" + check +
"12" + 16 digits), split by separators of more than 3 characters (or of mixed kinds) into
groups that are not the printed layout, a 13-digit card that is also a valid EAN-13, or one
hidden behind two levels of encoding ("%2534") is missed. Misses are worse than false
positives: a refused value only makes the agent retype it (the message says why), while a
missed card is stored, logged and sent. The corpora in tests/customers/corpus/ measure
both: 0 of 152 card shapes missed, 8 of 5,972 real non-card values refused (8 of 1,136
leaving out the phones, which are most of the corpus and none of the refusals).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from customers.cardguard.runs import Digits, Run, runs
from customers.cardguard.shapes import (
    TRACKING,
    TRACKING_START,
    card_start,
    iban_cards,
    is_phone,
    known_card_prefix,
    luhn_valid,
    printed_layout,
    product_code,
    tracking_checked,
)
from customers.cardguard.text import ReadText, plainly_fewer_digits, read_text

__all__ = ["card_spans", "luhn_valid"]

_PIPE_IN_A_NUMBER = re.compile(r"\d\||\|\d")


def _protect_phones(text: str, digits: Digits) -> None:
    """Whole groups after "+" (or starting with 00 or 011) that are a valid phone number."""
    run = digits.run
    k = 0
    while k < len(run.starts):
        group = run.digits[k]
        dialled = group in ("00", "011")
        if not dialled and not (run.starts[k] > 0 and text[run.starts[k] - 1] == "+"):
            k += 1
            continue
        skip = len(group) if dialled else 0
        last = _longest(digits, k, range(7 + skip, 16 + skip), partial(is_phone, skip=skip))
        k = _protect(digits, k, last)


def _protect_tracking_numbers(digits: Digits) -> None:
    run = digits.run
    k = 0
    while k < len(run.starts):
        head = digits.text[digits.offsets[k] : digits.offsets[k] + 16]
        if digits.protected[k] != -1 or not TRACKING_START.match(head):
            k += 1  # a phone number's group, or no carrier's start
            continue
        last = -1
        for start, lengths, skips in TRACKING:
            if start.match(head):
                last = max(
                    last, _longest(digits, k, lengths, partial(tracking_checked, skips=skips))
                )
        if last >= k:
            digits.tracking_ends[k] = digits.offsets[last + 1]
        k = _protect(digits, k, last)


def _longest(
    digits: Digits, first: int, lengths: Iterable[int], test: Callable[[str], bool]
) -> int:
    """The last group of the longest whole-group stretch from group first, of one of these
    lengths, whose digits pass test; -1 if none."""
    start = digits.offsets[first]
    for length in sorted(lengths, reverse=True):
        last = digits.ending.get(start + length)
        if last is not None and test(digits.text[start : start + length]):
            return last
    return -1


def _protect(digits: Digits, first: int, last: int) -> int:
    """Mark groups first..last as one protected segment; the group to look at next."""
    if last < first:
        return first + 1
    for k in range(first, last + 1):
        digits.protected[k] = first
    return last + 1


def _whole_group_cards(digits: Digits) -> Iterator[tuple[int, int]]:
    """Stretches of whole groups that are a card. All of them, overlapping or not: which one
    the agent meant is not knowable ("5.0 5200 8282 8282 8210" holds two), and redacting
    their union never leaves part of a card behind."""
    text, offsets = digits.text, digits.offsets
    for first in range(len(offsets) - 1):
        start = offsets[first]
        if text[start] == "0":
            continue
        for length in range(13, 20):
            last = digits.ending.get(start + length)
            if last is None or not digits.luhn(start, start + length):
                continue
            window = text[start : start + length]
            if (
                card_start(window)
                and not product_code(window)
                and _arranged_as_a_card(digits, first, last)
            ):
                yield first, last


def _arranged_as_a_card(digits: Digits, first: int, last: int) -> bool:
    if digits.hides(digits.offsets[first], digits.offsets[last + 1]):
        return False
    if first == last:
        return True
    gaps = digits.run.gaps[first:last]
    if None not in gaps and len(set(gaps)) == 1:
        return True
    return printed_layout([len(d) for d in digits.run.digits[first : last + 1]])


def _glued_cards(digits: Digits) -> Iterator[tuple[int, int]]:
    """15- and 16-digit windows with a card's prefix that start or end inside a group."""
    text, offsets, group_at = digits.text, digits.offsets, digits.group_at
    for start in range(len(text) - 14):
        first = group_at[start]
        group_end = offsets[first + 1]
        # Across groups, only the printed layout: the window's first piece is 4 digits.
        if start + 15 > group_end and group_end - start != 4:
            continue
        if text[start] in "0179" or not known_card_prefix(text[start : start + 4]):
            continue
        for length in (16, 15):
            end = start + length
            if end > len(text):
                continue
            last = group_at[end - 1]
            if start == offsets[first] and end == offsets[last + 1]:
                continue  # whole groups: _whole_group_cards decides
            if _glued_start(digits, start, end) and _glued_card_fits(digits, start, end):
                yield start, end


def _glued_start(digits: Digits, start: int, end: int) -> bool:
    """Could a card start here? In a group led by zeros (a zero-padded number, "0" glued in
    front of a card) only where its significant digits start, so the rest of a padded
    reference ("JJD0473873…") is not searched."""
    group = digits.group_at[start]
    if digits.run.digits[group][0] == "0" and start != digits.significant[group]:
        return False
    return card_start(digits.text[start:end]) and digits.luhn(start, end)


def _glued_card_fits(digits: Digits, start: int, end: int) -> bool:
    first, last = digits.group_at[start], digits.group_at[end - 1]
    if digits.hides(start, end):
        return False
    if first != last:
        return printed_layout(digits.sizes(start, end))
    size = len(digits.run.digits[first])
    # One digit glued to a 15-digit Amex makes 16; any other 16-digit group is whole.
    return size >= 17 or (end - start == 15 and digits.text[start : start + 2] in ("34", "37"))


def _run_cards(text: str, run: Run) -> Iterator[tuple[int, int]]:
    """The run's cards as spans of the read text."""
    digits = Digits(run)
    _protect_phones(text, digits)
    _protect_tracking_numbers(digits)
    for first, last in _whole_group_cards(digits):
        yield run.starts[first], run.ends[last]
    for start, end in _glued_cards(digits):
        first, last = digits.group_at[start], digits.group_at[end - 1]
        yield (
            run.starts[first] + start - digits.offsets[first],
            run.starts[last] + end - digits.offsets[last],
        )


def _read_spans(read: ReadText) -> list[tuple[int, int]]:
    spans = iban_cards(read.text)
    for run in runs(read.text):
        if sum(map(len, run.digits)) >= 13:  # fewer can hold no card: not worth the setup
            spans += _run_cards(read.text, run)
    return [read.original_span(start, end) for start, end in spans]


def card_spans(text: str) -> list[tuple[int, int]]:
    """Where the card numbers are in text, as (start, end) indexes into text itself."""
    if plainly_fewer_digits(text, 13):
        return []
    read = read_text(text)
    spans = _read_spans(read)
    if "|" in read.text and _PIPE_IN_A_NUMBER.search(read.text):
        spans += _read_spans(read.with_pipes_as_ones())
    return _merged(sorted(spans))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
