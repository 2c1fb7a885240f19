"""Every URL of the app × every role: the exact status each must get.

A URL added without an entry here fails `test_every_url_has_an_entry`, so access rules are
decided when a page is added, not discovered later.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from customers import audit
from customers.audit import Actor
from customers.models import AuditEntry, CardLink, CreateAttempt
from customers.team.roles import AGENTS
from tests.conftest import login_verified
from tests.helpers import stored_body
from tests.oidc.provider_process import (
    callback_path,
    oidc_provider,
    sso_settings,
)
from tests.seeded import JANE

__all__ = ["oidc_provider"]  # the test provider's session fixture, used below

ROLES = ("anonymous", "agent", "auditor", "admin")
# Query strings some views need to do anything at all.
QUERY = {"admin:autocomplete": "?app_label=auth&model_name=user&field_name=groups&term=a"}

# URL name → status for (anonymous, agent, auditor, admin), for a GET. 302 for anonymous is
# the redirect to the login page (every page needs login but these few public ones).
MATRIX: dict[str, tuple[int, int, int, int]] = {
    # Public: the load balancer's check, sign-in, password reset, the provider's card page.
    "healthz": (200, 200, 200, 200),
    "favicon": (301, 301, 301, 301),
    # Signed in. 405: a POST-only action. A verified admin or auditor may add an authenticator.
    "logout": (302, 405, 405, 405),
    "mfa-setup": (302, 200, 200, 200),
    "mfa-verify": (302, 302, 200, 200),
    "login": (200, 200, 200, 200),
    "password_change": (302, 200, 200, 200),
    "password_change_done": (302, 200, 200, 200),
    "password_reset": (200, 200, 200, 200),
    "password_reset_done": (200, 200, 200, 200),
    "password_reset_confirm": (200, 200, 200, 200),
    "password_reset_complete": (200, 200, 200, 200),
    # Sign-in through the identity provider: not set up here (404); with it, see the SSO test.
    "sso-start": (404, 404, 404, 404),
    "sso-callback": (404, 404, 404, 404),
    # Admin: agents are not staff (sent to sign in); auditors read the audit trail only;
    # objects that do not exist (id 1 of an empty table) redirect to the list.
    "admin:index": (302, 403, 200, 200),
    "admin:login": (302, 302, 302, 302),
    "admin:logout": (302, 302, 405, 405),
    "admin:password_change": (302, 403, 200, 200),
    "admin:password_change_done": (302, 403, 200, 200),
    "admin:autocomplete": (302, 403, 403, 200),
    "admin:jsi18n": (302, 403, 200, 200),
    "admin:view_on_site": (302, 403, 404, 404),
    "admin:auth_group_changelist": (302, 403, 403, 200),
    "admin:auth_group_add": (302, 403, 403, 200),
    "admin:auth_group_history": (302, 403, 403, 200),
    "admin:auth_group_delete": (302, 403, 403, 200),
    "admin:auth_group_change": (302, 403, 403, 200),
    "admin:auth_user_password_change": (302, 403, 403, 200),
    "admin:auth_user_changelist": (302, 403, 403, 200),
    "admin:auth_user_add": (302, 403, 403, 200),
    "admin:auth_user_history": (302, 403, 403, 200),
    "admin:auth_user_delete": (302, 403, 403, 200),
    "admin:auth_user_change": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_config": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_qrcode": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_changelist": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_add": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_history": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_delete": (302, 403, 403, 200),
    "admin:otp_totp_totpdevice_change": (302, 403, 403, 200),
    "admin:otp_static_staticdevice_changelist": (302, 403, 403, 200),
    "admin:otp_static_staticdevice_add": (302, 403, 403, 200),
    "admin:otp_static_staticdevice_history": (302, 403, 302, 302),
    "admin:otp_static_staticdevice_delete": (302, 403, 403, 302),
    "admin:otp_static_staticdevice_change": (302, 403, 403, 302),
    "admin:axes_accessattempt_changelist": (302, 403, 403, 200),
    "admin:axes_accessattempt_add": (302, 403, 403, 403),
    "admin:axes_accessattempt_history": (302, 403, 302, 302),
    "admin:axes_accessattempt_delete": (302, 403, 403, 302),
    "admin:axes_accessattempt_change": (302, 403, 403, 302),
    "admin:axes_accesslog_changelist": (302, 403, 403, 200),
    "admin:axes_accesslog_add": (302, 403, 403, 403),
    "admin:axes_accesslog_history": (302, 403, 302, 302),
    "admin:axes_accesslog_delete": (302, 403, 403, 302),
    "admin:axes_accesslog_change": (302, 403, 403, 302),
    "admin:axes_accessfailurelog_changelist": (302, 403, 403, 200),
    "admin:axes_accessfailurelog_add": (302, 403, 403, 403),
    "admin:axes_accessfailurelog_history": (302, 403, 302, 302),
    "admin:axes_accessfailurelog_delete": (302, 403, 403, 302),
    "admin:axes_accessfailurelog_change": (302, 403, 403, 302),
    "admin:customers_auditentry_export": (302, 403, 200, 200),
    "admin:customers_auditentry_changelist": (302, 403, 200, 200),
    "admin:customers_auditentry_add": (302, 403, 403, 403),
    "admin:customers_auditentry_history": (302, 403, 200, 200),
    "admin:customers_auditentry_delete": (302, 403, 403, 403),
    "admin:customers_auditentry_change": (302, 403, 200, 200),
    "admin:customers_campaign_changelist": (302, 403, 403, 200),
    "admin:customers_campaign_add": (302, 403, 403, 200),
    "admin:customers_campaign_history": (302, 403, 403, 200),
    "admin:customers_campaign_delete": (302, 403, 403, 200),
    "admin:customers_campaign_change": (302, 403, 403, 200),
    "admin:app_list": (302, 403, 200, 200),
    # The simulated provider's page: a bad token is gone for everyone.
    "sandbox-card-form": (410, 410, 410, 410),
    # The support app.
    "home": (302, 200, 200, 200),
    "customer-create": (302, 200, 403, 200),
    # The team overview and its CSVs: auditors and admins only.
    "team-overview": (302, 403, 200, 200),
    # Everyone's own settings page (the time zone).
    "account-settings": (302, 200, 200, 200),
    "team-overview-csv": (302, 403, 200, 200),
    "customer-search": (302, 200, 200, 200),
    "customer-duplicates": (302, 405, 405, 405),
    "attempt-detail": (302, 200, 403, 200),
    "attempt-reconcile": (302, 405, 405, 405),
    "attempt-note": (302, 405, 405, 405),
    "customer-detail": (302, 200, 200, 200),
    "caller-verify": (302, 405, 405, 405),
    "card-link-create": (302, 405, 405, 405),
    "customer-groups": (302, 302, 403, 302),  # Jane is not theirs: verify the caller first
    "card-link-expire": (302, 405, 405, 405),
    # The assistant channel: tokens for agents and auditors (admins are superusers).
    "assistant-tokens": (302, 200, 200, 200),
    "assistant-token-revoke": (302, 404, 404, 404),  # no such token; GET asks first
    # A bearer token, never a session: 405 for any GET, signed in or not (POST: tests/assistant).
    "assistant-mcp": (405, 405, 405, 405),
    "assistant-resource-metadata": (200, 200, 200, 200),
    "admin:customers_assistanttoken_changelist": (302, 403, 403, 200),
    "admin:customers_assistanttoken_add": (302, 403, 403, 403),
    "admin:customers_assistanttoken_history": (302, 403, 302, 302),
    "admin:customers_assistanttoken_delete": (302, 403, 403, 403),  # revoked, never deleted
    "admin:customers_assistanttoken_change": (302, 403, 403, 302),
}


def all_url_names(patterns=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found += all_url_names(entry.url_patterns, namespace)
        elif entry.name:
            found.append((f"{prefix}{entry.name}", entry))
    return found


# The POST-only actions, posted empty: who may act at all (the action's own checks follow).
POST_MATRIX: dict[str, tuple[int, int, int, int]] = {
    "customer-duplicates": (302, 200, 403, 200),
    "customer-search": (302, 200, 200, 200),
    "attempt-reconcile": (302, 302, 403, 302),
    "attempt-note": (302, 302, 403, 302),
    "caller-verify": (302, 302, 403, 302),
    "card-link-create": (302, 302, 403, 302),
    "card-link-expire": (302, 302, 403, 302),
    "customer-groups": (302, 302, 403, 302),
    "assistant-tokens": (302, 200, 200, 200),  # the form again, saying what is missing
    "assistant-token-revoke": (302, 404, 404, 404),  # no such token
    "assistant-mcp": (401, 401, 401, 401),  # a session is not a token
}


def expected(name: str) -> tuple[int, int, int, int]:
    return MATRIX[name]


def test_every_url_has_an_entry():
    assert [name for name, _ in all_url_names() if name not in MATRIX] == []


@pytest.fixture
def objects(sandbox, agent, auditor, admin_user, campaign):
    """One of everything a URL can name."""
    attempt = CreateAttempt.objects.create(
        submission_key="3e4b1c2d-0000-4000-8000-000000000001",
        user=agent,
        campaign=campaign,
        payload=stored_body(campaign, {"email": "x@example.com"}),
        email="x@example.com",
    )
    entry = audit.agent_action(action=AuditEntry.Operation.SIGN_IN, actor=Actor(user=agent))
    from django.utils import timezone

    link = CardLink.objects.create(
        customer_id=JANE,
        created_by=agent,
        channel="copy",
        expires_at=timezone.now(),
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, name="spare", confirmed=True)
    return {
        "attempt": attempt,
        "entry": entry,
        "link": link,
        "campaign": campaign,
        "device": device,
        "group": Group.objects.get(name=AGENTS),
    }


def kwargs_for(name: str, pattern: URLPattern, objects, users) -> dict[str, object]:
    """The URL's own parameters, filled with real objects where a real one matters."""
    keys = set(pattern.pattern.regex.groupindex)
    model = name.split(":", 1)[-1].rsplit("_", 1)[0]
    values = {
        "customer_id": JANE,
        "slug": "agents",
        "key": objects["attempt"].submission_key,
        "link_id": objects["link"].pk,
        "token": "not-a-token",
        "prefix": "sdk_00000000",
        "uidb64": "MQ",
        "app_label": "customers",
        "content_type_id": 1,
        "id": users["admin"].pk,
        "pk": objects["device"].pk,
        "object_id": {
            "customers_auditentry": objects["entry"].pk,
            "customers_campaign": objects["campaign"].pk,
            "auth_user": users["admin"].pk,
            "otp_totp_totpdevice": objects["device"].pk,
            "auth_group": objects["group"].pk,
            # Any other model: an id that surely does not exist (admin redirects to its list).
        }.get(model, 999_999),
    }
    return {key: values[key] for key in keys}


