"""How many SQL queries each page of the agent's workflow runs (issue #17).

The numbers are pinned: a change that adds a query per request shows up here, and the
bench's figures (docs/performance.md) then need a look. Counted on the test database
(SQLite by default; PostgreSQL in CI's second run), with the sandbox in-process, whose own
queries are counted too for the pages that call RevCent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.http.response import HttpResponseBase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.existing.lookup import customer_visited, recent_customers
from customers.forms.create import CustomerCreateForm
from customers.team.roles import AGENTS, role_assign
from tests.helpers import create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]

NEW = reverse("customer-create")
PANEL = reverse("customer-duplicates")

# The most each request may run. Every request reads the user; the session, their groups
# and their permissions come from the shared cache, and the session is written at most once
# a minute (tests/test_auth.py), so none of those is counted here.
MOST = {
    # Was 9: session read and write, groups and two permission queries.
    "home": 2,
    # 2 before the active campaigns came from the shared cache.
    "new customer": 1,
    # +1 a step of searches since issue 23: the step's audit rows are signed as they are
    # opened, an UPDATE beside their INSERT (in production on PostgreSQL, in one transaction
    # sent as two messages: customers/audit/fastwrite.py).
    "panel": 11,
    # 59 before a step's audit rows were written together, the campaigns cached, the form's
    # own attempt read with the recent ones (before the search, and again in the person's
    # turn), and expired claims cleared only when a claim is refused. Identity claims (#16)
    # had added 7; 66 before the caches. 47 before audit rows were signed when opened (+1 for
    # each of the three steps that open rows).
    "create": 50,
    # 25 before: the caller check asked twice, the attempt's user read apart, the visit
    # recorded by a read and a write in a transaction of their own. 17 before its GetCustomer
    # row was signed when opened.
    "customer page": 18,
}


def _count(call: Callable[[], HttpResponseBase]) -> tuple[int, HttpResponseBase]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return len(captured.captured_queries), response


def test_the_new_customer_page_reads_the_campaigns_once(agent_client, campaign, settings):
    settings.CACHE_SHARED = False  # else they come from the cache (below)
    agent_client.get(NEW)  # the first request of a process also loads the content types
    with CaptureQueriesContext(connection) as captured:
        assert agent_client.get(NEW).status_code == 200
    reads = [q for q in captured.captured_queries if "customers_campaign" in q["sql"]]
    assert len(reads) == 1


def test_home_and_the_new_customer_page(agent_client, campaign):
    for name, url in (("home", reverse("home")), ("new customer", NEW)):
        agent_client.get(url)
        count, response = _count(partial(agent_client.get, url))
        assert response.status_code == 200
        assert count <= MOST[name], (name, count)


def test_a_panel_refresh(agent_client, campaign):
    data = create_post(campaign)
    agent_client.post(PANEL, data, headers={"HX-Request": "true"})
    data["customer-email"] = "someone.else@example.com"
    count, response = _count(lambda: agent_client.post(PANEL, data, headers={"HX-Request": "true"}))
    assert response.status_code == 200
    assert count <= MOST["panel"], count


def test_a_create_and_the_customer_page(agent_client, campaign):
    agent_client.get(NEW)  # as an agent does, and the permissions are then in the cache
    count, response = _count(lambda: agent_client.post(NEW, create_post(campaign)))
    assert response.status_code == 302
    assert count <= MOST["create"], count
    count, page = _count(lambda: agent_client.get(response["Location"]))
    assert page.status_code == 200
    assert count <= MOST["customer page"], count


def test_the_customer_page_asks_each_thing_once(agent_client, campaign):
    agent_client.get(NEW)
    response = agent_client.post(NEW, create_post(campaign))
    with CaptureQueriesContext(connection) as captured:
        page = agent_client.get(response["Location"])
    assert page.status_code == 200
    assert "Created in Support Desk by alice" in page.content.decode()
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "auth_user"' in q for q in sql) == 1, sql  # the signed-in user only
    assert sum('"customers_createattempt"' in q for q in sql) == 2, sql  # read, verified
    assert [q.split()[0] for q in sql if '"customers_customervisit"' in q] == ["INSERT"], sql


def test_opening_a_customer_again_moves_them_up_the_recent_list(agent):
    start = time.time()
    for step, (customer_id, name) in enumerate(
        [("A" * 20, "Ana Diaz"), ("B" * 20, "Bo Li"), ("A" * 20, "Ana Díaz-Ruiz")]
    ):
        with time_machine.travel(start + step, tick=False):
            customer_visited(user=agent, customer_id=customer_id, name=name)
    recent = [(visit.customer_id, visit.name) for visit in recent_customers(agent)]
    assert recent == [("A" * 20, "Ana Díaz-Ruiz"), ("B" * 20, "Bo Li")]


def test_the_empty_form_is_the_same_every_time_and_a_typed_one_is_not_kept(agent_client, campaign):
    first = agent_client.get(NEW).content.decode()
    second = agent_client.get(NEW).content.decode()
    # The same page but for the one-time submission key and the CSRF token.
    assert first.count('id="id_customer-email"') == 1
    assert (
        first.split('id="id_customer-first_name"')[1][:2000]
        == (second.split('id="id_customer-first_name"')[1][:2000])
    )
    data = create_post(campaign, customer={"first_name": "Zoë", "email": "not-an-email"})
    typed = agent_client.post(NEW, data).content.decode()
    assert 'value="Zoë"' in typed
    assert "Enter a valid email address" in typed
    again = agent_client.get(NEW).content.decode()
    assert "Zoë" not in again and "Enter a valid email address" not in again


def test_a_request_reads_no_session_permissions_or_groups_from_the_database(agent_client, campaign):
    agent_client.get(NEW)
    with CaptureQueriesContext(connection) as captured:
        response = agent_client.get(NEW)
    assert response.status_code == 200
    read = [q["sql"] for q in captured.captured_queries]
    tables = ("auth_permission", "auth_group", "django_session")
    assert not [sql for sql in read if any(table in sql for table in tables)], read


def test_without_a_shared_cache_permissions_are_read_from_the_database(
    agent_client, campaign, settings
):
    # A local-memory cache is one process's own: a role change in one gunicorn worker would
    # not reach the others.
    settings.CACHE_SHARED = False
    agent_client.get(NEW)
    with CaptureQueriesContext(connection) as captured:
        agent_client.get(NEW)
    assert any("auth_permission" in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize(
    "change",
    [
        lambda user: role_assign(user, "none"),
        lambda user: user.groups.clear(),
        lambda user: Group.objects.get(name=AGENTS).permissions.clear(),
        lambda user: Group.objects.filter(name=AGENTS).delete(),
    ],
    ids=["role taken away", "groups cleared", "group's permission removed", "group deleted"],
)
def test_a_permission_taken_away_applies_from_the_next_request(agent_client, agent, change):
    assert agent_client.get(NEW).status_code == 200
    assert agent_client.get(NEW).status_code == 200  # now served from the cache
    change(agent)
    assert agent_client.get(NEW).status_code == 403


def test_a_role_given_applies_from_the_next_request(client, make_user, campaign):
    user = make_user("newcomer")
    client.force_login(user)
    assert client.get(NEW).status_code == 403
    assert client.get(NEW).status_code == 403
    role_assign(user, "agent")
    assert client.get(NEW).status_code == 200
    assert "Support agent" in client.get(NEW).content.decode()


def test_a_campaign_outside_the_active_list_is_refused(agent_client, campaign):
    campaign.active = False
    campaign.save()
    form = CustomerCreateForm(_query(create_post(campaign)))
    assert not form.is_valid()
    assert form.options.errors["campaign"].as_data()[0].code == "invalid_choice"
    assert form.campaigns == []


def _query(data: dict[str, str]):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(data)
    return query


def test_with_a_shared_cache_the_campaigns_are_read_once_until_an_admin_changes_one(
    agent_client, campaign, settings
):
    from django.core.cache import cache

    settings.CACHE_SHARED = True
    cache.clear()
    agent_client.get(NEW)
    with CaptureQueriesContext(connection) as captured:
        page = agent_client.get(NEW).content.decode()
    assert not [q for q in captured.captured_queries if "customers_campaign" in q["sql"]]
    assert campaign.name in page

    campaign.name = "Spring promotion"
    campaign.save()  # as Django admin does
    assert "Spring promotion" in agent_client.get(NEW).content.decode()
    campaign.active = False
    campaign.save()
    form = CustomerCreateForm(_query(create_post(campaign)))
    assert not form.is_valid()  # an inactive campaign is refused at once, not after a minute
