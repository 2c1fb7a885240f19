"""The sandbox over real HTTP on loopback, for tests and benchmarks of the real transport.

`manage.py sandbox_serve` runs it; the app itself never needs it (it plugs the sandbox in
as an in-process transport).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from django.db import close_old_connections

from customers.sandbox.transport import SandboxTransport


class _Handler(BaseHTTPRequestHandler):
    transport: SandboxTransport
    seen_headers: list[dict[str, str]]

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen_headers.append({k.lower(): v for k, v in self.headers.items()})
        request = httpx.Request(
            self.command,
            f"http://{self.headers.get('host', 'localhost')}{self.path}",
            headers=dict(self.headers.items()),
            content=body,
        )
        close_old_connections()
        try:
            response = self.transport.handle_request(request)
        except httpx.TransportError:
            # The simulated fault: hang up without an answer.
            self.close_connection = True
            return
        finally:
            close_old_connections()
        content = response.read()
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass  # request lines carry search terms (customer PII)


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    latency_ms: int | None = None,
    *,
    nested_customer: bool = False,
    api_call_naming: str = "ours",
) -> tuple[ThreadingHTTPServer, list[dict[str, str]]]:
    """Serve in a background thread; returns the server and the list of request headers."""
    seen: list[dict[str, str]] = []
    handler = type(
        "SandboxHandler",
        (_Handler,),
        {
            "transport": SandboxTransport(
                latency_ms, nested_customer=nested_customer, api_call_naming=api_call_naming
            ),
            "seen_headers": seen,
        },
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen
