from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import add_metadata_rows, console_errors
from tests.seeded import JANE_TWO

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

    panel.get_by_role("link", name="Use Jane Doe (…0001)").click()
    expect(page.get_by_role("heading", name="Jane Doe")).to_be_visible()
    assert console_errors(page) == []


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
    assert console_errors(page) == []


def test_a_name_alone_shows_both_jane_does_told_apart(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.goto("/customers/new/")
    page.get_by_label("First name").first.press_sequentially("Jane", delay=20)
    page.get_by_label("Last name").first.press_sequentially("Doe", delay=20)
    panel = page.get_by_test_id("duplicate-panel")
    matches = panel.get_by_test_id("match")
    expect(matches).to_have_count(2)
    expect(matches.nth(0)).to_contain_text("Same name")
    expect(matches.nth(1)).to_contain_text("Same name")
    # Each match's controls carry its customer's name and the end of their ID.
    for suffix in ("0001", "o007"):
        expect(panel.get_by_role("link", name=f"Use Jane Doe (…{suffix})")).to_be_visible()
        expect(panel.get_by_role("button", name=f"Open Jane Doe (…{suffix})")).to_be_visible()
    assert console_errors(page) == []


def test_a_match_opens_in_a_dialog_and_back_from_it_keeps_every_typed_field(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.goto("/customers/new/")
    customer = {
        "First name": "Jane",
        "Last name": "Doe",
        "Email": "jane.doe.new@example.net",
        "Phone": "(305) 555-0123",
        "Company": "Doe Studio",
        "Address line 1": "9 Bay Rd",
        "City": "Miami",
        "State": "FL",
        "ZIP": "33139",
    }
    for label, value in customer.items():
        page.get_by_label(label).first.fill(value)
    page.get_by_label("Country").first.select_option("USA")
    page.get_by_label("Billing details differ").check()
    bill_to = page.locator("#bill-to")
    bill_to.get_by_label("First name").fill("Acme")
    bill_to.get_by_label("Last name").fill("Billing")
    bill_to.get_by_label("Email").fill("ap@acme.example")
    page.get_by_label("Internal customer ID").fill("CRM-7002")
    add_metadata_rows(page, [("tier", "gold"), ("plan", "yearly")])
    rows = page.get_by_test_id("metadata-row")

    panel = page.get_by_test_id("duplicate-panel")
    opener = panel.get_by_role("button", name="Open Jane Doe (…o007)")
    opener.click()
    dialog = page.get_by_role("dialog", name="Jane Doe")
    expect(dialog).to_contain_text(JANE_TWO)
    expect(dialog).to_contain_text("7•••")  # the street, masked: not what the agent typed
    expect(dialog).not_to_contain_text("77 Ocean Dr")
    expect(dialog).to_contain_text("Same name and ZIP")
    dialog.get_by_role("button", name="Back to the form").click()
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    opener.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    opener.click()
    dialog.get_by_role("link", name="Use this customer").click()
    expect(page.get_by_role("heading", name="Jane Doe")).to_be_visible()
    expect(page.get_by_test_id("customer-id")).to_have_text(JANE_TWO)
    # The back/forward cache gives the page back as it was left: nothing is stored anywhere.
    page.go_back(wait_until="commit")
    for label, value in customer.items():
        expect(page.get_by_label(label).first).to_have_value(value)
    expect(page.get_by_label("Country").first).to_have_value("USA")
    expect(page.get_by_label("Billing details differ")).to_be_checked()
    expect(bill_to.get_by_label("First name")).to_have_value("Acme")
    expect(bill_to.get_by_label("Email")).to_have_value("ap@acme.example")
    expect(page.get_by_label("Internal customer ID")).to_have_value("CRM-7002")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("Value")).to_have_value("yearly")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    stored = page.evaluate("JSON.stringify([{...sessionStorage}, {...localStorage}])")
    typed = ["jane.doe.new@example.net", "Doe Studio", "9 Bay Rd", "ap@acme.example", "CRM-7002"]
    assert not any(value in stored for value in typed)
    assert console_errors(page) == []


def test_a_panel_refresh_that_lands_late_keeps_the_focus_on_the_same_match(
    page: Page, sign_in, agent, campaign, sandbox
):
    """A field's delayed search can land after the agent has moved to a match's button."""
    sign_in("alice")
    page.goto("/customers/new/")
    page.get_by_label("First name").first.fill("Jane")
    page.get_by_label("Last name").first.fill("Doe")
    panel = page.get_by_test_id("duplicate-panel")
    opener = panel.get_by_role("button", name="Open Jane Doe (…o007)")
    opener.focus()
    with page.expect_response(lambda response: "duplicates" in response.url):
        # A search the agent set off earlier: the city changes, the focus stays on the button.
        page.evaluate(
            """() => {
                const city = document.getElementById("id_customer-city");
                city.value = "Miami";
                city.dispatchEvent(new Event("input", { bubbles: true }));
            }"""
        )
    expect(panel).to_contain_text("Same name")
    expect(opener).to_be_focused()
    assert console_errors(page) == []
