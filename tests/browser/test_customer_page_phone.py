"""The customer page on a phone-sized screen (390×844): no sideways scrolling, even with a
long unbroken address, and copy buttons that say "Copied"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.helpers import console_errors
from tests.helpers import CUSTOMER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE: ViewportSize = {"width": 390, "height": 844}
LONG_ADDRESS = "Apartado" + "Postal" * 30  # 188 characters, no space to break at
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def create_customer(page: Page) -> None:
    page.goto("/customers/new/")
    for name in ("first_name", "last_name", "email", "phone"):
        page.locator(f"#id_customer-{name}").fill(CUSTOMER[name])
    page.locator("#id_customer-address_line_1").fill(LONG_ADDRESS)
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("verified")).to_be_visible()


def test_the_customer_page_fits_a_phone_and_copies(page: Page, sign_in, agent, campaign, sandbox):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(PHONE)
    sign_in("alice")
    create_customer(page)

    expect(page.get_by_test_id("customer-address")).to_contain_text(LONG_ADDRESS)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    customer_id = page.get_by_test_id("customer-id").inner_text()
    copy_id = page.get_by_test_id("copy-customer-id")
    copy_id.click()
    expect(copy_id).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == customer_id
    expect(copy_id).to_have_text("Copy ID", timeout=5_000)

    page.get_by_role("button", name="Create a link to copy").click()
    link = page.get_by_test_id("card-link-url").first
    expect(link).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    box = link.bounding_box()
    assert box is not None
    assert box["width"] >= 250  # readable, not a 35 px sliver
    copy_link = page.get_by_test_id("copy-card-link").first
    copy_link.click()
    expect(copy_link).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    assert console_errors(page) == []


def test_without_the_clipboard_api_the_link_is_selected(
    page: Page, sign_in, agent, campaign, sandbox
):
    # An older browser, or a page not served over https: no navigator.clipboard.
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.set_viewport_size(PHONE)
    sign_in("alice")
    create_customer(page)
    page.get_by_role("button", name="Create a link to copy").click()

    link = page.get_by_test_id("card-link-url").first
    copy_link = page.get_by_test_id("copy-card-link").first
    copy_link.click()
    expect(copy_link).to_have_text("Copied")  # the old copy command still works in Chromium
    selected = link.evaluate("input => input.value.slice(input.selectionStart, input.selectionEnd)")
    assert selected == link.input_value()
    assert console_errors(page) == []
