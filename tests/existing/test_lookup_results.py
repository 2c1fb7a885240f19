"""The find box's results survive Back: POST, then a redirect to a GET of results kept under
an opaque, short-lived key bound to the agent. No PII in a URL, one RevCent search and one
count against the search limit per search however often the results page is loaded."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from customers.contact import Contact
from customers.existing.lookup import (
    KEPT_SECONDS,
    Found,
    LookupResult,
    lookup_keep,
    lookup_kept,
    results_as_kept,
)
from customers.revcent import SearchHit
from customers.team.roles import AGENTS
from tests.audit_helpers import Operation, assert_audited
from tests.seeded import JANE, JANE_TWO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-search")
CARD = "4111 1111 1111 1111"


def results_url(client, query: str) -> str:
    response = client.post(URL, {"q": query})
    assert response.status_code == 303  # See Other: the answer is a page to GET
    location: str = response["Location"]
    return location


def test_a_search_redirects_to_its_results_with_no_pii_in_the_address(agent_client):
    location = results_url(agent_client, "Jane Doe")
    path, query = urlsplit(location).path, parse_qs(urlsplit(location).query)
    assert path == URL and list(query) == ["r"]
    [key] = query["r"]
    # Nothing but a random key: 22 URL-safe characters, 128 bits, new for each search.
    assert location == f"{URL}?r={key}" and re.fullmatch(r"[A-Za-z0-9_-]{22}", key)
    assert results_url(agent_client, "Jane Doe") != location
    html = agent_client.get(location).content.decode()
    assert reverse("customer-detail", args=[JANE]) in html
    assert reverse("customer-detail", args=[JANE_TWO]) in html
    assert "<title>Search results" in html
    assert 'value="Jane Doe"' in html  # the box keeps what was searched, to refine it


def test_loading_the_results_again_neither_searches_nor_counts_again(agent_client, settings):
    settings.DUPLICATE_SEARCHES_PER_MINUTE = 1
    location = results_url(agent_client, "jane doe")
    for _ in range(3):  # Back, refresh, Back
        html = agent_client.get(location).content.decode()
        assert html.count('class="result-name"') == 2
        assert "searching faster than anyone types" not in html
    assert_audited(Operation.SEARCH_CUSTOMERS, count=1)
    # The next search is the second of the minute: over the limit of one.
    html = agent_client.get(results_url(agent_client, "john smith")).content.decode()
    assert "searching faster than anyone types" in html
    assert_audited(Operation.SEARCH_CUSTOMERS, count=1)


def test_another_user_with_the_key_gets_a_fresh_search_page(agent_client, make_user):
    location = results_url(agent_client, "jane doe")
    other = Client()
    other.force_login(make_user("bruno", group=AGENTS))
    html = other.get(location).content.decode()
    assert "Those search results have expired" in html
    assert "result-name" not in html and "Jane" not in html
    assert 'name="q"' in html and 'value="' not in html.split('name="q"', 1)[1].split(">")[0]


def test_results_expire_after_fifteen_minutes(agent_client):
    start = time.time()
    with time_machine.travel(start, tick=False):
        location = results_url(agent_client, "jane doe")
    with time_machine.travel(start + KEPT_SECONDS - 1, tick=False):
        assert "result-name" in agent_client.get(location).content.decode()
    with time_machine.travel(start + KEPT_SECONDS + 1, tick=False):
        html = agent_client.get(location).content.decode()
    assert "Those search results have expired (they are kept for 15 minutes" in html
    assert "result-name" not in html


@pytest.mark.parametrize("key", ["A" * 22, "not-a-key", "", "../../x"])
def test_an_unknown_key_shows_the_empty_form(agent_client, key):
    response = agent_client.get(URL, {"r": key})
    assert response.status_code == 200
    html = response.content.decode()
    assert "result-name" not in html
    assert ("Those search results have expired" in html) == bool(key)


def test_a_card_number_is_refused_before_anything_is_kept(agent_client, monkeypatch):
    kept: list[LookupResult] = []

    def keep_spy(result: LookupResult, **_: object) -> str:
        kept.append(result)
        return "x"

    monkeypatch.setattr("customers.views.lookup.lookup_keep", keep_spy)
    response = agent_client.post(URL, {"q": CARD})
    assert response.status_code == 200  # the form again, the field marked: no redirect
    assert "customers are never looked up by card" in response.content.decode()
    assert_audited(Operation.SEARCH_CUSTOMERS, count=0)
    assert kept == []
    agent_client.post(URL, {"q": "jane doe"})
    assert [result.query for result in kept] == ["jane doe"]  # the spy does see a search


def _hit(**contact: str) -> Found:
    hit = SearchHit(
        id="SbxCustJaneDoe000001",
        contact=Contact(**contact),
        created=datetime(2026, 11, 6, tzinfo=UTC),
        internal_id="CRM-SECRET",
        highlights=("<em>jane@example.com</em>",),
    )
    return Found(hit, ("Same name",))


def test_what_is_kept_is_what_the_page_shows_and_no_more():
    found = _hit(
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        phone="555-555-5555",
        address_line_1="123 Main St",
        zip="33101",
        city="Miami",
    )
    kept = results_as_kept(LookupResult(query="jane doe", found=[found]))
    [shown] = kept.found
    assert shown.hint == found.hint == "j•••@example.com · phone ending 5555"
    assert shown.hit.contact.name == "Jane Doe" and shown.hit.contact.city == "Miami"
    assert shown.hit.created == found.hit.created and shown.hit.openable_id == found.hit.id
    assert "jane@example.com" not in repr(kept) and "123 Main" not in repr(kept)
    assert "33101" not in repr(kept) and "CRM-SECRET" not in repr(kept)


def test_a_card_number_in_what_revcent_holds_is_never_kept():
    found = _hit(first_name="Jane", last_name="Doe", city=f"Miami {CARD}")
    key = lookup_keep(LookupResult(query="jane doe", found=[found]), user_id=7)
    kept = lookup_kept(key, user_id=7)
    assert kept is not None
    assert kept.found[0].hit.contact.city == "Miami [card number removed]"
    assert "1111" not in repr(cache.get(f"lookup-results:v1:{key}"))
    assert lookup_kept(key, user_id=8) is None
