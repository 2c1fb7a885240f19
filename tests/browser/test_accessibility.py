"""axe-core (through axe-playwright-python, which ships it) on every page an agent, an
auditor or an admin uses, the admin included: no serious or critical violation. On the way,
no console error on any page, and (on a phone-sized screen) no app page scrolls sideways."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from customers.models import AuditEntry
from tests.browser.helpers import console_errors
from tests.conftest import login_verified
from tests.seeded import JANE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BLOCKING = {"serious", "critical"}


def problems(page: Page) -> list[str]:
    """The serious and critical violations on the page, one line each."""
    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def signed_in(page: Page, live_server, user) -> Page:
    """The browser signed in as user, second factor passed (as auditors and admins must)."""
    client = Client()
    login_verified(client, user)
    session_key = client.session.session_key
    assert session_key is not None
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_key,
                # A __Host- cookie must be Secure: set it as for https. Chromium sends Secure
                # cookies to loopback over plain http too.
                "url": live_server.url.replace("http://", "https://"),
                "secure": True,
            }
        ]
    )
    return page


def sideways(page: Page) -> list[str]:
    """The page, if it is wider than the screen (it would scroll sideways)."""
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    return [f"{page.url}: scrolls sideways"] if wide else []


def scan(page: Page, paths: list[str], *, narrow: bool = False) -> list[str]:
    found: list[str] = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        found += problems(page) + (sideways(page) if narrow else [])
    return found + [f"console: {error}" for error in console_errors(page)]


@pytest.mark.parametrize("width", [390, 1440])
def test_agent_pages(page: Page, live_server, agent, campaign, sandbox, width):
    page.set_viewport_size({"width": width, "height": 900})
    signed_in(page, live_server, agent)
    paths = [
        "/",
        reverse("customer-create"),
        reverse("customer-detail", args=[JANE]),
        reverse("assistant-tokens"),
        reverse("customer-search") + "?r=" + "A" * 22,  # results expired: the empty box
    ]
    found = scan(page, paths, narrow=width < 500)
    # The tokens page with a new token on it, and the list of tokens.
    page.goto(reverse("assistant-tokens"))
    page.get_by_label("Name").fill("Claude on my laptop")
    page.get_by_role("button", name="Make token").click()
    page.wait_for_load_state("networkidle")
    found += problems(page) + (sideways(page) if width < 500 else [])
    page.get_by_role("link", name=re.compile("^Revoke")).click()  # the question before it
    page.wait_for_load_state("networkidle")
    found += problems(page) + (sideways(page) if width < 500 else [])
    page.goto("/")
    page.get_by_role("searchbox").first.fill("jane doe")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_load_state("networkidle")
    found += problems(page) + (sideways(page) if width < 500 else [])
    assert found == []


def test_auditor_pages(page: Page, live_server, auditor, sandbox):
    signed_in(page, live_server, auditor)
    page.goto(reverse("customer-detail", args=[JANE]))  # makes an audit row to look at
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    paths = [
        "/",
        reverse("admin:index"),
        reverse("admin:customers_auditentry_changelist"),
        reverse("admin:customers_auditentry_change", args=[entry.pk]),
    ]
    assert scan(page, paths) == []


def test_admin_pages(page: Page, live_server, admin_user):
    signed_in(page, live_server, admin_user)
    paths = [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[admin_user.pk]),  # the role choice
    ]
    assert scan(page, paths) == []


def test_sign_in_page(page: Page):
    assert scan(page, [reverse("login")]) == []


@pytest.mark.parametrize("width", [390, 1440])
def test_pages_with_messages_gates_and_dialogs(
    page: Page, live_server, agent, campaign, sandbox, width
):
    """The banner with a message in it (it failed axe's listitem rule on every page that had
    one), the caller check's message, the duplicate gate and the shortcuts list."""
    page.set_viewport_size({"width": width, "height": 900})
    signed_in(page, live_server, agent)
    narrow = width < 500
    found: list[str] = []

    def check() -> None:
        nonlocal found
        page.wait_for_load_state("networkidle")
        found += problems(page) + (sideways(page) if narrow else [])

    # A wrong caller answer: its message beside the form, the answer field focused.
    page.goto(reverse("customer-detail", args=[JANE]))
    page.get_by_label("Their answer").fill("99999")
    page.get_by_role("button", name="Verify caller").click()
    page.get_by_test_id("caller-check-message").wait_for()
    check()
    # Verified, a link to copy: the banner says so.
    page.get_by_label("Their answer").fill("33101")
    page.get_by_role("button", name="Verify caller").click()
    page.get_by_role("button", name="Create a link to copy").click()
    expect(page.locator(".messages")).to_contain_text("Card link created")
    check()
    # The shortcuts list, open.
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    check()
    page.keyboard.press("Escape")
    # The duplicate gate.
    page.goto(reverse("customer-create"))
    page.get_by_label("First name").first.fill("Jane")
    page.get_by_label("Last name").first.fill("Doe")
    page.get_by_label("Email").first.fill("jane@example.com")
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("duplicate-gate")).to_be_focused()
    check()
    # A create whose outcome is not known yet: the attempt page.
    page.get_by_label("Email").first.fill("sandbox-timeout@x.com")
    page.get_by_label("Create anyway").check()
    page.get_by_label("Why is this not a duplicate?").fill("Testing an unknown outcome.")
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("attempt-message")).to_be_visible()
    check()
    assert found + [f"console: {error}" for error in console_errors(page)] == []
