"""Caps on what a request may hold (customers/web/limits.py, RequestLimitsMiddleware): over one,
it is refused from its headers alone, before any body is read or any text scanned for a
card number. "Not scanned" is proven by counting what reaches the scanner, never by time."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import LimitedStream
from django.test import Client
from django.urls import reverse

from customers.models import AuditEntry, CreateAttempt
from customers.web import limits
from tests.helpers import create_post

pytestmark = pytest.mark.django_db
MARK = "Zq"  # in every payload below, and in nothing the app writes itself
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def scanned(monkeypatch) -> list[str]:
    """Every text handed to the card scanner (through customers/cardguard/guard.py)."""
    import customers.cardguard.guard as cardguard
    from customers.cardguard.scan import card_spans as original

    texts: list[str] = []

    def counting(text: str):
        texts.append(text)
        return original(text)

    monkeypatch.setattr(cardguard, "card_spans", counting)
    return texts


@pytest.fixture
def body_reads(monkeypatch) -> list[int]:
    """How many times anything read a request body."""
    reads: list[int] = []
    original = LimitedStream.read

    def counting(self, *args, **kwargs):
        reads.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LimitedStream, "read", counting)
    return reads


def _payload_scanned(texts: list[str]) -> list[str]:
    return [text[:40] for text in texts if MARK in text]


def test_a_normal_request_is_scanned(client, scanned):
    # The check the other tests rely on: the counter sees the guard's scans.
    response = client.get(reverse("login"), {"next": f"/{MARK}"}, headers={"X-Trace": MARK})
    assert response.status_code == 200
    assert _payload_scanned(scanned)


def test_more_headers_than_the_cap_get_431_unscanned(client, scanned):
    headers = {f"X-Extra-{n}": MARK for n in range(limits.MAX_HEADERS + 1)}
    response = client.get(reverse("healthz"), headers=headers)
    assert response.status_code == 431
    assert _payload_scanned(scanned) == []


@pytest.mark.parametrize(
    "headers",
    [
        # One header over the cap.
        {"User-Agent": MARK * (limits.MAX_HEADER_BYTES // 2 + 1)},
        # The attack run's: 20 headers of 8 KB.
        {f"X-Pad-{n}": MARK * 4096 for n in range(20)},
        # Each under the cap, together over it.
        {f"X-Pad-{n}": MARK * 1800 for n in range(5)},
    ],
    ids=["one-too-big", "twenty-of-8kb", "too-much-together"],
)
def test_oversized_headers_get_431_unscanned(client, scanned, headers):
    response = client.get(reverse("healthz"), headers=headers)
    assert response.status_code == 431
    assert response["Content-Type"].startswith("text/plain")
    assert _payload_scanned(scanned) == []


def test_a_big_cookie_is_not_a_scanned_header(client, scanned):
    # Cookie is never scanned, so it does not count towards the scanned headers' caps.
    client.cookies["pad"] = "c" * 6000
    assert client.get(reverse("healthz")).status_code == 200


def test_an_address_over_the_cap_gets_414_unscanned(client, scanned):
    response = client.get(reverse("login"), {"next": MARK * (limits.MAX_URL_BYTES // 2)})
    assert response.status_code == 414
    assert _payload_scanned(scanned) == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", MARK * (limits.MAX_OTHER_BODY_BYTES // 2 + 1)),
        ("application/json", json.dumps({"q": MARK * 200_000})),
        (FORM, "a=" + MARK * 40_000),
    ],
    ids=["text", "json", "form"],
)
def test_a_signed_out_body_over_the_cap_gets_413_unread_and_unscanned(
    scanned, body_reads, content_type, body
):
    client = Client()
    assert len(body.encode()) > limits.MAX_OTHER_BODY_BYTES
    response = client.generic("POST", reverse("healthz"), body, content_type=content_type)
    assert response.status_code == 413
    assert body_reads == []
    assert _payload_scanned(scanned) == []
    assert not AuditEntry.objects.exists()


def test_a_signed_out_form_over_its_cap_gets_413_unread_and_unscanned(scanned, body_reads):
    # Sign-in and password reset send under 1 KB; signed in, forms may be larger.
    body = urlencode({"username": "alice", "password": MARK * 2100, "x": MARK * 2100})
    assert limits.MAX_SIGNED_OUT_FORM_BYTES < len(body) < limits.MAX_BODY_BYTES
    response = Client().post(reverse("login"), body, content_type=FORM)
    assert response.status_code == 413
    assert body_reads == []
    assert _payload_scanned(scanned) == []


def test_a_signed_in_body_that_is_not_a_form_has_the_lower_cap(agent_client, scanned, body_reads):
    body = json.dumps({"q": MARK * (limits.MAX_OTHER_BODY_BYTES // 2)})
    assert limits.MAX_OTHER_BODY_BYTES < len(body) < limits.MAX_BODY_BYTES
    response = agent_client.post(reverse("customer-search"), body, content_type="application/json")
    assert response.status_code == 413
    assert body_reads == []
    assert _payload_scanned(scanned) == []


def test_a_json_body_under_the_cap_is_still_read_and_scanned(client, scanned):
    # The assistant channel will take JSON bodies: bounded, not refused.
    body = json.dumps({"q": MARK * 1000})
    response = client.generic("POST", reverse("login"), body, content_type="application/json")
    assert response.status_code != 413
    assert _payload_scanned(scanned)


def test_a_signed_out_body_no_view_will_read_is_neither_read_nor_scanned(
    client, scanned, body_reads
):
    # Signed out, only the public views (sign-in, password reset) read a body: anywhere else
    # the login middleware answers first, so the body costs nothing, whatever it holds.
    body = json.dumps({"q": f"{MARK} +1 212 555 0147 " * 500})
    for path in (reverse("customer-create"), reverse("home"), "/no/such/page/"):
        response = client.generic("POST", path, body, content_type="application/json")
        assert response.status_code in (302, 403, 404)
    assert _payload_scanned(scanned) == [] and body_reads == []


def test_a_signed_in_json_body_is_scanned_and_a_card_in_it_refused(agent_client, scanned):
    body = json.dumps({"q": f"{MARK} 4111 1111 1111 1111"})
    response = agent_client.generic(
        "POST", reverse("customer-create"), body, content_type="application/json"
    )
    assert response.status_code == 400 and _payload_scanned(scanned)


def test_a_400_kb_address_line_is_refused_by_its_length_alone(
    agent_client, campaign, scanned, body_reads
):
    data = create_post(campaign)
    data["customer-address_line_1"] = MARK * 200_000
    response = agent_client.post(reverse("customer-create"), data)
    assert response.status_code == 413
    assert body_reads == []
    assert _payload_scanned(scanned) == []
    assert not CreateAttempt.objects.exists()
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.API_CALL).exists()


def test_a_field_over_the_cap_in_a_small_body_is_cut_before_the_scan_and_named(
    agent_client, campaign, scanned
):
    # A 5,000-character paste: the scan reads at most the cap, and the agent reads beside the
    # field that it is too long, with the rest of the form as typed.
    data = create_post(campaign)
    data["customer-address_line_1"] = MARK * (limits.MAX_FIELD_CHARS // 2 + 1)
    response = agent_client.post(reverse("customer-create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 255 characters" in html
    assert 'value="Ana"' in html  # the first name, as typed
    assert max(len(text) for text in _payload_scanned(scanned)) <= limits.MAX_FIELD_CHARS
    assert not CreateAttempt.objects.exists()
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.API_CALL).exists()


def test_a_field_name_over_the_cap_is_refused_before_the_scan(client, scanned):
    body = urlencode({MARK * limits.MAX_FIELD_CHARS: "x"})
    response = client.post(reverse("login"), body, content_type=FORM)
    assert response.status_code == 413
    assert _payload_scanned(scanned) == []


def test_the_create_form_filled_to_every_limit_is_under_the_caps(agent_client, campaign):
    # The caps must never refuse what the app's own largest form can send.
    address = dict.fromkeys(("company", "address_line_1", "address_line_2"), "W" * 255)
    data = create_post(
        campaign,
        customer={
            "first_name": "A" * 100,
            "last_name": "B" * 100,
            "email": "a@example.com",
            **address,
        },
        bill_to={
            "first_name": "C" * 100,
            "last_name": "D" * 100,
            "email": "b@example.com",
            **address,
        },
        metadata=[(f"n{i}" + "x" * 97, "v" * 255) for i in range(20)],
        override_reason="r" * 500,
        internal_customer_id="i" * 255,
    )
    body = urlencode(data)
    assert limits.MAX_SIGNED_OUT_FORM_BYTES < len(body) < 20 * 1024 < limits.MAX_BODY_BYTES
    response = agent_client.post(reverse("customer-create"), data)
    assert response.status_code == 302  # created
