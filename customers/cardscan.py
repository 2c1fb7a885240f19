"""Finding payment card numbers (PANs) by their digits, whatever is typed between them.

How a text is read (one pass each, so the work grows in proportion to the text):

1. **As a person sees it** (customers/cardtext.py): encoded forms typed as text decoded
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
  in one (E.164 allows 15 digits at most), so "+4111 …" and "+49 4111 1111 1111 1111" are.
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
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain, repeat

import phonenumbers

from customers.cardtext import ReadText, read_text

_SHORT_GAP = 3
# Shapes that are never a card; their digits end a run. Each is exact about its digits,
# so none matches a card typed in groups of 4 (or 4-6-5, 4-6-4).
_NOT_CARDS = re.compile(
    r"(?<![\dA-Za-z])(?:"
    r"(?:19|20)\d\d([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"  # 2024-12-30
    r"|(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|1[0-2])\2(?:19|20)\d\d"  # 30.12.2024, 12/30/2024
    r"|(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"  # 10:15, 10:15:00.123
    r"|(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"  # 192.168.0.1
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUID
    r"|\d{3}-\d{7}-\d{7}"  # an Amazon order number
    r")(?![\dA-Za-z])"
)
_IBAN = re.compile(r"(?<![^\W_])[A-Z]{2}\d\d(?:[ ]?[A-Z0-9]){11,30}(?![^\W_])", re.IGNORECASE)
# IBAN lengths by country (SWIFT's IBAN registry; France's overseas territories use FR's).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    "BL": 27, "GF": 27, "GP": 27, "MF": 27, "MQ": 27, "NC": 27, "PF": 27, "PM": 27, "RE": 27,
    "TF": 27, "WF": 27, "YT": 27,
}  # fmt: skip
_GROUP = re.compile(r"\d+")
_WORD_CHAR = re.compile(r"[^\W\d_]")  # a letter (digits are never in a gap)
_HORIZONTAL_SPACE = str.maketrans("", "", " \t")
_PHONE_START = re.compile(r"[^+]\+$")
_PIPE_IN_A_NUMBER = re.compile(r"\d\||\|\d")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def known_card_prefix(digits: str) -> bool:
    """Does this start like a card of a scheme we know (the issuer identification number)?"""
    two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
    return (
        digits[0] == "4"  # Visa (and Elo, Visa Electron)
        or 51 <= two <= 55  # Mastercard
        or 2221 <= four <= 2720  # Mastercard 2-series
        or 2200 <= four <= 2204  # Mir
        or two in (34, 37)  # American Express
        or four == 6011 or 644 <= three <= 649 or two == 65  # Discover, RuPay 65
        or 3528 <= four <= 3589  # JCB
        or 300 <= three <= 305 or two in (36, 38)  # Diners Club
        or two in (50, 56, 57, 58, 60, 62, 63, 67, 81, 82)  # Maestro, UnionPay, RuPay
    )  # fmt: skip


# The first digits card schemes issue at the shorter lengths: 13 digits are Visa or Maestro,
# 14 Diners or Maestro, 15 American Express, UATP, JCB/enRoute (1800, 2131, 2014) or Maestro.
# Longer cards start with anything but 0 (Troy 9792, RuPay 81, fleet cards 7…).
_FIRST_DIGITS = {13: "456", 14: "356", 15: "12356"}


def _card_start(digits: str) -> bool:
    """Can a card of len(digits) digits start like this (by the first digits alone)?"""
    if digits[0] not in _FIRST_DIGITS.get(len(digits), "123456789"):
        return False
    # Long cards starting with 2 are Mastercard or Mir; "2024…" is a year.
    return not (digits[0] == "2" and len(digits) >= 16 and not "22" <= digits[:2] <= "27")


_PRINTED_LAYOUTS = {(4, 6, 5), (4, 6, 4), (4, 4, 5)}


def _printed_layout(sizes: list[int]) -> bool:
    """Groups as printed on a card: 4-4-4-4 (a shorter last group: 4-4-4-3, 4-4-4-4-3),
    Amex 4-6-5, Diners 4-6-4, 13 digits 4-4-5."""
    *body, last = sizes
    return tuple(sizes) in _PRINTED_LAYOUTS or (all(size == 4 for size in body) and last <= 4)


@dataclass
class _Run:
    """Digit groups joined by non-letters. gaps[k] is what joins group k to k + 1: its kind
    (the characters without horizontal spaces) when 1-3 characters long, else None."""

    starts: list[int] = field(default_factory=list)  # in the read text
    ends: list[int] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    gaps: list[str | None] = field(default_factory=list)

    def add(self, match: re.Match[str], gap: str | None) -> None:
        if self.starts:
            self.gaps.append(gap)
        self.starts.append(match.start())
        self.ends.append(match.end())
        self.digits.append(match.group())


class _Digits:
    """A run's digits in one string, with what the searches ask of them in constant time."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.text = "".join(run.digits)
        self.offsets = list(accumulate((len(d) for d in run.digits), initial=0))  # + the end
        self.group_at = list(  # each digit's group
            chain.from_iterable(repeat(k, len(d)) for k, d in enumerate(run.digits))
        )
        self.ending = {end: k for k, end in enumerate(self.offsets[1:])}  # end → its group
        self.protected = [-1] * len(run.digits)  # the segment (phone, tracking) of a group
        self.tracking_ends: dict[int, int] = {}  # a tracking number's segment → its end
        # Where the significant digits of each group start (after leading zeros).
        self.significant = [
            offset + len(d) - len(d.lstrip("0"))
            for offset, d in zip(self.offsets, run.digits, strict=False)
        ]
        self._luhn = _luhn_sums(self.text)

    def luhn(self, start: int, end: int) -> bool:
        """luhn_valid(self.text[start:end]), from prefix sums."""
        sums = self._luhn[(end - 1) % 2]
        return (sums[end] - sums[start]) % 10 == 0

    def sizes(self, start: int, end: int) -> list[int]:
        """How many of the window's digits fall in each group it touches."""
        first, last = self.group_at[start], self.group_at[end - 1]
        if first == last:
            return [end - start]
        middle = [len(self.run.digits[k]) for k in range(first + 1, last)]
        return [self.offsets[first + 1] - start, *middle, end - self.offsets[last]]

    def hides(self, start: int, end: int) -> bool:
        """Is the window wholly inside one phone or tracking number? Not when it is a card's
        15 or 16 digits at the very end of a tracking number: a card glued behind a
        tracking-like group passes the carrier's check digit one time in ten, and a real
        tracking number ends in a card-shaped window only about one time in thirty."""
        first, last = self.group_at[start], self.group_at[end - 1]
        segment = self.protected[first]
        if segment == -1 or segment != self.protected[last]:
            return False
        return not (self.tracking_ends.get(segment) == end and end - start in (15, 16))


