"""The card-number guard (customers/cardguard/guard.py): finding, redacting and filtering PANs."""

from __future__ import annotations

import io
import logging

import pytest

from customers.cardguard.guard import (
    REDACTED,
    RedactCardNumbersFilter,
    any_card_number,
    contains_card_number,
    luhn_valid,
    redact_card_numbers,
    redact_url_text,
)


def luhn_check_digit(body: str) -> str:
    """The digit that makes body + digit pass Luhn, computed here, not by the code under test."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:  # doubled once the check digit is appended on the right
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_reference(digits: str) -> bool:
    return luhn_check_digit(digits[:-1]) == digits[-1]


NINETEEN = "400000000000000012" + luhn_check_digit("400000000000000012")
NINETEEN_SPACED = (
    f"{NINETEEN[:4]} {NINETEEN[4:8]} {NINETEEN[8:12]} {NINETEEN[12:16]} {NINETEEN[16:]}"
)

FOUND = [
    "4242424242424242",  # Visa, 16 digits
    "4242 4242 4242 4242",
    "4242-4242-4242-4242",
    "378282246310005",  # Amex, 15 digits
    "3782 822463 10005",
    "5555555555554444",  # Mastercard
    "5555 5555 5555 4444",
    "4222222222222",  # Visa, 13 digits
    "6011111111111117",  # Discover
    "6011000990139424",  # Discover, 16 digits
    NINETEEN,
    NINETEEN_SPACED,
    "4242 4242-4242 4242",  # mixed single separators
    "card 4242 4242 4242 4242 exp 12/30",
    "pan:4242424242424242.",
    "4242424242424242@example.com",
    # Shapes an earlier guard, reading formats rather than digits, let through.
    "4242  4242  4242  4242",
    "4242.4242.4242.4242",
    "4242/4242/4242/4242",
    "4242 - 4242 - 4242 - 4242",
    "+4242 4242 4242 4242",
    "42424242424242421230",  # four digits glued on
    "42424242424242424242",
    # Zeros glued in front of a card (issue 23): searched from the first significant digit,
    # where an earlier guard let any number led by a zero through as a padded reference.
    "00000000424242424242424242",
]

NOT_FOUND = [
    "4242424242424241",  # fails Luhn
    "4242 4242 4242 4241",
    "424242424242",  # 12 digits, even though Luhn-valid
    "9400111899223100012345",  # a USPS tracking number, 22 digits
    "+1 305 555 0100",
    "(305) 555-0100",
    "2024-12-30",
    "2024-12-30 10:15:00",
    "ERP0000000000000042A",  # an internal ID: Luhn-valid, but no card starts with 0
    "",
    "Ana Diaz, 123 Main St, Miami FL 33130",
]


def test_the_reference_check_digit_agrees_with_known_test_numbers():
    assert luhn_check_digit("424242424242424") == "2"
    assert luhn_check_digit("37828224631000") == "5"
    assert len(NINETEEN) == 19 and luhn_reference(NINETEEN)


@pytest.mark.parametrize("text", FOUND)
def test_it_finds_luhn_valid_card_numbers_in_many_formats(text):
    assert contains_card_number(text)
    assert any_card_number(text)


@pytest.mark.parametrize("text", NOT_FOUND)
def test_it_ignores_what_is_not_a_card_number(text):
    assert not contains_card_number(text)
    assert redact_card_numbers(text) == text


@pytest.mark.parametrize(
    "digits",
    ["4242424242424242", "378282246310005", "5555555555554444", "4222222222222", NINETEEN],
)
def test_luhn_valid_agrees_with_a_reference_implementation(digits):
    assert luhn_valid(digits) and luhn_reference(digits)
    broken = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert not luhn_valid(broken) and not luhn_reference(broken)


# A prefix that card schemes issue at each length (13: Visa, 14: Diners, 15: Amex, 16-19:
# Visa, Mastercard 2-series, UnionPay, Maestro).
PREFIX_BY_LENGTH = {13: "4", 14: "36", 15: "37", 16: "4", 17: "62", 18: "67", 19: "2221"}


def test_it_finds_every_length_from_13_to_19_digits_and_no_other():
    for length in range(11, 23):
        prefix = PREFIX_BY_LENGTH.get(length, "0")  # outside 13-19: a zero-padded ID
        body = (prefix + "1234567890" * 3)[: length - 1]
        number = body + luhn_check_digit(body)
        assert contains_card_number(number) is (13 <= length <= 19), length


def test_redact_replaces_only_the_number():
    text = "card 4242 4242 4242 4242 exp 12/30"
    assert redact_card_numbers(text) == f"card {REDACTED} exp 12/30"


def test_redact_replaces_every_number_in_the_text():
    text = "old 4242-4242-4242-4242, new 378282246310005; call +1 305 555 0100"
    assert redact_card_numbers(text) == f"old {REDACTED}, new {REDACTED}; call +1 305 555 0100"


def test_redact_keeps_a_luhn_invalid_number():
    assert redact_card_numbers("ref 4242424242424241") == "ref 4242424242424241"


def test_any_card_number_walks_nested_dicts_and_lists():
    clean = {
        "customer": {"first_name": "Ana", "phone": "+13055550100"},
        "metadata": [{"name": "tier", "value": "gold"}, ("a", "b")],
    }
    assert not any_card_number(clean)
    deep = {
        "customer": {"first_name": "Ana"},
        "metadata": [
            {"name": "tier", "value": "gold"},
            {"name": "note", "value": ["x", {"y": "4242 4242 4242 4242"}]},
        ],
    }
    assert any_card_number(deep)
    assert any_card_number({"4242424242424242": "a key can hold it too"})
    assert any_card_number([("ok", "5555-5555-5555-4444")])
    assert not any_card_number(None)
    assert not any_card_number(12)


# --- The log filter ---------------------------------------------------------------------------
@pytest.fixture
def recorded() -> tuple[logging.Logger, io.StringIO]:
    """A real logger whose handler applies the filter (as settings.LOGGING does) and
    records the formatted output."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactCardNumbersFilter())
    logger = logging.Logger("tests.cardguard")  # not registered: no propagation, no side effects
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    return logger, stream


