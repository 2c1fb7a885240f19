"""The card-number guard across every field of the create form, through the real view.

For each text field and several ways of writing a card number (PAN), the form is posted
as a create and as an htmx "add metadata row"; afterwards the digits must be nowhere: not
in a response, a database row, a session, the cache, or a log line.
"""

from __future__ import annotations

import html
import logging
import pickle
import re
import sys
import unicodedata
from collections.abc import Iterable

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.urls import reverse

from customers.forms.parts import CARD_NUMBER_MESSAGE
from customers.models import AuditEntry, CreateAttempt
from customers.revcent import CUSTOMER_KEYS
from tests.cardguard.corpus.cards import FORMATS
from tests.helpers import create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")

CONTACT_FIELDS = [key for key in CUSTOMER_KEYS if key != "country"]  # the free-text ones
FIELDS = [
    *(f"customer-{name}" for name in CONTACT_FIELDS),
    *(f"bill_to-{name}" for name in CONTACT_FIELDS),
    "options-internal_customer_id",
    "metadata-0-name",
    "metadata-0-value",
    "options-override_reason",
]
# How the agent typed it -> the card number as printed on the card.
PANS = {
    "visa-plain": ("4242424242424242", "4242424242424242"),
    "mastercard-spaced": ("5555 5555 5555 4444", "5555 5555 5555 4444"),
    "amex-dashed": ("3782-822463-10005", "3782-822463-10005"),
    "visa-in-a-sentence": ("card 4111 1111 1111 1111 exp 12/30", "4111 1111 1111 1111"),
    # One of each kind of shape the second attack run got through (issue 23), from the corpus.
    **{
        what: (typed, printed)
        for what, typed, printed in FORMATS
        if what
        in (
            "four-spaces",
            "blank-lines",
            "hangul-filler",
            "tatweel",
            "tracking-then-card",
            "iban-valid-wrapped-spaced",
            "capital-i-for-one",
            "percent-space",
            "html-nbsp",
        )
    },
}
BILL_TO = {"first_name": "Acme", "last_name": "Billing", "email": "ap@acme.example"}
# What the sweep looks for beside each refused field.
assert "looks like a card number" in CARD_NUMBER_MESSAGE


# --- The scanner ------------------------------------------------------------------------------
# Escapes a dump may hold instead of the character: repr's \xa0 and \u200b, JSON's \u0034.
_ESCAPE = re.compile(r"\\+(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|[ntr])")


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2) or match.group(3)
    return chr(int(code, 16)) if code else " "


_BETWEEN = re.compile(r"[\W_]+")  # all but letters and digits, in any script
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii_digit(match: re.Match[str]) -> str:
    char = match.group()
    return str(unicodedata.digit(char)) if char.isdecimal() else char


def _plain_digits(text: str) -> str:
    """text with escapes undone, every digit as 0-9 and everything between digits dropped but
    letters (which a card number never holds): "4111\xa01111·1111" reads "411111111111"."""
    text = unicodedata.normalize("NFKC", html.unescape(_ESCAPE.sub(_unescape, text)))
    text = _BETWEEN.sub("", text)
    return text if text.isascii() else _NON_ASCII.sub(_ascii_digit, text)


def _needles(pan: str) -> tuple[str, str]:
    return pan, _plain_digits(pan)


def _holds(haystack: str, pan: str) -> bool:
    """The card number as typed, or its digits with anything but letters between them."""
    as_typed, digits = _needles(pan)
    return as_typed in haystack or digits in _plain_digits(haystack)


def _database_rows() -> dict[str, str]:
    """Every row of every table: through each model, then raw SQL for every table."""
    dumps: dict[str, str] = {}
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy or model._meta.db_table not in tables:
            continue  # no table (yet): nothing stored there
        dumps[f"model {model._meta.label}"] = str(list(model._default_manager.values()))
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dumps[f"table {table}"] = str(cursor.fetchall())
    for session in Session.objects.all():
        dumps[f"session {session.session_key[:6]}…"] = str(
            SessionStore().decode(session.session_data)
        )
    return dumps


def _cache_entries() -> dict[str, str]:
    cache = caches["default"]
    if not isinstance(cache, LocMemCache):
        return {}  # other backends are not inspected here
    entries = {}
    # The stubs leave out the backend's private store, which this test reads on purpose.
    for key, raw in list(cache._cache.items()):  # type: ignore[attr-defined]
        try:
            value = pickle.loads(raw)
        except Exception:
            value = raw
        entries[f"cache {key}"] = f"{key} {value!r} {raw!r}"
    return entries


def _log_lines(caplog) -> dict[str, str]:
    lines = {"caplog.text": caplog.text}
    for index, record in enumerate(caplog.records):
        lines[f"caplog record {index} ({record.name})"] = " ".join(
            [str(record.msg), record.getMessage(), repr(record.args), str(record.exc_text or "")]
        )
    return lines