# A digit's Luhn term, as it is and doubled ("7" → 7, and 14 → 1 + 4 = 5), as bytes.
_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))
_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))


def _luhn_sums(digits: str) -> tuple[list[int], list[int]]:
    """Two prefix sums of Luhn terms: the first for windows whose last digit is at an even
    index (digits at odd indexes are doubled), the second for those ending at an odd index.
    Built with bytes operations: this runs over every digit of the text."""
    raw = digits.encode("ascii")
    plain, doubled = raw.translate(_PLAIN), raw.translate(_DOUBLED)
    even_last, odd_last = bytearray(plain), bytearray(doubled)
    even_last[1::2], odd_last[1::2] = doubled[1::2], plain[1::2]
    return list(accumulate(even_last, initial=0)), list(accumulate(odd_last, initial=0))


def _set_aside(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _NOT_CARDS.finditer(text)]
    spans += [span for span, _ in _ibans(text)]
    return sorted(spans)  # two sorted lists: timsort merges them in linear time


def _ibans(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """IBANs of their country's registered length, with their compact form. The regex takes
    up to 34 characters; an IBAN followed by other groups is cut at its length."""
    for match in _IBAN.finditer(text):
        length = _IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        end, kept = match.start(), 0
        while kept < length and end < match.end():
            kept += text[end] != " "
            end += 1
        if kept == length and (end == match.end() or text[end] == " "):
            yield (match.start(), end), text[match.start() : end].replace(" ", "")


def _iban_cards(text: str) -> list[tuple[int, int]]:
    """Cards inside IBANs: the account digits after the last letter, leading zeros dropped."""
    spans = []
    for (start, end), compact in _ibans(text):
        tail = re.search(r"[1-9]\d*$", re.sub(r".*[A-Za-z]", "", compact[4:]))
        if tail is None or not 13 <= len(tail.group()) <= 19:
            continue
        digits = tail.group()
        if known_card_prefix(digits) and luhn_valid(digits):
            spans.append((_position_of_digit(text, start, end, len(compact) - len(digits)), end))
    return spans


def _position_of_digit(text: str, start: int, end: int, index: int) -> int:
    """Where the index-th non-space character of text[start:end] is."""
    seen = -1
    for position in range(start, end):
        seen += text[position] != " "
        if seen == index:
            return position
    return end


def _runs(text: str) -> Iterator[_Run]:
    """Digit groups joined by anything but letters, split where a set-aside shape is. One at
    a time: a long text's runs are never all held at once."""
    aside = iter(_set_aside(text))
    next_aside = next(aside, (len(text), len(text)))
    current = _Run()
    for match in _GROUP.finditer(text):
        while next_aside[1] <= match.start():
            next_aside = next(aside, (len(text), len(text)))
        if next_aside[0] < match.end():  # set aside: its digits are not a card's
            if current.starts:
                yield current
                current = _Run()
            continue
        gap = _gap_kind(text[current.ends[-1] : match.start()]) if current.starts else ""
        if gap == _BREAK:
            yield current
            current = _Run()
            gap = ""
        current.add(match, gap)
    if current.starts:
        yield current


_BREAK = "break"


def _gap_kind(gap: str) -> str | None:
    """_BREAK if the gap ends the run, its kind if short, None if long."""
    if _WORD_CHAR.search(gap):
        return _BREAK
    # ", +1 …" or " +44 …" starts another (international phone) number; "4111+1111" and
    # "4111+++1111" do not.
    if _PHONE_START.search(gap):
        return _BREAK
    return gap.translate(_HORIZONTAL_SPACE) if len(gap) <= _SHORT_GAP else None


def _protect_phones(text: str, digits: _Digits) -> None:
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
        last = _longest(digits, k, range(7 + skip, 16 + skip), partial(_is_phone, skip=skip))
        k = _protect(digits, k, last)


def _is_phone(digits: str, *, skip: int) -> bool:
    """Is digits, after its dialling prefix of skip digits, a valid international number?"""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits[skip:]))
    except phonenumbers.NumberParseException:
        return False


