from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc.provider_process import CLIENT_ID, CLIENT_SECRET, TestProvider, oidc_provider

__all__ = ["oidc_provider"]

# The provider's accounts for these tests: login -> what its ID token says.
ACCOUNTS = {
    "ann": {"email": "ann@example.com", "groups": ["support-agents"], "amr": ["pwd"]},
    "otto": {"email": "otto@example.com", "groups": ["support-auditors"], "amr": ["pwd", "otp"]},
    "pat": {"email": "pat@example.com", "groups": ["support-auditors"], "amr": ["pwd"]},
    "ada": {"email": "ada@example.com", "groups": ["it-admins"], "acr": "urn:test:mfa"},
    "nora": {"email": "nora@example.com", "groups": ["marketing"]},
    "eve": {"email": "eve@elsewhere.test", "groups": ["support-agents"]},
}


def sso_settings(settings, provider: TestProvider) -> None:
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_AGENT_GROUPS = ["support-agents"]
    settings.OIDC_AUDITOR_GROUPS = ["support-auditors"]
    settings.OIDC_ADMIN_GROUPS = ["it-admins"]
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["example.com"]
    settings.OIDC_MFA_ACR_VALUES = ["urn:test:mfa"]


@pytest.fixture
def sso(settings, oidc_provider: TestProvider, roles) -> Iterator[TestProvider]:
    """The app configured for the test provider, with ACCOUNTS there; nothing tampered."""
    sso_settings(settings, oidc_provider)
    oidc_provider.set_accounts(ACCOUNTS)
    oidc_provider.tamper("")
    yield oidc_provider
    oidc_provider.tamper("")
