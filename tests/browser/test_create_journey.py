from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from customers.models import CreateAttempt
from tests.browser.helpers import add_metadata_rows, console_errors, sign_in_on
from tests.seeded import JANE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_creates_a_verified_customer(page: Page, sign_in, agent, campaign, sandbox):
    sign_in("alice")
    page.get_by_role("link", name="New customer").first.click()
    expect(page.get_by_role("heading", name="New customer")).to_be_visible()

    page.get_by_label("First name").first.fill("Ana")
    page.get_by_label("Last name").first.fill("Diaz")
    page.get_by_label("Email").first.fill("ana.diaz@example.com")
    page.get_by_label("Phone").first.fill("(305) 555-0199")
    page.get_by_label("City").first.fill("Miami")
    page.get_by_label("Country").first.select_option(label="United States")

    # The bill-to section appears only with the switch on.
    bill_to = page.locator("#bill-to")
    expect(bill_to).to_be_hidden()
    page.get_by_label("Billing details differ").check()
    expect(bill_to).to_be_visible()
    bill_to.get_by_label("First name").fill("Acme")
    bill_to.get_by_label("Last name").fill("Billing")
    bill_to.get_by_label("Email").fill("ap@acme.example")

    # Metadata rows come and go through htmx, keeping what was typed.
    rows = page.get_by_test_id("metadata-row")
    page.get_by_role("button", name="Add metadata").click()
    expect(rows).to_have_count(1)
    # Focus lands on the new row once htmx has settled the swap: type only after that, or
    # a slow machine types into rows that are about to be replaced.
    expect(rows.nth(0).get_by_label("Name")).to_be_focused()
    page.get_by_role("button", name="Add metadata").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("Name")).to_be_focused()
    rows.nth(0).get_by_label("Name").fill("tier")
    rows.nth(0).get_by_label("Value").fill("gold")
    rows.nth(1).get_by_label("Name").fill("remove me")
    page.get_by_role("button", name="Remove metadata row 2").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0).get_by_label("Value")).to_have_value("gold")
    expect(page.get_by_test_id("source-metadata")).to_contain_text("source = supportdesk")

    page.get_by_test_id("create-button").click()

    expect(page.get_by_test_id("verified")).to_have_text("Verified")
    customer_id = page.get_by_test_id("customer-id").inner_text()
    assert re.fullmatch(r"[A-Za-z0-9]{20}", customer_id)
    assert CreateAttempt.objects.get().customer_id == customer_id
    expect(page.get_by_text("tier = gold")).to_be_visible()
    bill_to_rows = page.get_by_test_id("compare-bill-to")
    expect(bill_to_rows).to_contain_text("Acme")
    expect(bill_to_rows).to_contain_text("ap@acme.example")
    assert console_errors(page) == []


def test_a_card_number_is_refused_and_not_shown_again(page: Page, sign_in, agent, campaign):
    sign_in("alice")
    page.goto("/customers/new/")
    page.get_by_label("First name").first.fill("Ana")
    page.get_by_label("Last name").first.fill("Diaz")
    page.get_by_label("Email").first.fill("ana@example.com")
    page.get_by_label("Company").first.fill("4242 4242 4242 4242")
    page.get_by_test_id("create-button").click()

    # Beside the field (and in the error summary above the form).
    expect(page.locator("#id_customer-company_error")).to_contain_text(
        "This looks like a card number."
    )
    expect(page.get_by_label("Company").first).to_have_value("")
    expect(page.get_by_label("First name").first).to_have_value("Ana")
    assert "4242" not in page.content()


def test_metadata_rows_swap_without_inline_styles(page: Page, sign_in, agent, campaign):
    sign_in("alice")
    page.goto("/customers/new/")
    rows = page.get_by_test_id("metadata-row")
    page.get_by_role("button", name="Add metadata").click()
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_label("Name").fill("tier")
    # A password manager's extension styles the inputs it decorates. htmx must not copy that
    # style attribute onto the swapped-in row: the CSP refuses script-written inline styles.
    page.evaluate("document.getElementById('id_metadata-0-name').style.backgroundImage = 'none'")
    page.get_by_role("button", name="Add metadata").click()
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Remove metadata row 2").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0).get_by_label("Name")).to_have_value("tier")
    assert console_errors(page) == []


