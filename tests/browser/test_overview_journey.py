"""The team overview in Chromium: axe at a phone's and a desk's width, no sideways scroll on
the phone, no console error (the charts are images: the CSP blocks nothing), and the lead's
question answered with the keyboard in two steps: who overrode the gate most this week, and
why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from customers.models import AuditEntry
from customers.team.roles import AGENTS
from tests.browser.test_accessibility import problems, scan, sideways, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Op = AuditEntry.Operation


def override(user, reason: str, days_ago: int) -> None:
    AuditEntry.objects.create(
        created_at=timezone.now() - timedelta(days=days_ago),
        kind="agent_action",
        operation=Op.DUPLICATE_OVERRIDE,
        outcome="ok",
        user=user,
        username=user.username,
        channel="web",
        message=f"Chose to create anyway despite a strong match with cus_1 (Email matches), "
        f"reason: “{reason}”. Result: customer cus_9 was created.",
    )


@pytest.fixture
def week(make_user):
    maria, tom = make_user("maria.r", group=AGENTS), make_user("tom", group=AGENTS)
    override(maria, "Caller is the account holder's daughter", 1)
    override(maria, "Second shop, same owner", 2)
    override(tom, "Old record was a test", 3)
    for user, outcome, code in ((maria, "ok", ""), (tom, "api_error", "invalid_phone")):
        AuditEntry.objects.create(
            created_at=timezone.now() - timedelta(hours=2),
            kind="api_call",
            operation=Op.CREATE_CUSTOMER,
            outcome=outcome,
            error_code=code,
            user=user,
            username=user.username,
            channel="web",
            duration_ms=420,
        )
    return maria


@pytest.mark.parametrize("width", [390, 1440])
def test_the_overview_passes_axe(page: Page, live_server, auditor, week, width):
    page.set_viewport_size({"width": width, "height": 900})
    signed_in(page, live_server, auditor)
    found = scan(page, [reverse("team-overview")], narrow=width < 500)
    page.get_by_label("Last 30 days").check()
    page.get_by_label("Agent", exact=True).select_option(label="maria.r")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    found += problems(page)
    assert found == []


def test_a_lead_reads_the_top_overrider_reasons_with_the_keyboard(
    page: Page, live_server, admin_user, week
):
    signed_in(page, live_server, admin_user)
    page.goto(reverse("team-overview"))
    agents = page.get_by_test_id("figure-agents")
    maria = agents.get_by_role("row", name="maria.r")
    expect(maria.get_by_role("cell").nth(1)).to_have_text("2")  # Overrides
    link = maria.get_by_role("link", name="2").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    results = page.locator("#result_list")
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(results).to_contain_text("Caller is the account holder's daughter")
    expect(results).to_contain_text("Second shop, same owner")
    assert problems(page) == []


def test_an_auditor_opens_one_days_revcent_failures(page: Page, live_server, auditor, week):
    signed_in(page, live_server, auditor)
    page.goto(reverse("team-overview"))
    failed = AuditEntry.objects.get(error_code="invalid_phone")
    day = timezone.localtime(failed.created_at).date().isoformat()
    failures = page.get_by_test_id("figure-failures")
    failures.get_by_role("row", name=day).get_by_role("link", name="1").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("invalid_phone")
    page.goto(reverse("team-overview"))
    errors = page.get_by_test_id("figure-errors")
    errors.get_by_role("row", name="invalid_phone").get_by_role("link").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)


@pytest.mark.parametrize("width", [390, 1440])
def test_choosing_a_time_zone_with_the_keyboard(page: Page, live_server, auditor, width):
    page.set_viewport_size({"width": width, "height": 900})
    signed_in(page, live_server, auditor)
    page.goto("/")
    page.get_by_test_id("signed-in-user").click()
    found = problems(page)
    zone = page.get_by_label("Time zone")
    zone.focus()
    zone.select_option("Europe/Paris")
    page.keyboard.press("Tab")  # to Save
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Times are now shown in Europe/Paris.")
    page.goto(reverse("team-overview"))
    expect(page.get_by_test_id("overview-zone")).to_have_text("Europe/Paris")
    assert found + problems(page) == []


def test_an_admin_with_a_longer_name_reads_the_overview_on_a_phone_without_sideways_scroll(
    page: Page, live_server, make_user, week
):
    # The header holds five links for an admin (Home, New customer, Assistant, Team overview,
    # Admin) and their name: on a 390 px phone the links must wrap, not push the page wider.
    lead = make_user("margaret.o", is_staff=True, is_superuser=True)
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in(page, live_server, lead)
    page.goto(reverse("team-overview"))
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_count(5)
    assert sideways(page) == []
    agents = page.get_by_test_id("figure-agents")
    agents.get_by_role("row", name="maria.r").get_by_role("link", name="2").first.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)


def test_the_keyboard_reaches_the_per_agent_table_through_the_contents(
    page: Page, live_server, auditor, week
):
    # Per agent is the page's last figure, below ~120 number links: the contents at the top
    # take the keyboard there (the walk of issue #27 counted 134 Tabs without them, 29 with).
    signed_in(page, live_server, auditor)
    page.goto(reverse("team-overview"))
    contents = page.get_by_role("navigation", name="Figures on this page")
    expect(contents.get_by_role("link")).to_have_count(8)
    contents.get_by_role("link", name="Per agent", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#fig-agents$"))
    page.keyboard.press("Tab")  # the table's scroll region
    page.keyboard.press("Tab")
    maria = page.get_by_test_id("figure-agents").get_by_role("row", name="maria.r")
    expect(maria.get_by_role("link").first).to_be_focused()  # Creates
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Overrides
    expect(page.locator("#result_list")).to_contain_text("Second shop, same owner")


def test_the_top_overrider_and_their_reasons_are_one_enter_from_the_top(
    page: Page, live_server, auditor, week
):
    signed_in(page, live_server, auditor)
    page.goto(reverse("team-overview"))
    most = page.get_by_test_id("most-overrides")
    expect(most).to_contain_text("Most overrides of the duplicate gate in this period: maria.r")
    presses = 0
    while not most.locator(":focus").count() and presses < 20:
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 12  # the header's links, then this one (the walk measured 11 as admin)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    results = page.locator("#result_list")
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(results).to_contain_text("Caller is the account holder's daughter")


def test_typing_the_dates_chooses_from_to(page: Page, live_server, auditor, week):
    # Both dates typed, "Last 7 days" still ticked: the page showed the last 7 days.
    signed_in(page, live_server, auditor)
    page.goto(reverse("team-overview"))
    expect(page.get_by_label("Last 7 days")).to_be_checked()
    today = timezone.localdate()
    start, end = today - timedelta(days=3), today - timedelta(days=1)
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill(end.isoformat())
    expect(page.get_by_label("From – to")).to_be_checked()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(f"From {start:%-d %b %Y} to {end:%-d %b %Y}")).to_be_visible()
    expect(page.get_by_label("From – to")).to_be_checked()
