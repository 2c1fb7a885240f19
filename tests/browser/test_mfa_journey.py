from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.browser.helpers import console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(secret: str, *, steps_ahead: int = 0) -> str:
    """What the customer's authenticator app would show now (or a step later)."""
    plain = secret.replace(" ", "")
    key = base64.b32decode(plain + "=" * (-len(plain) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_an_admin_enrols_and_then_signs_in_with_a_code(page: Page, sign_in, admin_user):
    sign_in("root")
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()

    page.get_by_label("Code").fill(code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have saved them — continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_text("Audit trail")).to_be_visible()

    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    sign_in("root")
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    # A code from the next 30-second step: the one just used to enrol is spent.
    page.get_by_label("Code").fill(code(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Hello, root")).to_be_visible()
    assert console_errors(page) == []
