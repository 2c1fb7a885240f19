from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_known_email_or_phone_shows_the_customer(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.goto("/customers/new/")
    panel = page.get_by_test_id("duplicate-panel")
    expect(panel).to_contain_text("As you type")

    page.get_by_label("Email").first.press_sequentially("JANE@EXAMPLE.COM", delay=20)
    match = panel.get_by_test_id("match").first
    expect(match).to_contain_text("Jane Doe")
    expect(match).to_contain_text("Email matches")
    expect(panel).to_contain_text("likely the same customer")

    page.get_by_label("Email").first.fill("")
    page.get_by_label("Phone").first.press_sequentially("(555) 555-5555", delay=20)
    expect(panel.get_by_test_id("match").first).to_contain_text("Phone matches")
    expect(panel).not_to_contain_text("Email matches")

    panel.get_by_role("link", name="Use this customer").first.click()
    expect(page.get_by_role("heading", name="Jane Doe")).to_be_visible()
    assert page.console_errors == []
