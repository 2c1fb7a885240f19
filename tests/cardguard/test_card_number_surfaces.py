"""Every card format of the corpus through every way into the app, one request each:
the create form, the duplicate panel, the find box, a query string, a JSON body, the
X-Request-ID header, and User-Agent/Accept on a failed sign-in (which the lock-out tables
store). Afterwards the digits are nowhere: not in a response or its headers, a database row,
the cache, a log record, or a request sent to (the sandbox standing in for) RevCent. The
agent sees why, next to the field, with the rest of what they typed kept.
"""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from customers.models import AuditEntry, CreateAttempt
from tests.cardguard.corpus.cards import FORMATS
from tests.cardguard.test_card_number_sweep import (
    _assert_refused_at,
    _holds,
    _input_value,
    find_pan_anywhere,
    post_form,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


def _seen(response) -> str:
    """What a browser gets: the headers and the body."""
    headers = " ".join(f"{name}: {value}" for name, value in response.items())
    return f"{response.status_code} {headers}\n{response.content.decode(errors='replace')}"


@pytest.mark.parametrize(
    ("text", "pan"), [(t, p) for _, t, p in FORMATS], ids=[w for w, _, _ in FORMATS]
)
def test_a_card_number_in_any_shape_through_any_surface_is_kept_nowhere(
    agent_client,
    campaign,
    upstream,
    logs,
    caplog,
    text,
    pan,
):
    seen = []

    created = agent_client.post(
        reverse("customer-create"), post_form(campaign, "customer-company", text)
    )
    html = created.content.decode()
    assert created.status_code == 200
    _assert_refused_at(html, "customer-company")
    assert not _input_value(html, "customer-company")
    assert _input_value(html, "customer-first_name") == "Ana"  # the rest is kept
    assert _input_value(html, "customer-email") == "ana.diaz@example.com"
    seen.append(_seen(created))

    panel = agent_client.post(
        reverse("customer-duplicates"),
        {"customer-phone": text, "customer-email": "ana.diaz@example.com"},
        headers={"HX-Request": "true"},
    )
    assert "A card number is not searched" in panel.content.decode()
    seen.append(_seen(panel))

    found = agent_client.post(reverse("customer-search"), {"q": text})
    _assert_refused_at(found.content.decode(), "q")
    seen.append(_seen(found))

    # Loaded again at the clean address (the card guard's redirect), the rest of it kept.
    queried = agent_client.get(
        reverse("customer-search"), {"q": text, "tab": "recent"}, follow=True
    )
    assert queried.status_code == 200
    assert [status for _, status in queried.redirect_chain] == [302]
    assert "tab=recent" in queried.redirect_chain[0][0]
    seen.append(_seen(queried))
    signed_out = Client().get(reverse("customer-search"), {"q": text})
    assert signed_out.status_code == 302  # to the sign-in page, "next" without the card
    seen.append(_seen(signed_out))

    posted = agent_client.post(
        reverse("customer-search"), json.dumps({"q": text}), content_type="application/json"
    )
    assert posted.status_code == 400
    assert "A card number was refused" in posted.content.decode()
    seen.append(_seen(posted))

    for request_id in (text, "req-" + pan):
        home = agent_client.get(reverse("home"), headers={"X-Request-ID": request_id})
        assert home.status_code == 200
        seen.append(_seen(home))

    browser = {"User-Agent": f"Mozilla/5.0 {text}", "Accept": f"text/html; q={text}"}
    refused = Client().post(
        reverse("login"), {"username": "alice", "password": "wrong"}, headers=browser
    )
    assert refused.status_code == 200
    assert "[card number removed]" in AccessAttempt.objects.get().user_agent
    seen.append(_seen(refused))

    assert not CreateAttempt.objects.exists()
    assert [sent for sent in upstream if _holds(sent, pan)] == []
    assert find_pan_anywhere(pan, response_bodies=seen, caplog=caplog, streams=[logs()]) == []
    refusals = " ".join(
        AuditEntry.objects.filter(operation="CardNumberRefused").values_list("message", flat=True)
    )
    for field in ("customer-company", "customer-phone", "q", "request body", "header User-Agent"):
        assert field in refusals, field
