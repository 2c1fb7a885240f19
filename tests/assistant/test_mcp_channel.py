"""/assistant/mcp driven end to end with the `mcp` SDK's client over HTTP, real tokens."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from customers.models import AuditEntry, CreateAttempt
from customers.revcent.contract import CreateCustomerBody
from customers.sandbox.models import SandboxCustomer
from tests.assistant.conftest import answering, connect, run
from tests.audit_helpers import Operation, audit_rows
from tests.seeded import JANE

CARD = "4111 1111 1111 1111"


def new_person(email: str | None = None) -> CreateCustomerBody:
    """propose_customer's arguments, shaped as RevCent's CreateCustomer input."""
    email = email or f"ana.{uuid.uuid4().hex[:8]}@example.com"
    return {
        "campaign": "Default Campaign",
        "customer": {"first_name": "Ana", "last_name": "Lima", "email": email, "country": "USA"},
    }


async def propose(client, **arguments: object) -> dict[str, Any]:
    result = await client.call_tool("propose_customer", arguments or new_person())
    assert not result.is_error, result.content[0].text
    proposal: dict[str, Any] = result.structured_content
    return proposal


def test_tools_are_listed_with_annotations_and_output_schemas(mcp_url, agent_token):
    async def scenario():
        async with connect(mcp_url, agent_token) as client:
            return {tool.name: tool for tool in (await client.list_tools()).tools}

    tools = run(scenario)
    assert set(tools) == {
        "search_customers",
        "get_customer",
        "verify_caller",
        "card_link_status",
        "list_customer_groups",
        "propose_customer",
        "create_customer",
        "add_customer_to_groups",
        "send_card_link",
    }
    assert tools["search_customers"].annotations.read_only_hint is True
    assert tools["create_customer"].annotations.read_only_hint is False
    assert all(tool.output_schema for tool in tools.values())
    # A confirmation or a reason is never an argument: the person gives it.
    assert set(tools["create_customer"].input_schema["properties"]) == {"proposal_id"}
    customer = tools["propose_customer"].input_schema["$defs"]["ContactIn"]
    assert {"first_name", "last_name", "email"} <= set(customer["required"])


def test_search_then_get_masked_then_verified(mcp_url, agent_token):
    async def scenario():
        async with connect(mcp_url, agent_token) as client:
            found = await client.call_tool("search_customers", {"query": "jane@example.com"})
            before = await client.call_tool("get_customer", {"customer_id": JANE})
            wrong = await client.call_tool(
                "verify_caller", {"customer_id": JANE, "kind": "zip", "answer": "00000"}
            )
            right = await client.call_tool(
                "verify_caller", {"customer_id": JANE, "kind": "zip", "answer": "33101"}
            )
            after = await client.call_tool("get_customer", {"customer_id": JANE})
            return found, before, wrong, right, after

    found, before, wrong, right, after = run(scenario)
    hits = found.structured_content["hits"]
    assert hits[0]["customer_id"] == JANE and hits[0]["strong"]
    assert "Same e-mail" in " ".join(hits[0]["why"]) or hits[0]["why"]
    assert "<untrusted-data>" in found.content[0].text  # RevCent's data fenced as data
    assert not before.structured_content["caller_verified"]
    assert "•" in before.structured_content["contact"]["email"]
    assert not wrong.structured_content["verified"]
    assert right.structured_content["verified"]
    assert after.structured_content["contact"]["email"] == "jane@example.com"
    # The answers themselves are nowhere in the trail.
    assert not AuditEntry.objects.filter(message__contains="33101").exists()


def test_propose_then_confirm_creates_one_verified_customer(mcp_url, agent_token, agent):
    on_question = answering()

    async def scenario():
        async with connect(mcp_url, agent_token, elicitation_callback=on_question) as client:
            proposal = await propose(client)
            created = await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )
            again = await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )
            return proposal, created, again

    proposal, created, again = run(scenario)
    assert not proposal["matches"] and not proposal["needs_reason"]
    assert not created.is_error, created.content[0].text
    customer_id = created.structured_content["customer_id"]
    assert created.structured_content["state"] == "Verified"
    assert created.structured_content["api_call_ids"]
    assert again.structured_content["customer_id"] == customer_id  # still one customer
    assert len(on_question.asked) == 1  # done once: not asked again
    assert on_question.asked[0].startswith(
        f"Create Ana Lima ({proposal['customer']['customer']['email']}"
    )
    attempt = CreateAttempt.objects.get(customer_id=customer_id)
    assert attempt.channel == "assistant" and attempt.user == agent
    note = SandboxCustomer.objects.get(pk=customer_id).notes.get().text
    assert note.startswith(f"Created in Support Desk by {agent.username} via assistant (token …")
    assert len(audit_rows(operation=Operation.CREATE_CUSTOMER)) == 1
    # Every row of the conversation says how it came in, and the trail still verifies.
    rows = AuditEntry.objects.filter(user=agent)
    assert rows and all(row.channel == "assistant" for row in rows)
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "anchor:" in out.getvalue()


@pytest.mark.parametrize(
    "answer", [{"action": "decline"}, {"action": "cancel"}, {"confirm": False}]
)
def test_nothing_is_created_unless_the_person_confirms(mcp_url, agent_token, answer):
    async def scenario():
        async with connect(
            mcp_url, agent_token, elicitation_callback=answering(**answer)
        ) as client:
            proposal = await propose(client)
            return await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )

    result = run(scenario)
    assert result.is_error and "did not confirm" in result.content[0].text
    assert not CreateAttempt.objects.exists()
    assert not audit_rows(operation=Operation.CREATE_CUSTOMER)


@pytest.mark.parametrize("mode", ["2026-07-28", "legacy"])
def test_a_client_that_cannot_be_asked_gets_a_link_and_nothing_is_created(
    mcp_url, agent_token, mode
):
    async def scenario():
        async with connect(mcp_url, agent_token, mode=mode) as client:
            proposal = await propose(client)
            return proposal, await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )

    proposal, result = run(scenario)
    assert result.is_error
    assert f"/customers/new/?proposal={proposal['proposal_id']}" in result.content[0].text
    assert not CreateAttempt.objects.exists()


def test_a_strong_match_needs_the_persons_reason(mcp_url, agent_token):
    jane = new_person("jane@example.com")
    short, good = answering(reason="too short"), answering(reason="Her daughter, same e-mail")

    async def scenario():
        async with connect(mcp_url, agent_token, elicitation_callback=short) as client:
            proposal = await propose(client, **jane)
            refused = await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )
        nothing_yet = not CreateAttempt.objects.exists()
        async with connect(mcp_url, agent_token, elicitation_callback=good) as client:
            made = await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )
        return proposal, refused, nothing_yet, made

    proposal, refused, nothing_yet, made = run(scenario)
    assert proposal["needs_reason"] and proposal["matches"][0]["customer_id"] == JANE
    assert refused.is_error and nothing_yet  # a reason under 10 characters is no reason
    assert not made.is_error, made.content[0].text
    assert "strong match" in good.asked[0]
    attempt = CreateAttempt.objects.get()
    assert attempt.override_reason == "Her daughter, same e-mail"
    [override] = audit_rows(operation=Operation.DUPLICATE_OVERRIDE)
    assert "Her daughter" in override.message


def test_a_reason_in_the_arguments_is_refused(mcp_url, agent_token):
    async def scenario():
        async with connect(mcp_url, agent_token, elicitation_callback=answering()) as client:
            proposal = await propose(client, **new_person("jane@example.com"))
            return await client.call_tool(
                "create_customer",
                {"proposal_id": proposal["proposal_id"], "reason": "I say it is fine"},
            )

    result = run(scenario)
    assert result.is_error and "unknown name reason" in result.content[0].text
    assert not CreateAttempt.objects.exists()


CARD_SHAPES = [
    CARD,
    "4111-1111-1111-1111",
    "4111111111111111",
    "4111.1111.1111.1111",
    "４１１１ １１１１ １１１１ １１１１",  # fullwidth digits
    "4111\u200b1111\u200b1111\u200b1111",  # zero-width spaces
    "card: 5555 5555 5555 4444 exp 12/30",
    "3782 822463 10005",  # Amex
    "6011 1111 1111 1117",  # Discover
    "Visa 4012888888881881",
]
PLACES = [
    ("search_customers", lambda card: {"query": card}, "query"),
    (
        "verify_caller",
        lambda card: {"customer_id": JANE, "kind": "zip", "answer": card},
        "answer",
    ),
    (
        "propose_customer",
        lambda card: {
            **new_person(),
            "customer": {**new_person()["customer"], "address_line_1": card},
        },
        "customer.address_line_1",
    ),
    (
        "propose_customer",
        lambda card: {**new_person(), "bill_to": {**new_person()["customer"], "company": card}},
        "bill_to.company",
    ),
    (
        "propose_customer",
        lambda card: {**new_person(), "metadata": [{"name": "note", "value": card}]},
        "metadata[0].value",
    ),
    (
        "propose_customer",
        lambda card: {**new_person(), "metadata": [{"name": card, "value": "x"}]},
        "metadata[0].name",
    ),
]


@pytest.mark.parametrize("card", CARD_SHAPES)
def test_a_card_number_in_any_argument_is_refused_and_kept_nowhere(
    mcp_url, agent_token, card, caplog, upstream
):
    async def scenario():
        results = []
        async with connect(mcp_url, agent_token) as client:
            for tool, arguments, _ in PLACES:
                results.append(await client.call_tool(tool, arguments(card)))
        return results

    results = run(scenario)
    for (tool, _, path), result in zip(PLACES, results, strict=True):
        text = result.content[0].text
        assert result.is_error and path in text, (tool, text)
        assert "1111" not in text and "4444" not in text and "10005" not in text
    refusals = audit_rows(operation=Operation.CARD_NUMBER_REFUSED)
    assert len(refusals) == len(PLACES)
    digits = card.translate(str.maketrans("", "", " -.\u200b"))[-8:]
    for model in (AuditEntry, CreateAttempt, SandboxCustomer):
        for row in model.objects.all():
            assert digits not in json.dumps(row.__dict__, default=str)
    assert digits not in caplog.text
    assert not any(digits in sent for sent in upstream)  # nothing of it reached RevCent
    from customers.assistant.models import Proposal

    assert not Proposal.objects.exists()


def test_a_card_number_escaped_in_json_is_refused(live_server, agent_token):
    escaped = "".join(f"\\u{ord(ch):04x}" for ch in "4111111111111111")
    body = (
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_customers",'
        f'"arguments":{{"query":"{escaped}"}}}}}}'
    )
    response = httpx.post(
        f"{live_server.url}/assistant/mcp",
        content=body,
        headers={
            "Authorization": f"Bearer {agent_token}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
    )
    result = response.json()["result"]
    assert result["isError"] and "query" in result["content"][0]["text"]
    assert "1111" not in response.text
