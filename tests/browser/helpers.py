"""Steps several browser journeys share."""

from __future__ import annotations

from playwright.sync_api import Page, expect


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