# Carriers' numbers: (how they start, their lengths, how many leading digits their check
# digit leaves out: FedEx Ground's 96 barcode checks its last 15; "420" + ZIP routes USPS).
_TRACKING = (
    (re.compile(r"9[1-5]"), (22, 26), (0,)),  # USPS Intelligent Mail package barcode
    (re.compile(r"420\d{5}9[1-5]"), (30,), (0, 8)),
    (re.compile(r"420\d{9}9[1-5]"), (34,), (0, 12)),
    (re.compile(r"7"), (20,), (0,)),  # USPS Certified Mail
    (re.compile(r"96"), (22,), (0, 7)),  # FedEx Ground
    (re.compile(r"00"), (20,), (0,)),  # SSCC-18 after its application identifier 00
    (re.compile(r"6129"), (20, 22), (0,)),  # FedEx SmartPost
)


def gs1_check_valid(digits: str) -> bool:
    """The GS1 (and USPS) mod-10 check digit: weights 3 and 1 from the right."""
    total = sum((3 if i % 2 else 1) * (ord(c) - 48) for i, c in enumerate(reversed(digits)))
    return total % 10 == 0


_TRACKING_START = re.compile(r"9[1-6]|420|7|00|6129")


def _checked(digits: str, *, skips: tuple[int, ...]) -> bool:
    return any(gs1_check_valid(digits[skip:]) for skip in skips)


