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


@pytest.mark.parametrize(
    ("width", "height", "beside"), [(390, 844, False), (1440, 900, True)], ids=["phone", "desk"]
)
def test_the_panel_is_beside_the_form_or_right_under_name_email_and_phone(
    page: Page, sign_in, agent, campaign, sandbox, width, height, beside
):
    sign_in("alice")
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/customers/new/")
    page.get_by_label("First name").first.fill("Jane")
    page.get_by_label("Last name").first.fill("Doe")
    expect(page.get_by_test_id("match")).to_have_count(2)

    panel = page.get_by_role("complementary", name="Already in RevCent?").bounding_box()
    first_name = page.get_by_label("First name").first.bounding_box()
    phone = page.get_by_label("Phone").first.bounding_box()
    company = page.get_by_label("Company").first.bounding_box()
    create = page.get_by_test_id("create-button").bounding_box()
    assert panel and first_name and phone and company and create
    if beside:
        assert panel["x"] >= phone["x"] + phone["width"]
        assert panel["y"] <= first_name["y"]
    else:
        assert phone["y"] + phone["height"] <= panel["y"]
        assert panel["y"] + panel["height"] <= company["y"] < create["y"]
    assert page.console_errors == []
