"""The card-number guard: find payment card numbers (PANs) in text.

A card number is 13 to 19 digits, optionally grouped by single spaces or dashes, that
passes the Luhn check. Plain functions, no request: used by the forms, by the RevCent
client as a last line of defence, and by the log filter.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # the stubs' type of request.GET/POST; Django has no class by this name
    from django.http.request import _ImmutableQueryDict

# Runs of digit groups, each group separated from the next by one space or dash. A card
# number is any stretch of whole groups holding 13-19 digits that passes Luhn, so a number
# followed by its expiry or CVV (four groups of four, then "12/30") is still found, while one long
# unbroken run of 20+ digits (an order number) is not taken apart. A leading "+" marks a
# phone number in international form: a stretch starting at its first group (+4930...) is
# not a card, but one starting after it ("+1" then a 16-digit card in groups) still is.
_RUN = re.compile(r"(?<!\d)\+?\d+(?:[ -]\d+)*(?!\d)")
_GROUP = re.compile(r"\d+")
_UUID = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
REDACTED = "[card number removed]"


def _ascii_digits(text: str) -> str:
    """Any Unicode decimal digit as its ASCII digit, one character for one (spans stay put)."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.digit(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


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


def _card_spans(text: str) -> list[tuple[int, int]]:
    text = _ascii_digits(text)
    if _UUID.match(text.strip()):
        return []  # our own submission keys: hex groups, never a card
    spans = []
    for run in _RUN.finditer(text):
        groups = [
            (m.start() + run.start(), m.end() + run.start(), m.group())
            for m in _GROUP.finditer(run.group())
        ]
        found = None
        phone = run.group().startswith("+")
        for first in range(1 if phone else 0, len(groups)):
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last][2]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    found = (groups[first][0], groups[last][1])
            if found:
                break
        if found:
            spans.append(found)
    return spans


def contains_card_number(text: str) -> bool:
    return bool(text) and bool(_card_spans(text))


def redact_card_numbers(text: str) -> str:
    spans = _card_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + REDACTED + text[end:]
    return text


def any_card_number(value: object) -> bool:
    """True if any string anywhere inside value (dicts, lists, nested) holds a card number."""
    if isinstance(value, str):
        return contains_card_number(value)
    if isinstance(value, dict):
        return any(any_card_number(k) or any_card_number(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(any_card_number(item) for item in value)
    return False


class RedactCardNumbersFilter(logging.Filter):
    """Remove card numbers from every log record before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if contains_card_number(message):
            record.msg = redact_card_numbers(message)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks can quote local values; keep the type, drop the text.
            exc = record.exc_info[1]
            if contains_card_number(str(exc)):
                record.exc_text = f"{type(exc).__name__}: {REDACTED}"
        return True


def scrub_card_numbers(data: _ImmutableQueryDict) -> tuple[_ImmutableQueryDict, list[str]]:
    """A copy of request data with every value holding a card number blanked, and the names
    of those fields. Used on every request (supportdesk.middleware), so no view, form, log
    line or error page ever sees the digits."""
    refused = [key for key, values in data.lists() if any(contains_card_number(v) for v in values)]
    if not refused:
        return data, []
    clean = data.copy()
    for key in refused:
        clean.setlist(key, ["" for _ in clean.getlist(key)])
    clean._mutable = False
    return cast("_ImmutableQueryDict", clean), refused  # immutable again, like the original


# The mark CardNumberGuardMiddleware looks for on a view.
ACCEPTS_CARD_NUMBERS = "accepts_card_numbers"


def accepts_card_numbers[V: Callable[..., object]](view_func: V) -> V:
    """Exempt a view from the card-number guard (supportdesk.middleware): only a page that
    stands in for the card provider's may ever take a card number. Put it outermost."""
    setattr(view_func, ACCEPTS_CARD_NUMBERS, True)  # a view attribute, like csrf_exempt's
    return view_func
