"""Hardened sign-in: second factor, session limits, lock-out answers, team set-up."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from customers.models import AuditEntry

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:customers_auditentry_changelist")


def sign_in(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": f"pw-{username}"})
    assert response.status_code == 302


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_an_auditor_must_set_up_a_second_factor_first(client, auditor):
    sign_in(client, "audrey")
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa-setup"))


def test_enrolment_shows_a_qr_code_and_gives_recovery_codes(client, auditor):
    sign_in(client, "audrey")
    page = client.get(reverse("mfa-setup") + "?next=" + CHANGELIST).content.decode()
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=auditor, confirmed=False)
    wrong = client.post(reverse("mfa-setup"), {"token": "000000", "next": CHANGELIST})
    assert b"That code is not right" in wrong.content

    # django-otp throttles a device after a wrong code; wait it out as a person would.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        done = client.post(reverse("mfa-setup"), {"token": code_for(device), "next": CHANGELIST})
        html = done.content.decode()
        assert "Save these recovery codes now" in html
        assert html.count("<li>") >= 10
        assert StaticToken.objects.filter(device__user=auditor).count() == 10
        assert client.get(CHANGELIST).status_code == 200
    assert AuditEntry.objects.filter(operation="MfaEnrolled", user=auditor).exists()


def test_a_returning_admin_is_asked_for_a_code(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    sign_in(client, "root")
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("mfa-verify"))
    bad = client.post(reverse("mfa-verify"), {"token": "123456"})
    assert b"That code is not right" in bad.content
    assert AuditEntry.objects.filter(operation="MfaFailed").exists()
    # django-otp throttles a device after a failure; wait it out as a person would.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        ok = client.post(
            reverse("mfa-verify"), {"token": code_for(device), "next": reverse("admin:index")}
        )
        assert ok["Location"] == reverse("admin:index")
        assert client.get(reverse("admin:index")).status_code == 200


def test_a_recovery_code_works_once(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=admin_user, name="Recovery codes")
    static.token_set.create(token="abcdef1234")
    sign_in(client, "root")
    assert client.post(reverse("mfa-verify"), {"token": "abcdef1234"}).status_code == 302
    assert not static.token_set.exists()


def test_a_stolen_password_cannot_enrol_a_new_authenticator(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    sign_in(client, "root")
    response = client.get(reverse("mfa-setup"))
    assert response["Location"].startswith(reverse("mfa-verify"))


def test_agents_need_no_second_factor_unless_configured(client, agent, settings):
    sign_in(client, "alice")
    assert client.get(reverse("home")).status_code == 200
    settings.REQUIRE_MFA_FOR_AGENTS = True
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa-setup"))


def test_htmx_requests_before_the_second_factor_redirect_the_page(client, auditor):
    sign_in(client, "audrey")
    response = client.get(CHANGELIST, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa-setup")


def test_demo_accounts_skip_only_in_sandbox_debug(client, make_user, settings):
    demo = make_user("auditor", group="Auditors", is_staff=True)
    demo.set_password("pw-auditor")
    demo.save()
    sign_in(client, "auditor")
    assert client.get(reverse("home")).status_code == 302  # DEBUG is off in tests
    settings.MFA_DEMO_SKIP = True
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_makes_a_new_session_key(client, agent):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, "alice")
    assert client.session.session_key != before


def test_sessions_end_twelve_hours_after_sign_in_however_active(client, agent):
    sign_in(client, "alice")
    start = time.time()
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes, never idle
        with time_machine.travel(start + minutes * 60):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + 12 * 3600 + 60):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_cookies_use_host_prefixed_names_outside_debug(client, agent, settings):
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-alice"})
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"
    assert not cookie["domain"]


def test_a_deactivated_user_is_out_at_their_next_request(client, agent):
    sign_in(client, "alice")
    agent.is_active = False
    agent.save()
    assert client.get(reverse("home")).status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_answer(client, agent):
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "x"})
    wrong = client.post(reverse("login"), {"username": "alice", "password": "x"})
    assert unknown.status_code == wrong.status_code == 200
    marker = b"Please enter a correct username and password"
    assert marker in unknown.content and marker in wrong.content


def test_an_unknown_username_is_locked_out_like_a_real_one(client):
    for _ in range(10):
        client.post(reverse("login"), {"username": "ghost", "password": "x"})
    response = client.post(reverse("login"), {"username": "ghost", "password": "x"})
    assert response.status_code == 429


def test_add_team_member_prompts_for_the_password(monkeypatch, roles):
    answers = iter(["a-Long-passphrase-42", "a-Long-passphrase-42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("add_team_member", "carol", "--role", "auditor", "--email", "c@example.com")
    carol = User.objects.get(username="carol")
    assert carol.check_password("a-Long-passphrase-42")
    assert not carol.is_superuser
    assert list(carol.groups.values_list("name", flat=True)) == ["Auditors"]


def test_add_team_member_refuses_weak_or_mismatched_passwords(monkeypatch, roles):
    answers = iter(["one", "two", "password", "password", "123", "123"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="nothing was created"):
        call_command("add_team_member", "dave", "--role", "agent")
    assert not User.objects.filter(username="dave").exists()


def test_add_team_member_takes_no_password_argument(roles):
    with pytest.raises(CommandError):
        call_command("add_team_member", "erin", "--role", "agent", "--password", "x")