def find_pan_anywhere(
    digits: str, *, response_bodies: Iterable[bytes | str], caplog, streams: Iterable[str] = ()
) -> list[str]:
    """Every place the card number can be found: responses, database rows, sessions, the
    cache (local memory only), captured log records and captured log streams.

    `digits` may be written with separators; it is looked for as written, as bare digits,
    and as bare digits with any spaces or dashes squeezed out of what is searched.
    """
    places: dict[str, str] = {}
    for index, body in enumerate(response_bodies):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        places[f"response {index}"] = text
    places.update(_database_rows())
    places.update(_cache_entries())
    places.update(_log_lines(caplog))
    for index, stream in enumerate(streams):
        places[f"stream {index}"] = stream
    return [where for where, haystack in places.items() if _holds(haystack, digits)]


def post_form(campaign, field: str, value: str) -> dict[str, str]:
    """A create form that would succeed, but for `value` in `field`."""
    data = create_post(
        campaign,
        bill_to=dict(BILL_TO) if field.startswith("bill_to-") else None,
        metadata=[("tier", "gold")],
    )
    data[field] = value
    return data


def _input_value(html: str, name: str) -> str | None:
    area = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>([^<]*)</textarea>', html)
    if area is not None:
        return area.group(1).strip() or None
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tag is not None, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group())
    return value.group(1) if value else None


def _assert_refused_at(html: str, field: str) -> None:
    assert re.search(rf'id="id_{re.escape(field)}_error">[^<]*looks like a card number', html), (
        f"no card-number message beside {field}"
    )


# --- The sweep --------------------------------------------------------------------------------
@pytest.mark.parametrize("pan", PANS.values(), ids=PANS.keys())
@pytest.mark.parametrize("field", FIELDS)
def test_a_card_number_in_any_field_is_refused_and_kept_nowhere(
    agent_client, campaign, logs, caplog, field, pan
):
    typed, printed = pan
    data = post_form(campaign, field, typed)

    created = agent_client.post(URL, data)
    html = created.content.decode()
    assert created.status_code == 200
    assert "A card number was removed" in html
    _assert_refused_at(html, field)
    assert not _input_value(html, field)

    rows = agent_client.post(
        URL, {**data, "_action": "add_metadata"}, headers={"HX-Request": "true"}
    )
    rows_html = rows.content.decode()
    assert rows.status_code == 200
    assert "<html" not in rows_html
    assert rows_html.count('data-testid="metadata-row"') == 2
    if field.startswith("metadata-0-"):
        assert "A card number was removed" in rows_html
        assert not _input_value(rows_html, field)
        other = "metadata-0-value" if field.endswith("name") else "metadata-0-name"
        assert _input_value(rows_html, other) in ("tier", "gold")  # the rest of the row kept
    else:
        assert "A card number was removed" not in rows_html
        assert _input_value(rows_html, "metadata-0-name") == "tier"

    assert not CreateAttempt.objects.exists()
    assert not AuditEntry.objects.filter(
        operation__in=["CreateCustomer", "SearchCustomers"]
    ).exists()
    # One refusal per request (the plain POST and the htmx add-row), naming the field.
    refusals = list(AuditEntry.objects.filter(operation="CardNumberRefused"))
    assert len(refusals) == 2
    for refused in refusals:
        assert field in refused.message
        assert refused.username == "alice"
        assert not _holds(refused.message, printed)

    for needle in _needles(printed):
        assert needle not in html and needle not in rows_html
    found = find_pan_anywhere(
        printed, response_bodies=[html, rows_html], caplog=caplog, streams=[logs()]
    )
    assert found == []


def test_a_card_number_in_the_override_reason_gets_a_message_beside_that_field(
    agent_client, campaign
):
    data = post_form(campaign, "options-override_reason", "4242 4242 4242 4242")
    data["options-create_anyway"] = "on"
    html = agent_client.post(URL, data).content.decode()
    _assert_refused_at(html, "options-override_reason")


def test_the_same_form_without_a_card_number_creates(agent_client, campaign):
    # Control: every sweep post fails only because of the card number.
    data = post_form(campaign, "bill_to-company", "Acme Ltd")
    response = agent_client.post(URL, data)
    assert response.status_code == 302
    assert CreateAttempt.objects.get().payload["bill_to"]["company"] == "Acme Ltd"


def test_several_card_numbers_are_all_named_in_one_audit_entry(agent_client, campaign):
    data = post_form(campaign, "customer-city", "4242 4242 4242 4242")
    data["metadata-0-value"] = "378282246310005"
    data["options-internal_customer_id"] = "5555-5555-5555-4444"
    html = agent_client.post(URL, data).content.decode()
    for field in ("customer-city", "metadata-0-value", "options-internal_customer_id"):
        _assert_refused_at(html, field)
    [refused] = AuditEntry.objects.filter(operation="CardNumberRefused")
    for field in ("customer-city", "metadata-0-value", "options-internal_customer_id"):
        assert field in refused.message


