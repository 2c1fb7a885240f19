from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc.provider_process import ACCOUNTS, TestProvider, oidc_provider, sso_settings

__all__ = ["oidc_provider"]


@pytest.fixture
def sso(settings, oidc_provider: TestProvider, roles) -> Iterator[TestProvider]:
    """The app configured for the test provider, with ACCOUNTS there; nothing tampered."""
    sso_settings(settings, oidc_provider)
    oidc_provider.set_accounts(ACCOUNTS)
    oidc_provider.tamper("")
    yield oidc_provider
    oidc_provider.tamper("")
