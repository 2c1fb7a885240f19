"""Finding payment card numbers (PANs) by their digits, whatever is typed between them.

How a text is read:

1. **Normalized, one original character at a time** (so every span maps back): NFKC (fullwidth
   and circled digits, compatibility spaces), every Unicode decimal digit (Arabic-Indic,
   Devanagari, …) as 0-9, and format characters (zero-width space and joiners, soft hyphen,
   BOM) dropped, as if they were not there.
2. **Runs**: digit groups joined by 1-3 characters that are neither letters nor digits (any
   Unicode space, dash or minus, dot, slash, comma, underscore, parenthesis, "+", tab,
   newline, " - "). Letters end a run; so do well-known shapes that are never a card, which
   are set aside first: ISO dates and times, IPv4 addresses, UUIDs, IBANs whose mod-97 check
   holds, and Amazon-style order numbers (3-7-7 digits).
3. **Cards**: every stretch of whole groups of a run holding 13-19 digits that passes Luhn
   is a card, so a number followed by its expiry or CVV ("… 1111 12/30") is still found.
   Where a run holds 17 or more digits, every 15- or 16-digit window starting with a known
   card prefix (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011/644-649/65,
   JCB 3528-3589, Diners 300-305/36/38, UnionPay 62, Maestro, Mir, RuPay) that passes Luhn is
   one too: a card with digits glued on ("41111111111111111230"). Overlapping finds are
   merged, so redaction never leaves part of a card behind.

What is *not* a card, and why (the trade-off): a Luhn-valid run of random digits is a 1-in-10
event, so format alone cannot tell a phone or a tracking number from a card. What can:

- **The first digit, by length**: no card starts with 0 (ISO/IEC 7812 major industry
  identifier 0 is not issued to card schemes), while national phone numbers ("030 …"),
  dialling prefixes ("0049 …"), SSCC shipping codes ("00…") and zero-padded internal IDs
  (ERP0000000000000042A) do. The short lengths are issued by few schemes: 13 digits start
  with 4, 5 or 6 (Visa, Maestro), 14 with 3, 5 or 6 (Diners, Maestro), 15 with 1, 2, 3, 5
  or 6 (UATP, enRoute/JCB, Amex, Maestro); so ISBN-13s (978…), Unix times in milliseconds
  (17…) and compact timestamps (2024…) are not cards. A card of 16-19 digits starting with
  2 is Mastercard or Mir (22-27), not a year ("2024-000000001337").
- **A phone number in international form**: after a "+", or the dialling prefix 00 or 011,
  a run that the phonenumbers library calls a valid number ("+49 1512 3456789") is a phone.
  A 16-digit card with a "+" typed before it never is (E.164 allows 15 digits at most).
- **Tracking numbers**: runs of 20 or more digits starting with 0, 7 or 91-96 (USPS,
  certified mail, FedEx Ground, SSCC), FedEx SmartPost's 6129, or USPS's "420" + ZIP
  routing prefix, are neither searched for glued cards nor split into cards.

What is left is accepted as a false positive: a 13-19 digit number with no such mark (a
FedEx Ground 15-digit tracking number, an EAN-13 product code starting with 4-6, a long
order number) is refused about one time in ten. Misses are worse than false positives: a
refused value only makes the agent retype it (the message says why), while a missed card is
stored, logged and sent. The corpora in tests/customers/corpus/ measure both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

_SEPARATOR_MAX = 3
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
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d\d(?:[ ]?[A-Z0-9]){11,30}(?![A-Za-z0-9])", re.IGNORECASE
)
_GROUP = re.compile(r"\d+")


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


@dataclass(frozen=True)
class _Group:
    start: int  # in the normalized text
    end: int
    digits: str


class _Normalized:
    """The text as the scanner reads it, with each character's index in the original."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            if char.isascii():
                chars.append(char)
                origin.append(index)
                continue
            if unicodedata.category(char) == "Cf":
                continue  # zero-width space, joiners, soft hyphen: invisible, so not there
            for part in unicodedata.normalize("NFKC", char):
                chars.append(str(unicodedata.digit(part)) if part.isdecimal() else part)
                origin.append(index)
        self.text = "".join(chars)
        self._origin = origin

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self._origin[start], self._origin[end - 1] + 1


def _iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in moved)
    return int(number) % 97 == 1


def _set_aside(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _NOT_CARDS.finditer(text)]
    spans += [m.span() for m in _IBAN.finditer(text) if _iban_valid(m.group())]
    return spans


