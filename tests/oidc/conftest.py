from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc.provider_process import TestProvider, oidc_provider, sso_settings

__all__ = ["oidc_provider"]


@pytest.fixture
def sso(settings, oidc_provider: TestProvider, roles) -> Iterator[TestProvider]:
    """The app configured for the test provider, and the provider reset (prepare())."""
    sso_settings(settings, oidc_provider)
    oidc_provider.prepare()
    yield oidc_provider
    oidc_provider.tamper("")
