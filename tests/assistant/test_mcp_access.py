"""Who gets in at /assistant/mcp, checked on every call, and the trail of every refusal."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from customers.assistant.models import AssistantToken
from customers.team.roles import AGENTS
from tests.assistant.conftest import connect, run
from tests.audit_helpers import Operation, audit_rows


def call(live_server, token: str | None, tool: str = "search_customers", **headers: str):
    arguments = {"query": "jane@example.com"} if tool == "search_customers" else {}
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }
    sent = {"Accept": "application/json, text/event-stream", **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{live_server.url}/assistant/mcp", json=body, headers=sent)


def refusals() -> list[str]:
    return [row.message for row in audit_rows(operation=Operation.ASSISTANT_TOKEN_REFUSED)]


def test_no_token_is_a_401_pointing_at_the_resource_metadata(live_server):
    response = call(live_server, None)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"')
    metadata_url = f"{live_server.url}/.well-known/oauth-protected-resource/assistant/mcp"
    assert f'resource_metadata="{metadata_url}"' in challenge
    metadata = httpx.get(metadata_url).json()
    assert metadata["resource"] == f"{live_server.url}/assistant/mcp"
    assert "customers:create" in metadata["scopes_supported"]


def test_a_wrong_token_is_refused_and_audited(live_server, agent_token):
    response = call(live_server, agent_token[:-4] + "AAAA")
    assert response.status_code == 401
    assert refusals() == ["Assistant call refused: unknown token."]


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (
            lambda token, agent: token.__class__.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            "token expired",
        ),
        (
            lambda token, agent: token.__class__.objects.filter(pk=token.pk).update(
                revoked_at=timezone.now()
            ),
            "token revoked",
        ),
        (
            lambda token, agent: agent.__class__.objects.filter(pk=agent.pk).update(
                is_active=False
            ),
            "user deactivated",
        ),
    ],
)
def test_a_token_is_checked_again_at_every_call(live_server, agent, agent_token, spoil, reason):
    assert call(live_server, agent_token).status_code == 200
    spoil(AssistantToken.objects.get(), agent)
    assert call(live_server, agent_token).status_code == 401
    [row] = audit_rows(operation=Operation.ASSISTANT_TOKEN_REFUSED)
    assert row.message == f"Assistant call refused: {reason}." and row.user == agent


def test_a_missing_scope_is_a_403_naming_it(live_server, agent, token_for):
    read_only = token_for(agent, scopes=["customers:read"])
    response = call(live_server, read_only, tool="propose_customer")
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="customers:create"' in challenge
    assert refusals() == [
        "Assistant call calling propose_customer refused: no customers:create scope."
    ]


def test_a_role_taken_away_takes_the_scopes_with_it(live_server, agent, agent_token):
    assert call(live_server, agent_token).status_code == 200
    agent.groups.remove(Group.objects.get(name=AGENTS))
    response = call(live_server, agent_token)
    assert response.status_code == 403
    assert 'scope="customers:read"' in response.headers["WWW-Authenticate"]


def test_a_tools_list_shows_every_tool_but_each_call_checks_its_scope(mcp_url, agent, token_for):
    read_only = token_for(agent, scopes=["customers:read"])

    async def scenario():
        async with connect(mcp_url, read_only) as client:
            return len((await client.list_tools()).tools)

    assert run(scenario) == 9  # listed; test_a_missing_scope_is_a_403_naming_it: refused


def test_a_browser_origin_not_trusted_is_a_403(live_server, agent_token, settings):
    response = call(live_server, agent_token, Origin="https://evil.example")
    assert response.status_code == 403
    assert call(live_server, agent_token, Origin=live_server.url).status_code == 200


def test_a_session_cookie_is_not_a_token(live_server, agent_client):
    cookie = agent_client.cookies
    response = httpx.post(
        f"{live_server.url}/assistant/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        cookies={key: morsel.value for key, morsel in cookie.items()},
    )
    assert response.status_code == 401


def test_over_the_token_call_limit_says_when_to_retry(live_server, agent_token, settings):
    settings.ASSISTANT_CALLS_PER_MINUTE = 2
    answers = [call(live_server, agent_token).json() for _ in range(3)]
    assert not answers[0]["result"].get("isError")
    last = answers[2]["result"]
    assert last["isError"] and "Retry in 60 seconds" in last["content"][0]["text"]
    [row] = audit_rows(operation=Operation.ASSISTANT_TOOL_CALL, outcome="denied")
    assert "over a limit" in row.message