def added_through_the_admin(admin_user, username: str, role: str):
    """A teammate as an admin adds one in Admin → Users: a username, a password and a role,
    nothing else ticked."""
    admin = Client()
    login_verified(admin, admin_user)
    password = "a-long-pass-phrase-1"
    response = admin.post(
        reverse("admin:auth_user_add"),
        {
            "username": username,
            "usable_password": "true",
            "password1": password,
            "password2": password,
            "role": role,
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(username=username)


@pytest.mark.django_db
def test_each_role_gets_exactly_its_status(objects, agent, admin_user):
    # The auditor column is a user added in Admin → Users as an auditor with nothing else
    # ticked (no Staff status): the role alone must open the audit trail.
    auditor = added_through_the_admin(admin_user, "newauditor", "auditor")
    assert not auditor.is_staff
    users = {"agent": agent, "auditor": auditor, "admin": admin_user}
    clients = {"anonymous": Client()}
    clients["agent"] = Client()
    clients["agent"].force_login(agent)
    for role in ("auditor", "admin"):
        clients[role] = Client()
        login_verified(clients[role], users[role])

    problems = []
    for name, pattern in all_url_names():
        url = reverse(name, kwargs=kwargs_for(name, pattern, objects, users))
        url += QUERY.get(name, "")
        statuses = tuple(clients[role].get(url).status_code for role in ROLES)
        if statuses != expected(name):
            problems.append(f"GET {name} {url}: got {statuses}, expected {expected(name)}")
        if name in POST_MATRIX:
            statuses = tuple(clients[role].post(url).status_code for role in ROLES)
            if statuses != POST_MATRIX[name]:
                problems.append(f"POST {name}: got {statuses}, expected {POST_MATRIX[name]}")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_an_auditor_added_in_the_admin_sets_up_two_factor_then_reads_the_trail(admin_user):
    auditor = added_through_the_admin(admin_user, "newauditor", "auditor")
    client = Client()
    client.force_login(auditor)
    trail = reverse("admin:customers_auditentry_changelist")
    # Two-factor first (the MFA middleware), then the trail itself, not a sign-in form.
    assert client.get(trail)["Location"].startswith(reverse("mfa-setup"))
    login_verified(client, auditor)
    response = client.get(trail)
    assert response.status_code == 200
    assert "Search the audit trail" in response.content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "Open the audit trail" in home


@pytest.mark.django_db
def test_an_agent_added_in_the_admin_does_not_reach_the_trail(admin_user):
    agent = added_through_the_admin(admin_user, "newagent", "agent")
    client = Client()
    client.force_login(agent)
    response = client.get(reverse("admin:customers_auditentry_changelist"))
    # Signed in, so not a sign-in form: a plain "not your role".
    assert response.status_code == 403
    assert "You don’t have access to this page" in response.content.decode()
    assert agent.has_perm("customers.create_customer")


# With the identity provider set up, its two URLs: starting a sign-in sends anyone there;
# a callback with no state from this session is refused (the page says why).
SSO_MATRIX = {"sso-start": (302, 302, 302, 302), "sso-callback": (403, 403, 403, 403)}
# Where a user signed in through the provider gets another status than a password user, and why.
SSO_DIFFERENCES: dict[str, tuple[int, int, int, int]] = {
    # The provider checked their second factor: no authenticator here to verify, so the
    # page offers to set one up instead.
    "mfa-verify": (302, 302, 302, 302),
    # The attempt is alice's (the password agent's); another agent's is not found.
    "attempt-detail": (302, 404, 403, 200),
}


@pytest.mark.django_db
def test_users_signed_in_through_the_provider_get_the_same_statuses(
    objects, agent, auditor, admin_user, settings, oidc_provider
):
    """The agent, auditor and admin columns again, each signed in through a real provider
    (tests/oidc): roles from its groups, the second factor from its amr or acr."""
    sso_settings(settings, oidc_provider)
    oidc_provider.prepare()
    users = {"agent": agent, "auditor": auditor, "admin": admin_user}
    clients = {"anonymous": Client()}
    for role, login in (("agent", "ann"), ("auditor", "otto"), ("admin", "ada")):
        clients[role] = Client()
        start = clients[role].get(reverse("sso-start"))["Location"]
        back = clients[role].get(callback_path(oidc_provider.sign_in(start, login)))
        assert back.status_code == 302, back.content.decode()[:500]

    problems = []
    for name, pattern in all_url_names():
        url = reverse(name, kwargs=kwargs_for(name, pattern, objects, users))
        url += QUERY.get(name, "")
        want = SSO_DIFFERENCES.get(name) or SSO_MATRIX.get(name) or expected(name)
        statuses = tuple(clients[role].get(url).status_code for role in ROLES)
        if statuses != want:
            problems.append(f"GET {name} {url}: got {statuses}, expected {want}")
    assert problems == [], "\n".join(problems)
