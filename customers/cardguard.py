"""The card-number guard: keep payment card numbers (PANs) out of everything we keep or send.

How a card number is recognised, and what is let through on purpose, is in
customers/cardscan.py. Plain functions, no request: used by the request middleware, the
forms, the RevCent client as a last line of defence, the cache and the log filter.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote_plus

from customers.cardscan import card_spans
from customers.cardshapes import luhn_valid

if TYPE_CHECKING:  # the stubs' type of request.GET/POST; Django has no class by this name
    from django.http.request import _ImmutableQueryDict

__all__ = ["REDACTED", "contains_card_number", "luhn_valid", "redact_card_numbers"]

REDACTED = "[card number removed]"


def contains_card_number(text: str) -> bool:
    return bool(card_spans(text))


def redact_card_numbers(text: str) -> str:
    """text with each card number replaced by REDACTED, and nothing else changed."""
    for start, end in reversed(card_spans(text)):
        text = text[:start] + REDACTED + text[end:]
    return text


def redact_url_text(text: str) -> str:
    """Like redact_card_numbers, for text that may hold URL-encoded parts (a request line:
    "?q=4111%201111…" hides the card behind "%20"). Decoded only when that reveals one."""
    text = redact_card_numbers(text)
    if "%" in text or "+" in text:
        decoded = unquote_plus(text)
        if contains_card_number(decoded):
            return redact_card_numbers(decoded)
    return text


def any_card_number(value: object) -> bool:
    """True if any string anywhere inside value (dicts, lists, dataclasses, nested) holds a
    card number."""
    if isinstance(value, str):
        return contains_card_number(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(any_card_number(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return any(any_card_number(k) or any_card_number(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(any_card_number(item) for item in value)
    return False


class RedactCardNumbersFilter(logging.Filter):
    """Remove card numbers from every log record before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FORMATTER = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Card numbers out of a record's message, arguments, traceback and stack."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # args that do not fit msg: logging would print both
        message = f"{record.msg} {record.args}"
    clean = redact_url_text(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        # Formatted once here, as a handler would, so the redacted text is what it prints.
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_url_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_url_text(record.stack_info)


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


def guard_every_log_handler() -> None:
    """Put the filter on every handler configured so far, whoever configured it (Django's
    defaults, a library, a deployment's own LOGGING), so no handler prints a card number."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, RedactCardNumbersFilter) for f in handler.filters):
                handler.addFilter(RedactCardNumbersFilter())
