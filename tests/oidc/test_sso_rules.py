"""The plain rules of provider sign-in, and its start-up checks."""

from __future__ import annotations

import pytest

from customers.team.sso.rules import (
    claim_groups,
    email_domain_allowed,
    provider_did_mfa,
    role_for_groups,
)
from tests.test_settings import PRODUCTION, run_manage

MAPPING = {"support-agents": "agent", "support-auditors": "auditor", "it-admins": "admin"}


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ([], None),
        (["marketing"], None),
        (["support-agents"], "agent"),
        (["support-agents", "support-auditors"], "auditor"),
        (["support-agents", "it-admins", "marketing"], "admin"),
    ],
)
def test_the_strongest_mapped_group_gives_the_role(groups, role):
    assert role_for_groups(groups, MAPPING) == role


@pytest.mark.parametrize(
    ("claims", "groups"),
    [
        ({"groups": ["a", "b"]}, {"a", "b"}),
        ({"groups": "a"}, {"a"}),  # some providers send one group as a string
        ({"groups": {"a": 1}}, set()),
        ({}, set()),
        ({"groups": ["a", None, {"x": 1}]}, {"a"}),
    ],
)
def test_the_groups_claim_is_read_defensively(claims, groups):
    assert claim_groups(claims, "groups") == groups


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("ann@example.com", True),
        ("ANN@Example.COM", True),
        ("ann@sub.example.com", False),  # exact domains only
        ("ann@example.com.evil.test", False),
        ("ann@evil.test", False),
        ("example.com", False),
        ("@example.com", False),
    ],
)
def test_only_the_listed_e_mail_domains_may_sign_in(email, allowed):
    assert email_domain_allowed(email, ["example.com"]) is allowed


def test_no_domain_list_allows_any_e_mail():
    assert email_domain_allowed("ann@anywhere.test", [])


@pytest.mark.parametrize(
    ("claims", "trusted"),
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["otp"]}, True),
        ({"amr": ["hwk", "pin"]}, True),
        ({"amr": ["pwd"]}, False),
        ({"amr": "mfa"}, False),  # amr is a list by the spec; a string is not trusted
        ({"acr": "urn:test:mfa"}, True),
        ({"acr": "urn:test:pwd"}, False),
        ({}, False),
    ],
)
def test_the_provider_s_second_factor_is_trusted_only_when_the_token_says_so(claims, trusted):
    assert provider_did_mfa(claims, ["urn:test:mfa"]) is trusted


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OIDC_ISSUER": "https://idp.example.com"}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"),
        (
            {
                "OIDC_ISSUER": "https://idp.example.com",
                "OIDC_CLIENT_ID": "a",
                "OIDC_CLIENT_SECRET": "b",
            },
            "map at least one provider group",
        ),
        (
            {
                "OIDC_ISSUER": "http://idp.example.com",
                "OIDC_CLIENT_ID": "a",
                "OIDC_CLIENT_SECRET": "b",
                "OIDC_AGENT_GROUPS": "agents",
            },
            "OIDC_ISSUER must be an https:// URL",
        ),
        ({"PASSWORD_SIGN_IN": "false"}, "PASSWORD_SIGN_IN=false needs OIDC_ISSUER"),
    ],
)
def test_a_half_configured_provider_stops_the_app_at_start_up(env, message):
    result = run_manage("check", **{**PRODUCTION, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_configured_provider_passes_the_deploy_check():
    env = {
        "OIDC_ISSUER": "https://idp.example.com",
        "OIDC_CLIENT_ID": "supportdesk",
        "OIDC_CLIENT_SECRET": "secret",
        "OIDC_AGENT_GROUPS": "support-agents",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr


def test_sign_out_may_continue_to_the_provider_and_nowhere_else():
    env = {
        "OIDC_ISSUER": "https://idp.example.com/tenant/v2.0",
        "OIDC_CLIENT_ID": "supportdesk",
        "OIDC_CLIENT_SECRET": "secret",
        "OIDC_AGENT_GROUPS": "support-agents",
    }
    show = "from django.conf import settings; print(*map(str, settings.SECURE_CSP['form-action']))"
    result = run_manage("shell", "-c", show, **{**PRODUCTION, **env})
    assert result.stdout.strip().endswith("'self' https://idp.example.com"), result.stderr
