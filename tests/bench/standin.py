"""The benchmark's RevCent: the sandbox served over HTTP in a process of its own.

    python -m tests.bench.standin PORT LATENCY   (LATENCY: "0", "300" or a range "100-300")

The app servers talk to it as to RevCent (REVCENT_API_KEY set, REVCENT_BASE_URL pointing
here), so their figures count the app's own work: the real HTTP client and connection pool,
and none of the sandbox's simulation, which runs in this process.

Each answer leaves exactly LATENCY ms after its request arrived (the sandbox's own work is
inside that time, as RevCent's is inside its latency), so "minus N × latency" is exact. At
latency 0 the sandbox's work is measured instead: `GET /__bench/handled` answers the number
of calls served and the milliseconds spent serving them, for the bench to subtract.

`GET /__bench/calls` answers, and forgets, every call held since the last time it was asked:
its api_call_id and when it arrived and left (this process's clock, seconds). The capacity
step joins them to the app's audit rows (api_call_id → request_id) to know how long RevCent
held each of the app's requests, however many agents are working at once.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
os.environ.pop("REVCENT_API_KEY", None)  # this process *is* the sandbox
os.environ.pop("BENCH_SANDBOX_LATENCY_RANGE_MS", None)
os.environ["REVCENT_SANDBOX_LATENCY_MS"] = "0"
django.setup()

import httpx  # noqa: E402

from customers.sandbox import server  # noqa: E402
from customers.sandbox.transport import SandboxTransport  # noqa: E402
from tests.bench.waits import WaitCounter  # noqa: E402

THREADS = 64  # ~300 calls/s at 200 ms: more than the load test asks
_lock = threading.Lock()
_handled = {"count": 0, "ms": 0.0}
_waits = WaitCounter()  # the upstream waits served one after another (tests/bench/waits.py)
_calls: list[tuple[str, float, float]] = []  # (api_call_id, arrived, left), under _lock
_CALL_ID = re.compile(rb'"api_call_id":\s*"([^"]+)"')


class PaddedTransport(SandboxTransport):
    def __init__(self, low_ms: int, high_ms: int) -> None:
        super().__init__(0)
        self.low_ms, self.high_ms = low_ms, high_ms

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        target = random.uniform(self.low_ms, self.high_ms) / 1000
        _waits.arrive()
        try:
            try:
                response = super().handle_request(request)
                response.read()
            finally:
                spent = time.perf_counter() - start
                with _lock:
                    _handled["count"] += 1
                    _handled["ms"] += spent * 1000
            if target > spent:
                time.sleep(target - spent)
        finally:
            _waits.leave()
        found = _CALL_ID.search(response.content)
        if found is not None:
            with _lock:
                _calls.append((found.group(1).decode(), start, time.perf_counter()))
        return response


class Handler(server._Handler):
    def _serve(self) -> None:
        if self.path in ("/__bench/handled", "/__bench/calls"):
            with _lock:
                if self.path == "/__bench/calls":
                    body = json.dumps({"calls": _calls}).encode()
                    _calls.clear()
                else:
                    body = json.dumps({**_handled, "rounds": _waits.rounds}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super()._serve()

    do_GET = _serve
    do_POST = _serve


class PooledHTTPServer(ThreadingHTTPServer):
    """Requests served by a fixed pool of threads, each keeping its database connection (a
    thread per request would open a PostgreSQL connection per call, and run out of them)."""

    def __init__(self, address: tuple[str, int], handler: type, threads: int) -> None:
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="stand-in")

    def process_request(self, request, client_address) -> None:
        self.pool.submit(self.process_request_thread, request, client_address)


def main(port: int, latency: str) -> None:
    low, _, high = latency.partition("-")
    handler = type(
        "StandInHandler",
        (Handler,),
        {"transport": PaddedTransport(int(low), int(high or low)), "seen_headers": []},
    )
    PooledHTTPServer.request_queue_size = 512
    httpd = PooledHTTPServer(("127.0.0.1", port), handler, THREADS)
    print(f"stand-in on 127.0.0.1:{port}, latency {latency} ms", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
