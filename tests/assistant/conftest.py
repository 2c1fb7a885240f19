"""The assistant channel end to end: pytest-django's live server, real tokens, and the `mcp`
SDK's own client over HTTP (httpx2), as an assistant would connect."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitResult

from customers.assistant.tokens import token_mint

# The scenarios run in an event loop in the test thread; the fixtures' ORM calls happen
# before and after it, from that same thread, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ALL_SCOPES = ["customers:read", "customers:create", "groups:write", "cardlinks:send"]


@pytest.fixture(autouse=True)
def _live(transactional_db, sandbox, search_threads, campaign) -> None:
    """Committed rows (the live server answers in its own threads), the sandbox's data and
    its default campaign."""


@pytest.fixture
def mcp_url(live_server) -> str:
    return f"{live_server.url}/assistant/mcp"


@pytest.fixture
def token_for() -> Callable[..., str]:
    def make(user, scopes: list[str] | None = None, days: int = 7) -> str:
        return token_mint(user=user, name="test", scopes=scopes or ALL_SCOPES, days=days)[1]

    return make


@pytest.fixture
def agent_token(agent, token_for: Callable[..., str]) -> str:
    return token_for(agent)


class Answering:
    """An elicitation callback: the person answers every question the same way; the
    questions asked are kept on its `asked` list."""

    def __init__(self, action: Literal["accept", "decline", "cancel"], content: Any) -> None:
        self.action, self.content = action, content
        self.asked: list[str] = []

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.asked.append(params.message)
        if self.action != "accept":
            return ElicitResult(action=self.action)
        return ElicitResult(action="accept", content={"confirm": True, **self.content})


def answering(
    action: Literal["accept", "decline", "cancel"] = "accept", **content: Any
) -> Answering:
    return Answering(action, content)


def connect(url: str, token: str, **options: Any) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), **options)


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run an async scenario to its end; in a thread of its own where the test thread already
    runs an event loop (Playwright's sync API does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(scenario())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()