def test_the_filter_removes_a_number_from_the_message(recorded):
    logger, stream = recorded
    logger.warning("Agent pasted 4242 4242 4242 4242 into the notes")
    output = stream.getvalue()
    assert output == f"WARNING Agent pasted {REDACTED} into the notes\n"


def test_the_filter_removes_a_number_passed_as_a_percent_arg(recorded):
    logger, stream = recorded
    logger.info("card=%s name=%s", "4242-4242-4242-4242", "Ana")
    logger.info("card=%(card)s", {"card": "378282246310005"})
    output = stream.getvalue()
    assert "4242" not in output and "378282246310005" not in output
    assert output == f"INFO card={REDACTED} name=Ana\nINFO card={REDACTED}\n"


def test_the_filter_leaves_other_records_alone(recorded):
    logger, stream = recorded
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    logger.addHandler(Keep())
    logger.info("phone %s ref %s", "+1 305 555 0100", "4242424242424241")
    assert stream.getvalue() == "INFO phone +1 305 555 0100 ref 4242424242424241\n"
    assert seen[0].args == ("+1 305 555 0100", "4242424242424241")


def _logged_failure(recorded: tuple[logging.Logger, io.StringIO], error: str) -> str:
    """What the handler writes for logger.exception("Create failed") on ValueError(error)."""
    logger, stream = recorded
    try:
        raise ValueError(error)
    except ValueError:
        logger.exception("Create failed")
    return stream.getvalue()


def test_the_filter_removes_a_number_from_an_exception(recorded):
    output = _logged_failure(recorded, "bad input 5555 5555 5555 4444")
    assert "5555" not in output
    assert "Create failed" in output
    assert f"ValueError: bad input {REDACTED}" in output


def test_the_filter_keeps_a_harmless_traceback(recorded):
    output = _logged_failure(recorded, "nothing secret")
    assert "Traceback" in output
    assert "ValueError: nothing secret" in output


def test_a_card_in_an_encoded_request_line_is_redacted_where_it_is_and_nothing_decoded(recorded):
    # "%0A" after the card: decoding the whole line would write a second, forged log line.
    logger, stream = recorded
    forged = '200 -%0A[06/Dec/2026 08:00:00] "GET /admin/ HTTP/1.1" 200'
    logger.info('"%s" %s', f"GET /find/?q=4111%201111%201111%201111&x={forged} HTTP/1.1", "200")
    output = stream.getvalue()
    assert output == f'INFO "GET /find/?q={REDACTED}&x={forged} HTTP/1.1" 200\n'
    assert output.count("\n") == 1


def test_a_card_encoded_in_utf8_escapes_is_replaced_with_its_escapes_only():
    line = "/find/?a=%E2%82%AC&q=4111%C2%A01111%C2%A01111%C2%A01111%0D%0A&b=1+2"
    assert redact_url_text(line) == f"/find/?a=%E2%82%AC&q={REDACTED}%0D%0A&b=1+2"


def test_an_encoded_line_without_a_card_is_left_as_it_came():
    line = "/find/?q=ana%40example.com%0A+x%zz%E2%82"
    assert redact_url_text(line) == line


def test_the_filter_writes_no_control_character_in_a_message(recorded):
    logger, stream = recorded
    logger.warning("Unknown user %s", "mallory\r\nINFO Signed in: admin\x1b[2K\x85\u2028")
    output = stream.getvalue()
    assert output == (
        "WARNING Unknown user mallory\\r\\nINFO Signed in: admin\\x1b[2K\\x85\\u2028\n"
    )


def test_a_traceback_keeps_its_own_lines_but_no_other_control_character(recorded):
    output = _logged_failure(recorded, "bad\rinput\x1b[2K")
    assert "Traceback (most recent call last):\n" in output
    assert "ValueError: bad\\rinput\\x1b[2K" in output
    assert "\r" not in output and "\x1b" not in output


def test_the_filter_is_installed_on_the_console_handler():
    root = logging.getLogger()
    assert any(
        isinstance(f, RedactCardNumbersFilter) for handler in root.handlers for f in handler.filters
    )


# --- Numbers an earlier guard missed -------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "4242 4242 4242 4242 12/30",
        "4242424242424242 123",
        "4242-4242-4242-4242-123",
        "5555 5555 5555 4444 1",
    ],
)
def test_it_finds_a_number_followed_by_another_digit_group(text):
    assert contains_card_number(text)


def _fullwidth(digits: str) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in digits)


def _arabic_indic(digits: str) -> str:
    return "".join(chr(0x0660 + int(d)) for d in digits)


@pytest.mark.parametrize(
    "text", [_fullwidth("5555555555554444"), _arabic_indic("4242424242424242")]
)
def test_it_finds_a_number_typed_in_non_ascii_digits(text):
    assert contains_card_number(text)
