from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import console_errors
from tests.helpers import CUSTOMER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_adds_a_new_customer_to_two_groups(page: Page, sign_in, agent, campaign, sandbox):
    sign_in("alice")
    page.goto("/customers/new/")
    for name in ("first_name", "last_name", "email"):
        page.locator(f"#id_customer-{name}").fill(CUSTOMER[name])
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("verified")).to_be_visible()

    page.get_by_role("link", name="Add to customer groups").click()
    page.get_by_label("VIP").check()
    page.get_by_label("Wholesale").check()
    page.get_by_role("button", name="Continue").click()

    confirm = page.get_by_test_id("groups-confirm")
    expect(confirm).to_contain_text("Add Ana Diaz (ana.diaz@example.com) to:")
    confirm.get_by_role("button", name="Add to 2 groups").click()

    expect(page.get_by_text("Added to VIP, Wholesale.")).to_be_visible()
    expect(page.get_by_test_id("customer-groups")).to_contain_text("VIP, Wholesale")
    assert console_errors(page) == []