def test_the_add_row_without_htmx_blanks_the_card_number_too(agent_client, campaign, caplog):
    data = post_form(campaign, "metadata-0-value", "4242 4242 4242 4242")
    data["customer-company"] = "5555555555554444"
    response = agent_client.post(URL, {**data, "_action": "add_metadata"})
    html = response.content.decode()
    assert "<html" in html
    assert html.count('data-testid="metadata-row"') == 2
    assert not _input_value(html, "metadata-0-value")
    assert _input_value(html, "metadata-0-name") == "tier"
    _assert_refused_at(html, "customer-company")
    for pan in ("4242 4242 4242 4242", "5555555555554444"):
        assert find_pan_anywhere(pan, response_bodies=[html], caplog=caplog) == []


def test_the_add_row_without_htmx_says_a_card_number_was_removed(agent_client, campaign):
    data = post_form(campaign, "metadata-0-value", "4242 4242 4242 4242")
    html = agent_client.post(URL, {**data, "_action": "add_metadata"}).content.decode()
    assert "A card number was removed" in html


# --- Tampered posts: fields that are not text boxes --------------------------------------------
@pytest.mark.parametrize(
    "field",
    [
        "options-campaign",
        "options-submission_key",
        "options-billing_differs",
        "options-create_anyway",
        "metadata-INITIAL_FORMS",
        "metadata-MAX_NUM_FORMS",
    ],
)
def test_a_card_number_in_a_tampered_field_is_not_echoed(agent_client, campaign, caplog, field):
    data = post_form(campaign, field, "4242424242424242")
    response = agent_client.post(URL, data)
    assert response.status_code in (200, 302, 400)
    found = find_pan_anywhere("4242424242424242", response_bodies=[response.content], caplog=caplog)
    assert found == []


@pytest.mark.parametrize("field", ["customer-country", "bill_to-country", "metadata-TOTAL_FORMS"])
def test_a_card_number_in_a_tampered_select_is_not_echoed(agent_client, campaign, caplog, field):
    data = post_form(campaign, field, "4242424242424242")
    data["options-billing_differs"] = "on"
    data.update({f"bill_to-{name}": value for name, value in BILL_TO.items()})
    response = agent_client.post(URL, data)
    found = find_pan_anywhere("4242424242424242", response_bodies=[response.content], caplog=caplog)
    assert found == []


# --- A card number the guard misses reaches everything ----------------------------------------
@pytest.mark.parametrize("typed", ["4242 4242 4242 4242 12/30", "4242424242424242 123"])
def test_a_card_number_with_its_expiry_or_cvv_is_refused_too(agent_client, campaign, caplog, typed):
    data = post_form(campaign, "options-internal_customer_id", typed)
    response = agent_client.post(URL, data)
    found = find_pan_anywhere("4242424242424242", response_bodies=[response.content], caplog=caplog)
    assert found == []
    assert response.status_code == 200


# --- The scanner finds what is there --------------------------------------------------------
def test_the_scanner_finds_a_card_number_wherever_it_is_planted(
    agent_client, campaign, make_user, logs, caplog
):
    pan = "4242 4242 4242 4242"
    assert find_pan_anywhere(pan, response_bodies=[], caplog=caplog, streams=[logs()]) == []

    make_user("planted", first_name="4242424242424242")
    found = find_pan_anywhere(pan, response_bodies=["<p>4242-4242-4242-4242</p>"], caplog=caplog)
    assert "response 0" in found
    assert "model auth.User" in found
    assert "table auth_user" in found

    session = SessionStore()
    session["note"] = "4242424242424242"
    session.create()
    assert any(
        place.startswith("session ")
        for place in find_pan_anywhere(pan, response_bodies=[], caplog=caplog)
    )

    if isinstance(caches["default"], LocMemCache):
        caches["default"].set("planted", {"value": ["4242 4242 4242 4242"]})
        assert ":planted" in " ".join(find_pan_anywhere(pan, response_bodies=[], caplog=caplog))

    # A logger without the filter, straight into caplog.
    unfiltered = logging.getLogger("tests.sweep.unfiltered")
    unfiltered.propagate = False
    unfiltered.addHandler(caplog.handler)
    try:
        unfiltered.debug("pasted %s", pan)
    finally:
        unfiltered.removeHandler(caplog.handler)
        unfiltered.propagate = True
    found = find_pan_anywhere(pan, response_bodies=[], caplog=caplog)
    assert "caplog.text" in found
    assert any(place.startswith("caplog record") for place in found)

    # The root handlers' output is captured: a plain line shows up, a card number is redacted
    # by the filter, and a line written around the filter is found.
    logging.getLogger("customers.sweep").warning("harmless line, %s", "+1 305 555 0100")
    logging.getLogger("customers.sweep").warning("pasted %s", pan)
    stream = logs()
    assert "harmless line, +1 305 555 0100" in stream
    assert "pasted [card number removed]" in stream
    assert not _holds(stream, pan)
    print("leaked 4242 4242 4242 4242", file=sys.stderr)
    assert "stream 0" in find_pan_anywhere(pan, response_bodies=[], caplog=caplog, streams=[logs()])
