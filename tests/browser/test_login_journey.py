from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_in_as_agent_and_out_again(page: Page, agent):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw-alice")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Hello, alice")).to_be_visible()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("alice")
    expect(page.get_by_role("link", name="New customer").first).to_be_visible()
    expect(page.get_by_text("Sandbox", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert console_errors(page) == []


def test_wrong_password_shows_a_clear_message(page: Page, sign_in, agent):
    sign_in("alice", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
