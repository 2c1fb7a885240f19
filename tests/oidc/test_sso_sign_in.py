"""Sign-in through a real OpenID Connect provider (panva's oidc-provider on loopback): the
app reads its discovery document, sends the browser there with PKCE, state and nonce, and
checks the ID token it gets back."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client

from customers.models import AuditEntry, SsoIdentity
from customers.team.roles import role_of
from tests.oidc.provider_process import ACCOUNTS, TestProvider, callback_path

pytestmark = pytest.mark.django_db


def start(client: Client, next_url: str = "") -> str:
    answer = client.get("/accounts/sso/login/", {"next": next_url} if next_url else {})
    assert answer.status_code == 302
    return str(answer["Location"])


def sign_in(client: Client, provider: TestProvider, login: str, next_url: str = ""):
    back = provider.sign_in(start(client, next_url), login)
    return client.get(callback_path(back))


def trail(operation: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(operation=operation).order_by("id"))


def test_the_sign_in_request_uses_discovery_pkce_state_and_nonce(sso, client):
    url = start(client)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{sso.issuer}/auth?")  # from the discovery document
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://testserver/accounts/sso/callback/"]
    assert query["max_age"] == ["43200"]  # OIDC_SESSION_HOURS: a sign-in at most 12 hours old


def test_an_agent_signs_in_and_lands_where_they_were_going(sso, client):
    answer = sign_in(client, sso, "ann", next_url="/customers/new/")
    assert answer.status_code == 302 and answer["Location"] == "/customers/new/"
    page = client.get("/customers/new/")
    assert page.status_code == 200
    user = User.objects.get(email="ann@example.com")
    assert role_of(user) == "agent" and not user.has_usable_password()
    assert SsoIdentity.objects.get(user=user).issuer == sso.issuer
    [signed_in] = trail("SignIn")
    assert signed_in.username == "ann@example.com" and signed_in.message == "Through Test IdP."
    [role] = trail("RoleChanged")
    assert role.message.startswith("No role → Support agent")


def test_the_second_sign_in_finds_the_same_account(sso, client):
    sign_in(client, sso, "ann")
    client.post("/accounts/logout/")
    sign_in(client, sso, "ann")
    assert User.objects.filter(email="ann@example.com").count() == 1
    assert len(trail("SignIn")) == 2 and len(trail("RoleChanged")) == 1


def test_a_user_removed_from_the_agents_group_loses_access_at_the_next_sign_in(sso, client):
    sign_in(client, sso, "ann")
    client.post("/accounts/logout/")
    sso.set_accounts({"ann": {"email": "ann@example.com", "groups": ["marketing"]}})
    answer = sign_in(client, sso, "ann")
    assert answer.status_code == 403
    assert "no role in Support Desk" in answer.content.decode()
    assert role_of(User.objects.get(email="ann@example.com")) == "none"
    assert client.get("/customers/new/").status_code == 302  # not signed in
    changes = [row.message for row in trail("RoleChanged")]
    assert changes[-1].startswith("Support agent → No role")
    [refused] = trail("SignInRefused")
    assert "no_role" in refused.message and refused.outcome == AuditEntry.Outcome.DENIED


def test_a_group_moved_at_the_provider_moves_the_role(sso, client):
    sign_in(client, sso, "ann")
    client.post("/accounts/logout/")
    sso.set_accounts({"ann": {"email": "ann@example.com", "groups": ["support-auditors"]}})
    sign_in(client, sso, "ann")
    assert role_of(User.objects.get(email="ann@example.com")) == "auditor"
    assert trail("RoleChanged")[-1].message.startswith("Support agent → Auditor")


def test_groups_give_roles(sso):
    for login, role in (("ann", "agent"), ("otto", "auditor"), ("ada", "admin")):
        sign_in(Client(), sso, login)
        user = User.objects.get(email=f"{login}@example.com")
        assert role_of(user) == role
    assert User.objects.get(email="ada@example.com").is_superuser


def test_someone_in_no_mapped_group_is_refused_with_a_clear_page(sso, client):
    answer = sign_in(client, sso, "nora")
    assert answer.status_code == 403
    assert "Ask your admin to add you to one" in answer.content.decode()
    assert "no_role" in trail("SignInRefused")[0].message
    assert not User.objects.exists()  # no account for someone with no role


def test_an_e_mail_outside_the_allowed_domains_is_refused(sso, client):
    answer = sign_in(client, sso, "eve")
    assert answer.status_code == 403
    assert "This e-mail address is not allowed here" in answer.content.decode()
    assert not User.objects.filter(email="eve@elsewhere.test").exists()
    [refused] = trail("SignInRefused")
    assert refused.username == "eve@elsewhere.test" and "domain" in refused.message


def test_a_callback_with_a_state_this_session_never_sent_is_refused(sso, client):
    back = sso.sign_in(start(client), "ann")
    forged = back.replace("state=", "state=x")
    answer = client.get(callback_path(forged))
    assert answer.status_code == 403
    assert "already used or has expired" in answer.content.decode()
    assert "bad_state" in trail("SignInRefused")[0].message
    assert not User.objects.exists()


def test_a_callback_cannot_be_used_twice(sso, client):
    back = sso.sign_in(start(client), "ann")
    assert client.get(callback_path(back)).status_code == 302
    client.post("/accounts/logout/")
    assert client.get(callback_path(back)).status_code == 403


def test_a_callback_in_another_browser_is_refused(sso, client):
    back = sso.sign_in(start(client), "ann")
    answer = Client().get(callback_path(back))
    assert answer.status_code == 403 and "bad_state" in trail("SignInRefused")[0].message


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("audience", "wrong_audience"),
        ("expired", "expired_token"),
        ("nonce", "bad_nonce"),
        ("unsigned", "unsigned_token"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(sso, client, mode, reason):
    sso.tamper(mode)
    answer = sign_in(client, sso, "ann")
    assert answer.status_code == 403
    assert "could not be verified" in answer.content.decode()
    assert not User.objects.exists()
    [refused] = trail("SignInRefused")
    assert reason in refused.message and refused.outcome == AuditEntry.Outcome.DENIED


def test_a_rotated_signing_key_is_fetched_and_accepted(sso, client):
    sign_in(client, sso, "ann")  # the app now holds the first key
    client.post("/accounts/logout/")
    new_kid = sso.rotate_key()
    back = sso.sign_in(start(client), "ann")
    assert client.get(callback_path(back)).status_code == 302
    assert len(trail("SignIn")) == 2
    id_token = client.session["sso_id_token"]
    assert new_kid in _header(id_token)


def _header(jwt: str) -> str:
    import base64

    head = jwt.split(".")[0]
    return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()


def test_the_provider_s_mfa_in_amr_is_trusted(sso, client):
    sign_in(client, sso, "otto")  # an auditor; the provider says "otp"
    assert client.get("/admin/customers/auditentry/").status_code == 200


def test_the_provider_s_mfa_in_a_configured_acr_is_trusted(sso, client):
    sign_in(client, sso, "ada")
    assert client.get("/admin/").status_code == 200


def test_without_mfa_at_the_provider_the_app_asks_for_its_own(sso, client):
    sign_in(client, sso, "pat")  # an auditor with a password only at the provider
    answer = client.get("/admin/customers/auditentry/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/mfa/setup/")


def test_a_session_from_the_provider_ends_after_the_configured_hours(sso, client, settings):
    import time_machine

    settings.OIDC_SESSION_HOURS = 2
    # The provider's clock is the real one; ours may run a little ahead of it.
    signed_in = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    with time_machine.travel(signed_in, tick=False) as clock:
        clock.move_to(signed_in)
        answer = sign_in(client, sso, "ann")
        assert answer.status_code == 302
        for minutes in range(20, 120, 20):  # busy all along: never idle for 30 minutes
            clock.move_to(signed_in + dt.timedelta(minutes=minutes))
            assert client.get("/customers/new/").status_code == 200
        clock.move_to(signed_in + dt.timedelta(hours=2, minutes=1))
        answer = client.get("/customers/new/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_a_local_account_with_the_same_e_mail_is_never_taken_over(sso, client):
    User.objects.create_superuser("ann@example.com", password="pw-local-admin-long")
    answer = sign_in(client, sso, "ann")
    assert answer.status_code == 403
    assert "An account with your e-mail address already exists" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.get(username="ann@example.com").is_superuser  # untouched
    assert "account_conflict" in trail("SignInRefused")[0].message


def test_an_account_switched_off_here_stays_off(sso, client):
    sign_in(client, sso, "ann")
    client.post("/accounts/logout/")
    User.objects.filter(email="ann@example.com").update(is_active=False)
    answer = sign_in(client, sso, "ann")
    assert answer.status_code == 403 and "switched off" in answer.content.decode()
    assert "inactive" in trail("SignInRefused")[0].message


def test_an_e_mail_the_provider_has_not_verified_is_refused(sso, client):
    sso.set_accounts({"ann": {**ACCOUNTS["ann"], "email_verified": False}})
    answer = sign_in(client, sso, "ann")
    assert answer.status_code == 403
    assert not User.objects.exists()
