"""What a card number's digits look like, and shapes of digits that are never a card.

The knowledge customers/cardguard/scan.py applies (its docstring says why each rule is there):
Luhn, the schemes' prefixes and first digits by length, the printed layouts, and the
set-aside shapes: dates, times, IPv4, UUIDs, order numbers, IBANs (by their registry
length), EAN-13 codes, tracking numbers (by length and GS1 check digit) and phone numbers
in international form (by the phonenumbers library).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

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


def card_start(digits: str) -> bool:
    """Can a card of len(digits) digits start like this (by the first digits alone)?"""
    if digits[0] not in _FIRST_DIGITS.get(len(digits), "123456789"):
        return False
    # Long cards starting with 2 are Mastercard or Mir; "2024…" is a year.
    return not (digits[0] == "2" and len(digits) >= 16 and not "22" <= digits[:2] <= "27")


_PRINTED_LAYOUTS = {(4, 6, 5), (4, 6, 4), (4, 4, 5)}


def printed_layout(sizes: list[int]) -> bool:
    """Groups as printed on a card: 4-4-4-4 (a shorter last group: 4-4-4-3, 4-4-4-4-3),
    Amex 4-6-5, Diners 4-6-4, 13 digits 4-4-5."""
    *body, last = sizes
    return tuple(sizes) in _PRINTED_LAYOUTS or (all(size == 4 for size in body) and last <= 4)


def gs1_check_valid(digits: str) -> bool:
    """The GS1 (and USPS) mod-10 check digit: weights 3 and 1 from the right."""
    total = sum((3 if i % 2 else 1) * (ord(c) - 48) for i, c in enumerate(reversed(digits)))
    return total % 10 == 0


def product_code(digits: str) -> bool:
    """An EAN-13 (13 digits, GS1 check digit), not a 13-digit card: Visa and Maestro stopped
    issuing those long ago, while agents paste product codes every day."""
    return len(digits) == 13 and gs1_check_valid(digits)


def set_aside(text: str) -> list[tuple[int, int]]:
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


def iban_cards(text: str) -> list[tuple[int, int]]:
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


def is_phone(digits: str, *, skip: int) -> bool:
    """Is digits, after its dialling prefix of skip digits, a valid international number?"""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits[skip:]))
    except phonenumbers.NumberParseException:
        return False


# Carriers' numbers: (how they start, their lengths, how many leading digits their check
# digit leaves out: FedEx Ground's 96 barcode checks its last 15; "420" + ZIP routes USPS).
TRACKING = (
    (re.compile(r"9[1-5]"), (22, 26), (0,)),  # USPS Intelligent Mail package barcode
    (re.compile(r"420\d{5}9[1-5]"), (30,), (0, 8)),
    (re.compile(r"420\d{9}9[1-5]"), (34,), (0, 12)),
    (re.compile(r"7"), (20,), (0,)),  # USPS Certified Mail
    (re.compile(r"96"), (22,), (0, 7)),  # FedEx Ground
    (re.compile(r"00"), (20,), (0,)),  # SSCC-18 after its application identifier 00
    (re.compile(r"6129"), (20, 22), (0,)),  # FedEx SmartPost
)

TRACKING_START = re.compile(r"9[1-6]|420|7|00|6129")


def tracking_checked(digits: str, *, skips: tuple[int, ...]) -> bool:
    return any(gs1_check_valid(digits[skip:]) for skip in skips)
