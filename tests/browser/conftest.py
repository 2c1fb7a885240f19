"""Playwright against Debian's Chromium and pytest-django's live server.

Playwright cannot download its own browsers on these machines, so the launch points at
/usr/bin/chromium (installed by `make test` through .ci/ensure-chromium).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser.helpers import console_errors, sign_in_on

# Playwright's sync API runs an event loop in the test thread; the fixtures that set up
# data still call the ORM synchronously from that thread, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".pytest_artifacts"
# Without the background-networking switches Chromium keeps dialling out, and this
# machine's closed network refuses it (noise and delays).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps`.")
    with sync_playwright() as playwright:
        # Playwright turns the back/forward cache off by default; agents' browsers have it on,
        # and going Back to a half-typed form depends on it.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            ignore_default_args=["--disable-back-forward-cache"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _searches_on_the_pool(search_threads) -> None:
    # The live server answers in its own threads, as production does: its searches run on
    # the real pool too, which is why these tests are transactional (committed rows).
    pass


@pytest.fixture
def page(browser: Browser, live_server, request) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = console_errors(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    # Let the page's own requests (the duplicate panel refreshing, say) finish before the
    # test database is flushed: a live-server thread still writing audit rows holds locks
    # that PostgreSQL's TRUNCATE would deadlock with.
    with contextlib.suppress(PlaywrightError):  # still busy after 5 s: close anyway
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def sign_in(page: Page):
    def sign_in_as(username: str, password: str | None = None) -> Page:
        return sign_in_on(page, username, password)

    return sign_in_as
