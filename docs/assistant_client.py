"""List Support Desk's assistant tools and search for one customer, with the `mcp` SDK's own
client: what an assistant does when it connects.

    SUPPORT_DESK_TOKEN=sdk_… .venv/bin/python docs/assistant_client.py [URL] [QUERY]

URL defaults to http://127.0.0.1:8000/assistant/mcp (`make run`); make the token on the
site's Assistant page, or with `manage.py assistant_token create USERNAME`.
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main(url: str, query: str) -> None:
    token = os.environ["SUPPORT_DESK_TOKEN"]
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(url, http_client=http)) as client:
        for tool in (await client.list_tools()).tools:
            writes = tool.annotations is not None and not tool.annotations.read_only_hint
            print(f"{tool.name:24} {'[changes something] ' if writes else ''}{tool.title or ''}")
        if query:
            found = await client.call_tool("search_customers", {"query": query})
            print(found.structured_content if not found.is_error else found.content[0].text)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    url = arguments[0] if arguments else "http://127.0.0.1:8000/assistant/mcp"
    try:
        asyncio.run(main(url, arguments[1] if len(arguments) > 1 else ""))
    except Exception as exc:  # what a person can act on, not the SDK's traceback
        sys.exit(
            f"Support Desk did not accept the call ({type(exc).__name__}). Check the address, "
            "and that the token is not expired or revoked (the Assistant page lists yours)."
        )