def test_enter_in_a_text_field_creates_and_keeps_every_metadata_row(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/customers/new/")
    page.get_by_label("First name").first.fill("Ana")
    page.get_by_label("Last name").first.fill("Diaz")
    page.get_by_label("Email").first.fill("ana.enter@example.com")
    add_metadata_rows(page, [("tier", "gold"), ("plan", "yearly")])

    # The default button Enter presses is no second "Create customer" for anyone to meet.
    expect(page.get_by_role("button", name="Create customer")).to_have_count(1)
    page.get_by_label("Internal customer ID").fill("CRM-7001")
    page.get_by_label("Internal customer ID").press("Enter")

    expect(page.get_by_test_id("verified")).to_have_text("Verified")
    expect(page.get_by_text("tier = gold")).to_be_visible()
    expect(page.get_by_text("plan = yearly")).to_be_visible()
    assert CreateAttempt.objects.get().payload["internal_customer_id"] == "CRM-7001"
    assert console_errors(page) == []


def test_adding_and_removing_metadata_rows_keeps_the_focus_in_the_rows(
    page: Page, sign_in, agent, campaign
):
    sign_in("alice")
    page.goto("/customers/new/")
    rows = page.get_by_test_id("metadata-row")
    for index, name in enumerate(["a", "b", "c"]):
        page.get_by_role("button", name="Add metadata").click()
        expect(rows).to_have_count(index + 1)
        # The new row's name has the focus: the agent types straight on.
        expect(rows.nth(index).get_by_label("Name")).to_be_focused()
        page.keyboard.type(name)

    page.get_by_role("button", name="Remove metadata row 2").click()
    expect(rows).to_have_count(2)
    # The row after the removed one took its place, and its name has the focus.
    expect(rows.nth(1).get_by_label("Name")).to_have_value("c")
    expect(rows.nth(1).get_by_label("Name")).to_be_focused()

    page.get_by_role("button", name="Remove metadata row 2").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_role("button", name="Add metadata")).to_be_focused()
    expect(rows.nth(0).get_by_label("Name")).to_have_value("a")
    assert console_errors(page) == []


def test_after_a_refused_create_the_focus_is_on_the_error_summary(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.goto("/customers/new/")
    page.get_by_label("First name").first.fill("Ana")
    page.get_by_label("Last name").first.fill("Diaz")
    page.get_by_label("Last name").first.press("Enter")  # no email

    summary = page.get_by_role("alert").filter(has_text="The customer was not created")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    link = summary.get_by_role("link", name="Email: This field is required.")
    expect(link).to_have_attribute("href", "#id_customer-email")
    link.click()
    expect(page.get_by_label("Email").first).to_be_focused()
    # The bill-to fields, hidden with the switch off, say nothing when it is turned on.
    page.get_by_label("Billing details differ").check()
    expect(page.locator("#bill-to .error")).to_have_count(0)
    assert console_errors(page) == []


def test_same_as_customer_starts_the_bill_to_from_the_customer(
    page: Page, sign_in, agent, campaign
):
    sign_in("alice")
    page.goto("/customers/new/")
    page.get_by_label("First name").first.fill("Ana")
    page.get_by_label("Last name").first.fill("Diaz")
    page.get_by_label("Email").first.fill("ana@example.com")
    page.get_by_label("City").first.fill("Miami")
    page.get_by_label("Country").first.select_option(label="United States")

    page.get_by_label("Billing details differ").check()
    bill_to = page.locator("#bill-to")
    bill_to.get_by_role("button", name="Same as customer").click()
    expect(bill_to.get_by_label("First name")).to_have_value("Ana")
    expect(bill_to.get_by_label("Email")).to_have_value("ana@example.com")
    expect(bill_to.get_by_label("City")).to_have_value("Miami")
    expect(bill_to.get_by_label("Country")).to_have_value("USA")
    expect(bill_to.get_by_role("status")).to_have_text(
        "Copied from the customer; change what differs."
    )
    # A copy, not a link: the customer's fields stay as they were when bill-to changes.
    bill_to.get_by_label("First name").fill("Acme")
    expect(page.get_by_label("First name").first).to_have_value("Ana")
    assert console_errors(page) == []


def test_without_javascript_enter_still_creates_and_no_dead_control_shows(
    browser, live_server, agent, campaign, sandbox
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = sign_in_on(context.new_page(), "alice")
    page.goto("/customers/new/")
    expect(page.get_by_role("button", name="Same as customer")).to_be_hidden()
    page.get_by_label("First name").first.fill("Jane")
    page.get_by_label("Last name").first.fill("Doe")
    page.get_by_label("Email").first.fill("jane@example.com")
    page.get_by_label("Email").first.press("Enter")

    gate = page.get_by_test_id("duplicate-gate")
    expect(gate).to_contain_text("This customer may already exist")
    expect(gate.get_by_role("button", name="Open Jane Doe (…0001)")).to_be_hidden()
    gate.get_by_role("link", name="Use Jane Doe (…0001)").click()
    expect(page.get_by_test_id("customer-id")).to_have_text(JANE)
    context.close()