def _protect_tracking_numbers(digits: _Digits) -> None:
    run = digits.run
    k = 0
    while k < len(run.starts):
        head = digits.text[digits.offsets[k] : digits.offsets[k] + 16]
        if digits.protected[k] != -1 or not _TRACKING_START.match(head):
            k += 1  # a phone number's group, or no carrier's start
            continue
        last = -1
        for start, lengths, skips in _TRACKING:
            if start.match(head):
                last = max(last, _longest(digits, k, lengths, partial(_checked, skips=skips)))
        if last >= k:
            digits.tracking_ends[k] = digits.offsets[last + 1]
        k = _protect(digits, k, last)


def _longest(
    digits: _Digits, first: int, lengths: Iterable[int], test: Callable[[str], bool]
) -> int:
    """The last group of the longest whole-group stretch from group first, of one of these
    lengths, whose digits pass test; -1 if none."""
    start = digits.offsets[first]
    for length in sorted(lengths, reverse=True):
        last = digits.ending.get(start + length)
        if last is not None and test(digits.text[start : start + length]):
            return last
    return -1


def _protect(digits: _Digits, first: int, last: int) -> int:
    """Mark groups first..last as one protected segment; the group to look at next."""
    if last < first:
        return first + 1
    for k in range(first, last + 1):
        digits.protected[k] = first
    return last + 1


def _whole_group_cards(digits: _Digits) -> Iterator[tuple[int, int]]:
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
                _card_start(window)
                and not _product_code(window)
                and _arranged_as_a_card(digits, first, last)
            ):
                yield first, last


def _product_code(digits: str) -> bool:
    """An EAN-13 (13 digits, GS1 check digit), not a 13-digit card: Visa and Maestro stopped
    issuing those long ago, while agents paste product codes every day."""
    return len(digits) == 13 and gs1_check_valid(digits)


def _arranged_as_a_card(digits: _Digits, first: int, last: int) -> bool:
    if digits.hides(digits.offsets[first], digits.offsets[last + 1]):
        return False
    if first == last:
        return True
    gaps = digits.run.gaps[first:last]
    if None not in gaps and len(set(gaps)) == 1:
        return True
    return _printed_layout([len(d) for d in digits.run.digits[first : last + 1]])


def _glued_cards(digits: _Digits) -> Iterator[tuple[int, int]]:
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


def _glued_start(digits: _Digits, start: int, end: int) -> bool:
    """Could a card start here? In a group led by zeros (a zero-padded number, "0" glued in
    front of a card) only where its significant digits start, so the rest of a padded
    reference ("JJD0473873…") is not searched."""
    group = digits.group_at[start]
    if digits.run.digits[group][0] == "0" and start != digits.significant[group]:
        return False
    return _card_start(digits.text[start:end]) and digits.luhn(start, end)


def _glued_card_fits(digits: _Digits, start: int, end: int) -> bool:
    first, last = digits.group_at[start], digits.group_at[end - 1]
    if digits.hides(start, end):
        return False
    if first != last:
        return _printed_layout(digits.sizes(start, end))
    size = len(digits.run.digits[first])
    # One digit glued to a 15-digit Amex makes 16; any other 16-digit group is whole.
    return size >= 17 or (end - start == 15 and digits.text[start : start + 2] in ("34", "37"))


def _run_cards(text: str, run: _Run) -> Iterator[tuple[int, int]]:
    """The run's cards as spans of the read text."""
    digits = _Digits(run)
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
    spans = _iban_cards(read.text)
    for run in _runs(read.text):
        spans += _run_cards(read.text, run)
    return [read.original_span(start, end) for start, end in spans]


def card_spans(text: str) -> list[tuple[int, int]]:
    """Where the card numbers are in text, as (start, end) indexes into text itself."""
    if not text:
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
