"""An agent searches, opens the wrong one of two Jane Does, presses Back, and is on the
results again: no "Confirm Form Resubmission", no second search, no PII in any address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from customers.models import AuditEntry
from tests.browser.helpers import console_errors
from tests.seeded import JANE, JANE_TWO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RESULTS_URL = re.compile(r"/customers/find/\?r=[A-Za-z0-9_-]{22}$")


def searches() -> int:
    return AuditEntry.objects.filter(operation="SearchCustomers").count()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)], ids=["phone", "desk"])
def test_back_from_a_result_lands_on_the_results(
    page: Page, sign_in, agent, sandbox, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    sign_in("alice")
    box = page.get_by_role("main").get_by_role(
        "searchbox", name="Email, phone, name, internal ID or RevCent ID"
    )
    box.fill("Jane Doe")
    box.press("Enter")

    expect(page).to_have_url(RESULTS_URL)
    results = page.get_by_test_id("lookup-results")
    expect(results.get_by_role("listitem")).to_have_count(2)
    expect(results).to_contain_text("Miami · created")
    results_url = page.url  # the path and a random key, nothing typed (RESULTS_URL)
    assert searches() == 1

    results.get_by_role("link", name="Jane Doe").first.click()
    expect(page).to_have_url(re.compile(rf"/customers/({JANE}|{JANE_TWO})/$"))
    expect(page.get_by_role("heading", name="Jane Doe", level=1)).to_be_visible()

    back = page.go_back()
    # A GET of the results page (a POST's page would be a resubmission prompt or an error).
    assert back is not None and back.request.method == "GET" and back.status == 200
    expect(page).to_have_url(results_url)
    expect(results.get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_role("main").get_by_role("searchbox")).to_have_value("Jane Doe")
    assert searches() == 1  # the results were kept: RevCent was not asked again

    page.go_forward()
    expect(page.get_by_role("heading", name="Jane Doe", level=1)).to_be_visible()
    page.go_back()
    expect(results.get_by_role("listitem")).to_have_count(2)
    assert searches() == 1
    assert console_errors(page) == []
