"""Many clients at once, and one conversation answered by two app servers in turn."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from mcp.types import ElicitResult, InputRequiredResult

from customers.models import CreateAttempt
from customers.sandbox.models import SandboxCustomer
from tests.assistant.conftest import answering, connect, run
from tests.assistant.test_mcp_channel import new_person, propose
from tests.audit_helpers import Operation, audit_rows

ROOT = Path(__file__).resolve().parents[2]


def test_five_clients_confirming_one_person_at_once_make_one_customer(mcp_url, agent_token):
    person = new_person("five.at.once@example.com")

    async def one_client():
        async with connect(mcp_url, agent_token, elicitation_callback=answering()) as client:
            proposal = await propose(client, **person)
            return await client.call_tool(
                "create_customer", {"proposal_id": proposal["proposal_id"]}
            )

    async def scenario():
        return await asyncio.gather(*(one_client() for _ in range(5)))

    results = run(scenario)
    made = [r for r in results if not r.is_error]
    assert SandboxCustomer.objects.filter(email="five.at.once@example.com").count() == 1
    assert len({r.structured_content["customer_id"] for r in made}) == 1
    assert len(audit_rows(operation=Operation.CREATE_CUSTOMER)) == 1
    for refused in (r for r in results if r.is_error):
        # The others were stopped by the customer the first one made, or told to wait.
        assert (
            "strong match appeared" in refused.content[0].text
            or "still running" in refused.content[0].text
        )


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def second_server():
    """Another app server: its own process, the same database and cache settings."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    child = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):  # a bound for a hung start, not a timing assertion
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
        if child.poll() is not None:
            pytest.fail("The second app server did not start.")
    yield url
    child.terminate()
    child.wait()


def test_two_app_servers_answer_alternate_calls_of_one_conversation(
    mcp_url, agent_token, second_server
):
    other = f"{second_server}/assistant/mcp"
    person = new_person()

    async def scenario():
        async with connect(mcp_url, agent_token, elicitation_callback=answering()) as first:
            proposal = await propose(first, **person)
            question = await first.session.call_tool(
                "create_customer",
                {"proposal_id": proposal["proposal_id"]},
                allow_input_required=True,
            )
        async with connect(other, agent_token, elicitation_callback=answering()) as second:
            answer = ElicitResult(action="accept", content={"confirm": True})
            assert isinstance(question, InputRequiredResult)
            assert question.input_requests is not None
            [key] = question.input_requests
            return await second.session.call_tool(
                "create_customer",
                {"proposal_id": proposal["proposal_id"]},
                input_responses={key: answer},
                request_state=question.request_state,
                allow_input_required=True,
            )

    result = run(scenario)
    assert not result.is_error, result.content[0].text
    attempt = CreateAttempt.objects.get()
    assert attempt.customer_id == result.structured_content["customer_id"]
    assert attempt.channel == "assistant"
