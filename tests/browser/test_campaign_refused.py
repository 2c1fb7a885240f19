"""A campaign RevCent does not know: the agent sees it beside the campaign field, with what
was typed kept, picks another, and creates."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from customers.models import Campaign, CreateAttempt
from tests.browser.helpers import console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_campaign_is_marked_on_its_field(page: Page, sign_in, agent, campaign, sandbox):
    # Shaped like a RevCent ID, so the admin's check let it through; RevCent knows no such one.
    Campaign.objects.create(name="Spring sale", revcent_id="NoSuchCampaignAtAll1")
    sign_in("alice")
    page.goto("/customers/new/")
    page.get_by_label("Campaign").select_option(label="Spring sale")
    page.get_by_label("First name").first.fill("Ana")
    page.get_by_label("Last name").first.fill("Diaz")
    page.get_by_label("Email").first.fill("ana.diaz@example.com")
    page.get_by_test_id("create-button").click()

    expect(page.locator("#id_options-campaign_error")).to_contain_text(
        "RevCent did not accept the campaign"
    )
    expect(page.locator("#id_options-campaign_error")).to_contain_text(
        "Choose another campaign, and tell an admin"
    )
    expect(page.get_by_label("Campaign")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email").first).to_have_value("ana.diaz@example.com")

    page.get_by_label("Campaign").select_option(label="Default Campaign")
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("verified")).to_have_text("Verified")
    assert CreateAttempt.objects.filter(state=CreateAttempt.State.VERIFIED).count() == 1
    assert console_errors(page) == []
