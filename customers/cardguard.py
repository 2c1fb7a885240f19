"""The card-number guard: find payment card numbers (PANs) in text.

A card number is 13 to 19 digits, optionally grouped by single spaces or dashes, that
passes the Luhn check. Plain functions, no request: used by the forms, by the RevCent
client as a last line of defence, and by the log filter.
"""

from __future__ import annotations

import logging
import re

# A run of 13-19 digits where single spaces or dashes may separate digits. Lookarounds stop
# it matching inside a longer run of digits, which is not a card number by itself.
_CANDIDATE = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
_SEPARATORS = re.compile(r"[ -]")
REDACTED = "[card number removed]"


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
    spans = []
    for match in _CANDIDATE.finditer(text):
        digits = _SEPARATORS.sub("", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            spans.append(match.span())
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