def _runs(text: str) -> list[list[_Group]]:
    """Digit groups joined by short stretches of non-alphanumeric characters."""
    aside = _set_aside(text)
    runs: list[list[_Group]] = []
    current: list[_Group] = []
    for match in _GROUP.finditer(text):
        group = _Group(match.start(), match.end(), match.group())
        if any(start < group.end and group.start < end for start, end in aside):
            if current:
                runs.append(current)
            current = []
            continue
        if current and not _joins(text[current[-1].end : group.start]):
            runs.append(current)
            current = []
        current.append(group)
    if current:
        runs.append(current)
    return runs


def _joins(gap: str) -> bool:
    if len(gap) > _SEPARATOR_MAX or any(char.isalnum() for char in gap):
        return False
    # ", +1 …" or " +44 …" starts another (international phone) number, "4111+1111" does not.
    return not (len(gap) > 1 and gap.endswith("+"))


def _is_phone(text: str, run: list[_Group]) -> bool:
    """Is the run a valid phone number in international form, and nothing more: after a
    "+", or after the dialling prefix 00 or 011 ("011 63 1800 1 234 5678")?"""
    digits = "".join(group.digits for group in run)
    if run[0].start > 0 and text[run[0].start - 1] == "+":
        international = digits
    elif run[0].digits in ("00", "011"):
        international = digits[len(run[0].digits) :]
    else:
        return False
    if len(international) > 15:  # E.164's limit
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + international))
    except phonenumbers.NumberParseException:
        return False


# The first digits card schemes issue at the shorter lengths: 13 digits are Visa or Maestro,
# 14 Diners or Maestro, 15 American Express, UATP, JCB/enRoute (1800, 2131, 2014) or Maestro.
# Longer cards start with anything but 0 (Troy 9792, RuPay 81, fleet cards 7…).
_FIRST_DIGITS = {13: "456", 14: "356", 15: "12356"}


def _is_card(digits: str) -> bool:
    if digits[0] not in _FIRST_DIGITS.get(len(digits), "123456789"):
        return False
    if digits[0] == "2" and len(digits) >= 16 and not "22" <= digits[:2] <= "27":
        return False  # long cards starting with 2 are Mastercard or Mir; "2024…" is a year
    return luhn_valid(digits)


def _whole_group_cards(run: list[_Group]) -> list[tuple[int, int]]:
    """Every stretch of whole groups that is a card. All of them, overlapping or not: which
    one the agent meant is not knowable ("5.0 5200 8282 8282 8210" holds two), and
    redacting their union never leaves part of a card behind."""
    spans = []
    for first in range(len(run)):
        digits = ""
        for last in range(first, len(run)):
            digits += run[last].digits
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _is_card(digits):
                spans.append((run[first].start, run[last].end))
    return spans


# USPS (91-95, 70 certified mail, "420" + ZIP routing), FedEx (96, 00 SSCC, SmartPost 6129)
# and zero-padded IDs.
_LONG_NOT_CARD = re.compile(r"0|7|9[1-6]|6129|420\d{5}(?:\d{4})?9[1-5]")


def _is_tracking_number(run: list[_Group]) -> bool:
    digits = "".join(group.digits for group in run)
    return len(digits) >= 20 and len(run[0].digits) >= 4 and bool(_LONG_NOT_CARD.match(digits))


def _glued_cards(run: list[_Group], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """15- and 16-digit windows with a card's prefix, inside a run of 17 or more digits."""
    positions = [index for group in run for index in range(group.start, group.end)]
    digits = "".join(group.digits for group in run)
    if len(digits) < 17 or _LONG_NOT_CARD.match(digits):
        return []
    spans: list[tuple[int, int]] = []
    offset = 0
    while offset <= len(digits) - 15:
        start = positions[offset]
        if any(a <= start < b for a, b in taken + spans):
            offset += 1
            continue
        for length in (16, 15):
            window = digits[offset : offset + length]
            if len(window) == length and known_card_prefix(window) and luhn_valid(window):
                spans.append((start, positions[offset + length - 1] + 1))
                offset += length
                break
        else:
            offset += 1
    return spans


def card_spans(text: str) -> list[tuple[int, int]]:
    """Where the card numbers are in text, as (start, end) indexes into text itself."""
    if not text or sum(char.isdigit() for char in text) < 13:
        return []
    normalized = _Normalized(text)
    spans: list[tuple[int, int]] = []
    for run in _runs(normalized.text):
        if _is_phone(normalized.text, run) or _is_tracking_number(run):
            continue
        found = _whole_group_cards(run)
        found += _glued_cards(run, found)
        spans += found
    return _merged(sorted(normalized.original_span(start, end) for start, end in spans))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
