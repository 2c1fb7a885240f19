"""The test OpenID Connect provider (tests/oidc/provider/provider.mjs: panva's oidc-provider)
run by node on a free loopback port for the test session, and a driver for its pages.

`oidc_provider` is a session fixture; test modules that need it import it by name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

PROVIDER_DIR = Path(__file__).parent / "provider"
CLIENT_ID = "supportdesk"
CLIENT_SECRET = "test-client-secret-not-for-production"
START_TIMEOUT_SECONDS = 30


@dataclass
class TestProvider:
    issuer: str

    __test__ = False  # not a test class, whatever its name

    def _control(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(f"{self.issuer}/_test/{name}", json=body, timeout=10)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def prepare(self, app_url: str = "http://testserver") -> None:
        """A clean start for a test: this app registered at app_url, ACCOUNTS, nothing
        tampered. (The provider lives for the session; the tests share it in any order.)"""
        self.set_client(
            redirect_uris=[f"{app_url}/accounts/sso/callback/"],
            post_logout_redirect_uris=[f"{app_url}/accounts/login/"],
        )
        self.set_accounts(ACCOUNTS)
        self.tamper("")

    def set_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Replace the provider's accounts: login -> email, groups, amr, acr, name."""
        self._control("accounts", accounts)

    def set_client(self, **metadata: list[str]) -> None:
        self._control("client", metadata)

    def rotate_key(self) -> str:
        """Sign with a new key from now on; the old one leaves the JWKS. The new key's ID."""
        return str(self._control("rotate", {})["kid"])

    def tamper(self, mode: str) -> None:
        self._control("tamper", {"mode": mode})

    def sign_in(self, start: str, login: str) -> str:
        """Follow the app's redirect to the provider, sign in there as `login`, and return
        the URL the provider sends the browser back to (the app's callback)."""
        with httpx.Client(timeout=10) as browser:
            url, method, data = start, "GET", None
            for _ in range(12):
                answer = browser.request(method, url, data=data)
                if answer.status_code in (302, 303):
                    url, method, data = urljoin(url, answer.headers["location"]), "GET", None
                    if not url.startswith(self.issuer):
                        return url
                elif answer.status_code == 200 and "/interaction/" in url:
                    method, data = "POST", {"login": login}
                else:
                    raise AssertionError(f"provider answered {answer.status_code}: {answer.text}")
        raise AssertionError("too many redirects at the provider")


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
    # As settings.py does for a configured issuer: sign-out's redirect leaves for the provider.
    csp = settings.SECURE_CSP
    settings.SECURE_CSP = {**csp, "form-action": [*csp["form-action"], provider.issuer]}


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[TestProvider]:
    node = shutil.which("node")
    if node is None:
        says = "node is not installed: the OpenID Connect tests need it to run the provider"
        if os.environ.get("CI"):  # CI promises these tests ran: a skip there would hide it
            pytest.fail(says)
        pytest.skip(says)
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not: run `npm ci` in " + str(
            PROVIDER_DIR
        )
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True)
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until READY (or the process ends)
        assert line.startswith("READY "), f"the test provider did not start: {line!r}"
        yield TestProvider(issuer=line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)


def callback_path(url: str) -> str:
    """The path and query of a URL, as the Django test client takes them."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
