"""Steps several browser journeys share."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from playwright.sync_api import Page, expect

# Each test page's console errors (CSP reports among them) and uncaught script errors, kept
# by the `page` fixture (conftest.py) beside the page rather than as an attribute on it.
_CONSOLE_ERRORS: WeakKeyDictionary[Page, list[str]] = WeakKeyDictionary()


def console_errors(page: Page) -> list[str]:
    return _CONSOLE_ERRORS.setdefault(page, [])


def sign_in_on(page: Page, username: str, password: str | None = None) -> Page:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or f"pw-{username}")
    page.get_by_role("button", name="Sign in").click()
    return page


def add_metadata_rows(page: Page, pairs: list[tuple[str, str]]) -> None:
    """Add a metadata row per (name, value) on the create page and type them in."""
    rows = page.get_by_test_id("metadata-row")
    start = rows.count()
    for index, (name, value) in enumerate(pairs, start=start):
        page.get_by_role("button", name="Add metadata").click()
        expect(rows).to_have_count(index + 1)
        rows.nth(index).get_by_label("Name").fill(name)
        rows.nth(index).get_by_label("Value").fill(value)
