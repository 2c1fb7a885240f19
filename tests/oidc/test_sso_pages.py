"""The sign-in page, password sign-in switched off, and sign-out at the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from customers.models import AuditEntry
from tests.oidc.provider_process import callback_path

pytestmark = pytest.mark.django_db


def test_without_a_provider_the_sign_in_page_is_as_before(client, roles):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert client.get("/accounts/sso/login/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404


def test_the_sign_in_page_offers_the_provider_and_keeps_where_you_were_going(sso, client):
    page = client.get("/accounts/login/?next=/customers/new/").content.decode()
    assert "Sign in with Test IdP" in page
    assert 'href="/accounts/sso/login/?next=/customers/new/"' in page
    assert 'name="password"' in page  # passwords still on for everyone


def test_with_password_sign_in_off_an_agent_is_told_to_use_the_provider(sso, client, settings):
    settings.PASSWORD_SIGN_IN = False
    settings.PASSWORD_SIGN_IN_ADMINS = ["root"]
    User.objects.create_user("alice", password="pw-alice-long-enough")
    answer = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-alice-long-enough"}
    )
    assert answer.status_code == 200
    assert "Password sign-in is off" in answer.content.decode()
    assert "Sign in with Test IdP" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_password_sign_in_off_a_break_glass_admin_still_signs_in(sso, client, settings):
    settings.PASSWORD_SIGN_IN = False
    settings.PASSWORD_SIGN_IN_ADMINS = ["root"]
    User.objects.create_superuser("root", password="pw-root-long-enough")
    page = client.get("/accounts/login/").content.decode()
    assert "Break-glass admin sign-in" in page
    answer = client.post(
        "/accounts/login/", {"username": "root", "password": "pw-root-long-enough"}
    )
    assert answer.status_code == 302
    assert AuditEntry.objects.get(operation="SignIn").message == ""  # a password sign-in


def test_the_password_backend_refuses_too_not_only_the_form(sso, settings, rf):
    settings.PASSWORD_SIGN_IN = False
    User.objects.create_user("alice", password="pw-alice-long-enough")
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="alice", password="pw-alice-long-enough") is None


def test_sign_out_ends_the_provider_session_too(sso, client):
    back = sso.sign_in(f"{client.get('/accounts/sso/login/')['Location']}", "ann")
    client.get(callback_path(back))
    answer = client.post("/accounts/logout/")
    assert answer.status_code == 302
    to_provider = answer["Location"]
    assert to_provider.startswith(f"{sso.issuer}/session/end?")
    query = parse_qs(urlsplit(to_provider).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/customers/new/").status_code == 302  # the app's session is gone
    # The provider accepts the request (a bad hint or return address would be a 400 page).
    assert httpx.get(to_provider, timeout=10).status_code == 200


def test_a_password_session_signs_out_here_only(sso, client, agent):
    client.force_login(agent)
    answer = client.post("/accounts/logout/")
    assert answer["Location"] == "/accounts/login/"


def test_an_unreachable_provider_gets_a_clear_page(sso, client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard: nothing listens
    answer = client.get("/accounts/sso/login/")
    assert answer.status_code == 403
    assert "cannot be reached" in answer.content.decode()


def test_the_provider_refusing_the_sign_in_is_recorded(sso, client):
    back = sso.sign_in(client.get("/accounts/sso/login/")["Location"], "nobody-there")
    answer = client.get(callback_path(back))
    assert answer.status_code == 403
    assert "did not sign you in" in answer.content.decode()
    assert "provider_error" in AuditEntry.objects.get(operation="SignInRefused").message


def test_a_discovery_document_for_another_issuer_is_refused(sso, client, settings):
    settings.OIDC_ISSUER = sso.issuer.replace("127.0.0.1", "localhost")  # same server, other name
    answer = client.get("/accounts/sso/login/")
    assert answer.status_code == 403
    assert "could not be verified" in answer.content.decode()
