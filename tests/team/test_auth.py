from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_anonymous_visitor_is_sent_to_login_from_an_agent_page(client):
    response = client.get(reverse("customer-create"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/customers/new/")


def test_login_page_is_public_and_has_our_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content
    assert b'name="username"' in response.content


def test_agent_signs_in_and_reaches_home(client, agent):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "pw-alice"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"New customer" in response.content
    assert b"Support agents" in response.content


def test_wrong_password_says_so_without_saying_which_part(client, agent):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_agent_reaches_the_new_customer_page(agent_client):
    assert agent_client.get(reverse("customer-create")).status_code == 200


def test_auditor_gets_403_on_agent_pages(auditor_client):
    response = auditor_client.get(reverse("customer-create"))
    assert response.status_code == 403
    assert b"have access to this page" in response.content


def test_auditor_home_points_to_the_audit_trail(auditor_client):
    response = auditor_client.get(reverse("home"))
    assert b"Open the audit trail" in response.content
    assert b"New customer" not in response.content


def test_logout_is_post_only(agent_client):
    assert agent_client.get(reverse("logout")).status_code == 405
    response = agent_client.post(reverse("logout"))
    assert response.status_code == 302
    assert agent_client.get(reverse("home")).status_code == 302


def test_eleventh_bad_password_gets_the_lockout_message(client, agent):
    for _ in range(10):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content


def test_the_admin_signs_in_through_the_team_login_and_its_lockout(client, admin_user):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    # The admin's own login form is never served, so it cannot bypass lock-out or MFA.
    response = client.post(reverse("admin:login"), {"username": "root", "password": "x"})
    assert response.status_code in (302, 405)
    for _ in range(10):
        client.post(reverse("login"), {"username": "root", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "root", "password": "pw-root"})
    assert response.status_code == 429


def test_nine_failures_do_not_lock(client, agent):
    for _ in range(9):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "alice", "password": "pw-alice"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")


def test_htmx_request_with_expired_session_gets_hx_redirect(client):
    response = client.get(
        reverse("customer-create"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/customers/new/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/customers/new/"
    assert b"Sign in" not in response.content


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(
        q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
        for q in captured.captured_queries
    )


def test_an_active_session_is_written_at_most_once_a_minute(agent_client):
    start = time.time()
    with time_machine.travel(start, tick=False):
        _session_writes(agent_client, reverse("home"))
    with time_machine.travel(start + 30, tick=False):
        assert _session_writes(agent_client, reverse("home")) == 0
    with time_machine.travel(start + 59, tick=False):
        assert _session_writes(agent_client, reverse("home")) == 0
    with time_machine.travel(start + 61, tick=False):
        assert _session_writes(agent_client, reverse("home")) == 1
    # The idle window then runs from that write: 29 minutes later the session still holds.
    with time_machine.travel(start + 61 + 29 * 60, tick=False):
        assert agent_client.get(reverse("home")).status_code == 200
    # A request every 50 seconds keeps it alive well past 30 minutes without a write each time.
    writes = 0
    for step in range(1, 50):
        with time_machine.travel(start + 61 + 29 * 60 + step * 50, tick=False):
            writes += _session_writes(agent_client, reverse("home"))
    assert writes < 49 * 2 / 3


def test_session_ends_after_30_idle_minutes(agent_client):
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert agent_client.get(reverse("home")).status_code == 200
    # 29 minutes after that last request is still inside the idle window...
    with time_machine.travel(timezone.now() + timedelta(minutes=58)):
        assert agent_client.get(reverse("home")).status_code == 200
    # ...but 31 idle minutes are not.
    with time_machine.travel(timezone.now() + timedelta(minutes=90)):
        response = agent_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
