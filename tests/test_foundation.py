from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_checks_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_pages_carry_a_strict_content_security_policy(agent_client):
    response = agent_client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "script-src 'self' 'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_htmx_comes_from_our_own_static_files(agent_client):
    html = agent_client.get(reverse("home")).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert "unpkg" not in html
    assert "cdn" not in html.lower()


def test_sandbox_banner_shows_without_api_key(agent_client):
    assert b"Sandbox" in agent_client.get(reverse("home")).content


def test_header_shows_user_and_role(agent_client):
    html = agent_client.get(reverse("home")).content.decode()
    assert 'data-testid="signed-in-user">alice<' in html
    assert "Support agents" in html


def test_every_response_has_a_request_id(client):
    assert len(client.get(reverse("healthz"))["X-Request-ID"]) == 32
