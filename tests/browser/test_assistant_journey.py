"""An agent makes an assistant token in the browser, the assistant proposes a customer it
cannot get confirmed, and the agent creates it from the pre-filled form: one customer,
with "via assistant" on its timeline where the assistant was the one creating."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from customers.models import CreateAttempt
from customers.sandbox.models import SandboxCustomer
from tests.assistant.conftest import answering, connect, run
from tests.seeded import DEFAULT_CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = re.compile(r"sdk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def make_token_in_the_browser(page: Page, *, scopes: list[str]) -> str:
    page.get_by_role("link", name="Assistant").click()
    expect(page.get_by_role("heading", name="Assistant tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Claude on my laptop")
    for scope in scopes:
        page.get_by_label(re.compile(re.escape(f"({scope})"))).check()
    page.get_by_role("button", name="Make token").click()
    token = page.get_by_test_id("new-token-value").input_value()
    assert TOKEN.fullmatch(token)
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    return token


def test_a_proposal_the_assistant_could_not_confirm_is_created_on_the_web(
    page: Page, sign_in, agent, campaign, sandbox, live_server
):
    sign_in("alice")
    token = make_token_in_the_browser(page, scopes=["customers:create"])
    url = f"{live_server.url}/assistant/mcp"
    person = {
        "campaign": "Default Campaign",
        "customer": {"first_name": "Rosa", "last_name": "Parks", "email": "rosa.p@example.com"},
        "metadata": [{"name": "tier", "value": "gold"}],
    }

    async def assistant_without_questions():
        async with connect(url, token) as client:  # no elicitation: cannot ask the agent
            proposal = await client.call_tool("propose_customer", person)
            return await client.call_tool(
                "create_customer", {"proposal_id": proposal.structured_content["proposal_id"]}
            )

    refused = run(assistant_without_questions)
    assert refused.is_error
    found = re.search(r"http\S+proposal=prop_[0-9a-f]{16}", refused.content[0].text)
    assert found is not None
    link = found.group()
    assert not CreateAttempt.objects.exists()

    page.goto(link)
    expect(page.get_by_test_id("from-proposal")).to_contain_text("your assistant's proposal")
    expect(page.get_by_label("First name").first).to_have_value("Rosa")
    expect(page.get_by_label("Email").first).to_have_value("rosa.p@example.com")
    expect(page.get_by_test_id("metadata-row").get_by_label("Value")).to_have_value("gold")
    page.get_by_test_id("create-button").click()
    expect(page.get_by_test_id("verified")).to_have_text("Verified")
    assert SandboxCustomer.objects.filter(email="rosa.p@example.com").count() == 1


def test_a_customer_the_assistant_created_says_so_on_its_timeline(
    page: Page, sign_in, agent, campaign, sandbox, live_server
):
    sign_in("alice")
    token = make_token_in_the_browser(page, scopes=["customers:create"])

    async def assistant():
        async with connect(
            f"{live_server.url}/assistant/mcp", token, elicitation_callback=answering()
        ) as client:
            proposal = await client.call_tool(
                "propose_customer",
                {
                    "campaign": DEFAULT_CAMPAIGN,
                    "customer": {
                        "first_name": "Li",
                        "last_name": "Wei",
                        "email": "li.w@example.com",
                    },
                },
            )
            return await client.call_tool(
                "create_customer", {"proposal_id": proposal.structured_content["proposal_id"]}
            )

    created = run(assistant)
    customer_id = created.structured_content["customer_id"]
    page.goto(f"/customers/{customer_id}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("via assistant")


def test_an_agent_revokes_a_token_with_the_keyboard_after_being_asked(
    page: Page, sign_in, agent, live_server
):
    sign_in("alice")
    make_token_in_the_browser(page, scopes=["customers:read"])
    page.get_by_role("link", name=re.compile("^Revoke")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke token sdk_")
    expect(page.get_by_role("button", name="Revoke token")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Token sdk_[0-9a-f]{8} no longer works"))).to_be_visible()
    expect(page.get_by_test_id("token-status")).to_contain_text("Revoked")
