"""An admin adds a teammate as an auditor in Admin → Users, ticking nothing else, and the
auditor signs in, sets up two-factor and opens the audit trail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import console_errors
from tests.browser.test_mfa_journey import code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "quiet-harbour-lantern-42"


def set_up_two_factor(page: Page) -> None:
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code").fill(code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them — continue").click()


def test_an_auditor_added_in_the_admin_opens_the_audit_trail(page: Page, sign_in, admin_user):
    sign_in("root")
    page.goto("/admin/auth/user/add/")
    set_up_two_factor(page)
    expect(page.get_by_role("heading", name="Add user")).to_be_visible()
    # The admin's own scripts move the focus as the page finishes loading; a field filled
    # before then can have its text land in the focused one (CI typed the password into
    # Username once). Fill once the page is loaded.
    page.wait_for_load_state("load")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password confirmation")).fill(PASSWORD)
    expect(page.get_by_text("Staff status")).to_have_count(0)
    page.get_by_label("Auditor: reads the audit trail").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    page.goto("/admin/auth/user/")
    row = page.get_by_role("row").filter(has_text="nadia")
    expect(row.get_by_role("cell", name="Auditor")).to_be_visible()
    expect(row.get_by_role("img", name="False")).to_be_visible()  # no two-factor yet

    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    sign_in("nadia", PASSWORD)
    set_up_two_factor(page)
    expect(page.get_by_role("heading", name="Hello, nadia")).to_be_visible()
    page.get_by_role("link", name="Open the audit trail").click()
    expect(page).to_have_url(re.compile(r"/admin/customers/auditentry/$"))
    expect(page.get_by_label("Search the audit trail")).to_be_visible()
    expect(page.get_by_role("cell", name="nadia").first).to_be_visible()
    assert console_errors(page) == []
