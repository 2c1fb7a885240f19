from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import console_errors
from tests.helpers import CUSTOMER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_adds_a_card_through_the_link(
    page: Page, browser: Browser, live_server, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.goto("/customers/new/")
    for label in ("first_name", "last_name", "email"):
        page.locator(f"#id_customer-{label}").fill(CUSTOMER[label])
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("verified")).to_be_visible()
    expect(page.get_by_test_id("card-status")).to_have_text("No card on file.")

    page.get_by_role("button", name="Create a link to copy").click()
    link = page.get_by_test_id("card-link-url").first.input_value()
    assert "/sandbox/card-form/" in link

    # The customer, on their own device, with no Support Desk login.
    customer = browser.new_context().new_page()
    customer.goto(link)
    expect(customer.get_by_text("Sandbox Card Provider")).to_be_visible()
    customer.get_by_label("Card number").fill("4242 4242 4242 4242")
    customer.get_by_label("Expiry (MM/YY)").fill("12/30")
    customer.get_by_label("Security code").fill("123")
    customer.get_by_role("button", name="Save card").click()
    expect(customer.get_by_test_id("card-saved")).to_be_visible()
    customer.context.close()

    page.get_by_role("link", name="Check status").click()
    expect(page.get_by_test_id("card-status")).to_contain_text("Card on file: Visa •••• 4242")
    expect(page.get_by_test_id("card-link-status")).to_contain_text("Card received")
    expect(page.get_by_test_id("card-link-url")).to_have_count(0)
    assert "4242 4242" not in page.content()

    # The link has done its job: opened again, it no longer shows the card form.
    again = browser.new_context().new_page()
    again.goto(link)
    expect(again.get_by_text("This link has already been used")).to_be_visible()
    again.context.close()
    assert console_errors(page) == []
