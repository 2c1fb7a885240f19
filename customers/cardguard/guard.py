"""The card-number guard: keep payment card numbers (PANs) out of everything we keep or send.

How a card number is recognised, and what is let through on purpose, is in
customers/cardguard/scan.py. Plain functions, no request: used by the request middleware, the
forms, the RevCent client as a last line of defence, the cache and the log filter.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, cast

from customers.cardguard.pairs import joined_pairs
from customers.cardguard.scan import card_spans
from customers.cardguard.shapes import luhn_valid

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
    "?q=4111%201111…" hides the card behind "%20").

    Only the encoded span of each card is replaced; everything else stays encoded as it
    came. Decoding the whole line instead would turn a "%0A" the sender put there into a
    real line break, and so a forged line in the access log.
    """
    text = redact_card_numbers(text)
    if "%" not in text and "+" not in text:
        return text
    decoded, origins = _url_decoded(text)
    for start, end in reversed(card_spans(decoded)):
        text = text[: origins[start][0]] + REDACTED + text[origins[end - 1][1] :]
    return text


_PERCENT_BYTE = re.compile(r"%([0-9A-Fa-f]{2})")


def _url_decoded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """text URL-decoded (as unquote_plus would), and for each decoded character the span
    of text it came from: "%C2%A0" is one character from six."""
    chars: list[str] = []
    origins: list[tuple[int, int]] = []
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending_from = 0  # where the bytes the decoder holds began
    index = 0
    while index < len(text):
        escaped = _PERCENT_BYTE.match(text, index)
        if escaped is None:
            # A lone byte left in the decoder is not UTF-8: flushed as U+FFFD, as unquote does.
            for char in decoder.decode(b"", final=True):
                chars.append(char)
                origins.append((pending_from, index))
            decoder.reset()
            chars.append(" " if text[index] == "+" else text[index])
            origins.append((index, index + 1))
            index += 1
            pending_from = index
            continue
        out = decoder.decode(bytes([int(escaped.group(1), 16)]))
        index = escaped.end()
        for char in out:
            chars.append(char)
            origins.append((pending_from, index))
        if out:
            pending_from = index
    for char in decoder.decode(b"", final=True):
        chars.append(char)
        origins.append((pending_from, index))
    return "".join(chars), origins


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


# C0 and C1 controls and DEL, and the Unicode line and paragraph separators: written as they
# are, "\n" or "\r" in a logged value starts a line the sender wrote (a forged log entry).
_LINE_FORGERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A traceback's own lines are joined by "\n" (and indented by tabs): those stay.
_TRACEBACK_FORGERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def escape_controls(text: str, *, pattern: re.Pattern[str] = _LINE_FORGERS) -> str:
    """text with every control character written as its escape ("\n" as backslash-n)."""
    return pattern.sub(_escaped, text)


def redact_record(record: logging.LogRecord) -> None:
    """Card numbers out of a record's message, arguments, traceback and stack, and no
    control character left to forge a line with."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # args that do not fit msg: logging would print both
        message = f"{record.msg} {record.args}"
    clean = escape_controls(redact_url_text(message))
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        # Formatted once here, as a handler would, so the redacted text is what it prints.
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = _clean_traceback(record.exc_text)
    if record.stack_info:
        record.stack_info = _clean_traceback(record.stack_info)


def _clean_traceback(text: str) -> str:
    return escape_controls(redact_url_text(text), pattern=_TRACEBACK_FORGERS)


def card_number_fields(fields: Mapping[str, Sequence[str]]) -> list[str]:
    """The names of the fields (name -> its values) holding a card number: alone, or joined
    with a field that is one thing with it to a person (customers/cardguard/pairs.py), in which
    case both are named. One rule for the request guard and the forms."""
    refused = [name for name, values in fields.items() if any(map(contains_card_number, values))]
    for first, second in joined_pairs(fields):
        # The last value, as a form reads it; a refused field's own card is not its partner's.
        before, after = (fields[first] or [""])[-1], (fields[second] or [""])[-1]
        unrefused = not {first, second} & set(refused)
        if before and after and unrefused and contains_card_number(f"{before} {after}"):
            refused += [first, second]
    return refused


def scrub_card_numbers(data: _ImmutableQueryDict) -> tuple[_ImmutableQueryDict, list[str]]:
    """A copy of request data with every value holding a card number blanked, and the names
    of those fields (card_number_fields: a card split across two fields blanks both). Used
    on every request (customers.web.middleware), so no view, form, log line or error page ever
    sees the digits."""
    refused = card_number_fields(dict(data.lists()))
    if not refused:
        return data, []
    clean = data.copy()
    for key in refused:
        clean.setlist(key, ["" for _ in clean.getlist(key)])
    clean._mutable = False
    return cast("_ImmutableQueryDict", clean), refused  # immutable again, like the original


def card_shaped_key(data: _ImmutableQueryDict) -> bool:
    """Whether any field name of request data holds a card number. Names are never blanked
    like values (a form would not know the field), so such a request is refused whole."""
    return any(contains_card_number(key) for key in data)


# The mark CardNumberGuardMiddleware looks for on a view.
ACCEPTS_CARD_NUMBERS = "accepts_card_numbers"


def accepts_card_numbers[V: Callable[..., object]](view_func: V) -> V:
    """Exempt a view from the card-number guard (customers.web.middleware): only a page that
    stands in for the card provider's may ever take a card number. Put it outermost."""
    setattr(view_func, ACCEPTS_CARD_NUMBERS, True)  # a view attribute, like csrf_exempt's
    return view_func


# The mark for a view that checks its own (non-form) body for card numbers, answering in its
# own protocol (the assistant's MCP endpoint: a tool error naming the argument). The
# middleware still cleans its headers and query string.
GUARDS_OWN_BODY = "guards_own_body"


def guards_own_body[V: Callable[..., object]](view_func: V) -> V:
    setattr(view_func, GUARDS_OWN_BODY, True)
    return view_func


def guard_every_log_handler() -> None:
    """Put the filter on every handler configured so far, whoever configured it (Django's
    defaults, a library, a deployment's own LOGGING), so no handler prints a card number."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, RedactCardNumbersFilter) for f in handler.filters):
                handler.addFilter(RedactCardNumbersFilter())
