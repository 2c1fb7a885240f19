"""Keyboard first (issue 26): the focus goes where the next action is (First name, the
duplicate gate, the caller check's answer after a wrong one, a new link's Copy button); a
skip link; the `/`, `n` and `?` shortcuts; copy buttons that work by keyboard and say
"Copied"; and the duplicate panel's overtaken searches never logged as console errors."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.helpers import console_errors
from tests.helpers import CUSTOMER
from tests.seeded import JANE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE: ViewportSize = {"width": 390, "height": 844}
FOCUSED_TESTID = "document.activeElement.dataset.testid || ''"


def create_customer(page: Page, **fields: str) -> None:
    page.goto("/customers/new/")
    for name, value in {**CUSTOMER, **fields}.items():
        if name in ("first_name", "last_name", "email", "phone"):
            page.locator(f"#id_customer-{name}").fill(value)
    page.get_by_test_id("create-button").click()


def test_new_customer_starts_at_first_name_and_the_gate_takes_the_focus(
    page: Page, sign_in, agent, campaign, sandbox
):
    page.set_viewport_size(PHONE)
    sign_in("alice")
    page.goto("/customers/new/")
    expect(page.get_by_label("First name").first).to_be_focused()

    page.get_by_label("First name").first.fill("Jane")
    page.get_by_label("Last name").first.fill("Doe")
    page.get_by_label("Email").first.fill("jane@example.com")  # the sandbox's Jane Doe
    page.get_by_test_id("create-button").click()

    gate = page.get_by_test_id("duplicate-gate")
    expect(gate).to_be_focused()
    expect(gate).to_have_accessible_name("This customer may already exist")
    expect(gate).to_be_in_viewport()
    # From the gate, its match (Open, Use) and then "Create anyway": 3 Tabs, not 8.
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.get_by_label("Create anyway")).to_be_focused()
    assert console_errors(page) == []


def test_from_the_gates_reason_one_tab_reaches_a_button_that_creates(
    page: Page, sign_in, agent, campaign, sandbox
):
    # The reason was the gate's last field: the next Tab went back up to Campaign and the
    # form's own button was 20 Tabs away at 390 px. The gate's button ticks "Create anyway"
    # itself, so an agent who typed a reason cannot miss the box.
    page.set_viewport_size(PHONE)
    sign_in("alice")
    create_customer(page, first_name="Jane", last_name="Doe", email="jane@example.com")
    expect(page.get_by_test_id("duplicate-gate")).to_be_focused()
    page.get_by_label("Why is this not a duplicate?").focus()
    page.keyboard.type("The caller is her daughter, same name, own e-mail soon")
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Create anyway with this reason")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("duplicate-gate")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/customers/(?!new/)[A-Za-z0-9]+/$"))
    assert console_errors(page) == []


def test_after_a_search_one_tab_reaches_the_first_result(page: Page, sign_in, agent, sandbox):
    page.set_viewport_size(PHONE)
    sign_in("alice")
    # The shortcut works once the page's script has run: CI once pressed "/" before that.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state("load")
    page.keyboard.press("/")
    page.keyboard.type("Jane Doe")
    page.keyboard.press("Enter")
    results = page.get_by_test_id("lookup-results")
    expect(results).to_be_focused()
    expect(results).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Jane Doe").first).to_be_focused()


def test_a_wrong_caller_answer_puts_the_focus_back_on_the_answer(
    page: Page, sign_in, agent, sandbox
):
    page.set_viewport_size(PHONE)
    sign_in("alice")
    page.goto(f"/customers/{JANE}/")
    page.get_by_label("Their answer").fill("99999")
    page.get_by_label("Their answer").press("Enter")

    message = page.get_by_test_id("caller-check-message")
    expect(message).to_contain_text("does not match")
    answer = page.get_by_label("Their answer")
    expect(answer).to_be_focused()
    # Read with the field, and on screen with it (it was below the fold at 390 px).
    expect(answer).to_have_accessible_description(
        "That ZIP code does not match RevCent's record. Do not act for this caller."
    )
    expect(message).to_be_in_viewport()
    # The next try, straight away.
    page.keyboard.type("33101")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("caller-verified")).to_be_visible()
    assert console_errors(page) == []


def test_a_link_to_copy_gets_the_focus_and_copies_by_keyboard(
    page: Page, sign_in, agent, campaign, sandbox
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(PHONE)
    sign_in("alice")
    create_customer(page)
    expect(page.get_by_test_id("verified")).to_be_visible()
    page.get_by_role("button", name="Create a link to copy").click()

    copy = page.get_by_test_id("copy-card-link").first
    expect(copy).to_be_focused()
    expect(copy).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(copy).to_have_text("Copied")
    expect(page.locator("[data-copied-status]")).to_have_text("Copied")
    link = page.get_by_test_id("card-link-url").first.input_value()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert console_errors(page) == []


def test_the_email_phone_and_call_ids_copy_by_keyboard(
    page: Page, sign_in, agent, campaign, sandbox
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in("alice")
    create_customer(page, phone="(212) 555-0188")
    expect(page.get_by_test_id("verified")).to_be_visible()
    for value_id, name, expected in [
        ("customer-email", "Copy e-mail", CUSTOMER["email"]),
        ("customer-phone-number", "Copy phone", "+1 212-555-0188"),
        ("create-call-id", "Copy CreateCustomer call ID", None),
        ("get-call-id", "Copy GetCustomer call ID", None),
        ("read-call-id", "Copy API call ID", None),
    ]:
        button = page.get_by_test_id(f"copy-{value_id}")  # its name is "Copied" for a moment
        expect(button).to_have_accessible_name(name)
        button.focus()
        page.keyboard.press("Enter")
        expect(button).to_have_text("Copied")
        shown = page.get_by_test_id(value_id).inner_text()
        assert page.evaluate("navigator.clipboard.readText()") == (expected or shown)
        expect(page.locator("[data-copied-status]")).to_have_text("Copied")
        # Its own name comes back, the hidden part included ("Copy" + " e-mail").
        expect(button).to_have_accessible_name(name, timeout=5_000)
        expect(button).not_to_have_class(re.compile(r"\bcopied\b"))
    assert console_errors(page) == []


FIRST_TABBABLE = """() => [...document.querySelectorAll(
  "a[href], button, input, select, textarea, [tabindex]")].find((el) =>
  el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0 || el.matches(".skip-link")
)?.textContent.trim()"""


def test_the_skip_link_is_the_first_stop_on_every_page(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    for path in ["/", "/customers/new/", f"/customers/{JANE}/", reverse("assistant-tokens")]:
        page.goto(path)
        assert page.evaluate(FIRST_TABBABLE) == "Skip to content", path
    # On a page that focuses nothing itself, the first Tab shows it; Enter skips the header.
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # on into the page, past the header
    expect(page.get_by_role("link", name="New customer").last).to_be_focused()
    assert console_errors(page) == []


def test_at_phone_width_the_header_is_tabbed_top_to_bottom(page: Page, sign_in, agent):
    # The nav had been moved below the search box and the user line by CSS at 390 px, while
    # Tab still took it first: focus jumped down, up and down again.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("alice")
    page.goto("/")
    tops: list[tuple[str, int]] = []
    for _ in range(8):  # skip link, brand, 3 nav links, search, user, sign out
        page.keyboard.press("Tab")
        tops.append(
            page.evaluate(
                "[document.activeElement.textContent.trim() || document.activeElement.id,"
                " Math.round(document.activeElement.getBoundingClientRect().top)]"
            )
        )
    header = [top for _, top in tops[1:]]  # the skip link sits above it all when shown
    assert header == sorted(header), tops


def test_shortcuts_n_and_question_mark_and_never_while_typing(
    page: Page, sign_in, agent, campaign, sandbox
):
    sign_in("alice")
    page.goto("/")
    # Typed into a field, they are only text.
    search = page.get_by_role("searchbox").first
    search.focus()
    page.keyboard.type("n?/")
    expect(search).to_have_value("n?/")
    expect(page.locator("[data-shortcuts-dialog]")).not_to_be_visible()
    assert page.url.endswith("/")

    page.get_by_role("heading", level=1).click()  # out of the field
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("New customer")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()

    # The footer's button opens the same list, and the focus returns to it.
    opener = page.get_by_role("button", name="Keyboard shortcuts")
    opener.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").press("Enter")
    expect(opener).to_be_focused()

    page.get_by_role("heading", level=1).click()
    page.keyboard.press("/")
    expect(page.locator("#header-q")).to_be_focused()
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("n")
    expect(page).to_have_url("/customers/new/")
    expect(page.get_by_label("First name").first).to_be_focused()
    # On New customer already, "n" does not reload the page and lose what was typed.
    page.keyboard.type("Ana")
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("n")
    page.wait_for_timeout(300)
    expect(page.get_by_label("First name").first).to_have_value("Ana")
    assert console_errors(page) == []


def test_overtaken_panel_searches_are_not_console_errors(
    page: Page, sign_in, agent, campaign, sandbox, settings
):
    # Each sandbox call takes 1.2 s: a search is still on its way when the agent, after a
    # pause longer than the panel's 400 ms, types on (the panel used to abort it, and htmx
    # logged "htmx:sendAbort" as a console error).
    settings.REVCENT_SANDBOX_LATENCY_MS = 1200
    panel_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            panel_requests.append(request.url) if "/duplicates/" in request.url else None
        ),
    )
    sign_in("alice")
    page.goto("/customers/new/")
    page.wait_for_load_state("networkidle")
    email = page.get_by_label("Email").first
    for part in ["jane@example.co", "m", "x"]:
        email.press_sequentially(part, delay=20)
        page.wait_for_timeout(550)  # the delayed search starts, and is still on its way
    email.press("Backspace")  # jane@example.com, the sandbox's Jane Doe
    panel = page.get_by_test_id("duplicate-panel")
    expect(panel.get_by_test_id("match").first).to_contain_text("Jane Doe", timeout=10_000)
    expect(panel).to_contain_text("Email matches")
    page.wait_for_load_state("networkidle")
    expect(panel).to_contain_text("Email matches")  # no older answer shown after it
    assert len(panel_requests) >= 4  # on load, then searches that overlapped
    assert console_errors(page) == []
