"""An agent signs in through the company's identity provider (a real one, on loopback) and
lands on the page they asked for; signing out ends the provider's session too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from customers.models import AuditEntry
from tests.browser.helpers import console_errors
from tests.browser.test_accessibility import problems
from tests.oidc.provider_process import TestProvider, oidc_provider, sso_settings

__all__ = ["oidc_provider"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sso(settings, oidc_provider: TestProvider, live_server, roles) -> TestProvider:
    sso_settings(settings, oidc_provider)
    oidc_provider.prepare(app_url=live_server.url)
    return oidc_provider


def test_an_sso_agent_goes_round_the_provider_to_the_new_customer_page(page: Page, sso):
    page.goto("/customers/new/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/new/$"))
    page.get_by_role("link", name="Sign in with Test IdP").click()

    expect(page).to_have_url(re.compile(re.escape(sso.issuer) + r"/interaction/"))
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Username").press("Enter")

    expect(page).to_have_url(re.compile(r"/customers/new/$"))
    expect(page.get_by_role("heading", name="New customer")).to_be_visible()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("ann@example.com")
    assert AuditEntry.objects.get(operation="SignIn").message == "Through Test IdP."

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("link", name="Sign in with Test IdP")).to_be_visible()
    # The provider's session ended too: signing in again asks for the account there.
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.get_by_label("Username")).to_be_visible()
    assert console_errors(page) == []


def test_someone_without_a_mapped_group_sees_why(page: Page, sso):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill("nora")
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_role("heading", name="Your account has no role in Support Desk")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Back to sign-in")).to_be_visible()


def test_the_sign_in_and_refusal_pages_pass_axe(page: Page, sso, settings):
    settings.PASSWORD_SIGN_IN = False  # the break-glass form folded away
    page.goto("/accounts/login/")
    page.get_by_text("Break-glass admin sign-in with a password").click()
    found = problems(page)
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill("nora")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Back to sign-in")).to_be_visible()
    assert found + problems(page) == []
