"""Building the configured client: RevCent itself with an API key, otherwise the sandbox."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from customers.revcent import contract
from customers.revcent.client import RevCentClient

# The sandbox app registers its transport here when Django starts (customers/sandbox/apps.py):
# the client never imports the sandbox, so the sandbox may import the contract freely.
_sandbox_transport: Callable[[], httpx.BaseTransport] | None = None


def register_sandbox_transport(factory: Callable[[], httpx.BaseTransport]) -> None:
    global _sandbox_transport
    _sandbox_transport = factory


def get_client(
    *,
    transport: httpx.BaseTransport | None = None,
    on_response: Callable[[str, dict[str, Any]], None] | None = None,
) -> RevCentClient:
    """The configured client: RevCent itself with an API key, otherwise the sandbox.

    The plain client is shared by the process (httpx clients are thread-safe), so
    connections to RevCent are reused instead of opened per request.
    """
    config = (
        settings.REVCENT_API_KEY,
        settings.REVCENT_BASE_URL,
        settings.REVCENT_SANDBOX,
        settings.REVCENT_TIMEOUT_SECONDS,
    )
    if transport is None and on_response is None:
        return _shared_client(*config)
    return _new_client(*config, transport=transport, on_response=on_response)


@functools.lru_cache(maxsize=8)
def _shared_client(api_key: str, base_url: str, sandbox: bool, deadline: int) -> RevCentClient:
    return _new_client(api_key, base_url, sandbox, deadline)


def _new_client(
    api_key: str,
    base_url: str,
    sandbox: bool,
    deadline: int,
    *,
    transport: httpx.BaseTransport | None = None,
    on_response: Callable[[str, dict[str, Any]], None] | None = None,
) -> RevCentClient:
    if sandbox:
        api_key, base_url = "sandbox", contract.SANDBOX_BASE_URL
        if transport is None:
            if _sandbox_transport is None:
                raise ImproperlyConfigured(
                    "Sandbox mode needs 'customers.sandbox' in INSTALLED_APPS."
                )
            transport = _sandbox_transport()
    return RevCentClient(
        api_key=api_key,
        base_url=base_url,
        sandbox=sandbox,
        deadline_seconds=deadline,
        transport=transport,
        on_response=on_response,
    )
