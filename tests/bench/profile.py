"""cProfile of the real requests, in-process: the full middleware stack through Django's test
client, the same database and cache as the bench's servers.

Timed by this process's CPU time (time.process_time), not the wall clock, so waiting for
PostgreSQL, Redis or RevCent costs nothing here. With `upstream` (the bench passes its
latency-0 stand-in's settings) RevCent is the out-of-process stand-in, so every entry is the
app's own work; by hand, without it, the sandbox runs in-process at latency 0 and its entries
show by their module (customers/sandbox/). The searches of a request with several terms run
in a thread pool: their CPU is counted, but against whatever the request's thread was doing
meanwhile (waiting for them).

Used by the bench's diagnosis (docs/performance.md, "Profile") and by hand:

    DATABASE_URL=postgres://… CACHE_URL=redis://… python -m tests.bench.profile [samples]

(the database must be migrated and `prepare_demo` run; the bench does both).
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import time
import uuid
from collections.abc import Callable

from django.test.utils import override_settings

from tests.bench import db
from tests.bench.harness import create_form, letters
from tests.bench.phases import HTMX, PANEL, PANEL_INTERNAL_ID, PANEL_PHONE


def _form_fields(client) -> tuple[str, str]:
    from tests.bench.harness import form_fields

    return form_fields(client.get("/customers/new/").content.decode())


def _requests(client) -> dict[str, Callable[[], None]]:
    """One function per request kind the load test makes, each doing one request."""
    key, campaign = _form_fields(client)
    state = {"location": ""}

    def new_form() -> None:
        assert client.get("/customers/new/").status_code == 200

    def panel() -> None:
        body = create_form(
            key=key,
            campaign=campaign,
            email=f"prof-{uuid.uuid4().hex[:12]}@example.com",
            phone=PANEL_PHONE,
            internal_id=PANEL_INTERNAL_ID,
            first_name="Bench",
            last_name="Panelist",
        )
        assert client.post(PANEL, body, headers=HTMX).status_code == 200

    def create() -> None:
        fresh_key, fresh_campaign = _form_fields(client)
        body = create_form(
            key=fresh_key,
            campaign=fresh_campaign,
            email=f"prof-{uuid.uuid4().hex[:12]}@example.com",
            first_name="Prof",
            last_name=letters(),
        )
        response = client.post("/customers/new/", body)
        assert response.status_code == 302, response.status_code
        state["location"] = response["Location"]
        assert client.get(state["location"]).status_code == 200

    return {
        "GET /customers/new/": new_form,
        "panel refresh (1 fresh search + 3 cached)": panel,
        "create workflow (GET form + POST create + GET customer page)": create,
    }


def profile(
    samples: int = 30,
    top: int = 12,
    username: str = "agent",
    upstream: dict[str, str] | None = None,
) -> list[str]:
    """The top entries by own CPU time (tottime) for each request kind, as Markdown lines.

    upstream: REVCENT_API_KEY and REVCENT_BASE_URL of an out-of-process RevCent stand-in."""
    switch: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if upstream:
        switch = override_settings(
            REVCENT_API_KEY=upstream["REVCENT_API_KEY"],
            REVCENT_BASE_URL=upstream["REVCENT_BASE_URL"],
            REVCENT_SANDBOX=False,
        )
    with switch:
        return _profile(samples, top, username)


def _profile(samples: int, top: int, username: str) -> list[str]:
    client = db._client_for(username)
    out: list[str] = []
    for label, call in _requests(client).items():
        for _ in range(5):  # warm-up: caches, connections, compiled templates
            call()
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(samples):
            call()
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        total_ms = getattr(stats, "total_tt", 0.0) * 1000 / samples
        out.append(f"- {label}: {total_ms:.1f} ms of CPU per request under cProfile, n={samples}")
        entries = getattr(stats, "stats", {})
        rows = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
        out.append("  | own ms/req | cum ms/req | calls/req | function |")
        out.append("  |---|---|---|---|")
        for (filename, line, name), (_, calls, tottime, cumtime, _) in rows[:top]:
            where = _short(filename)
            out.append(
                f"  | {tottime * 1000 / samples:.2f} | {cumtime * 1000 / samples:.2f} | "
                f"{calls / samples:.0f} | `{where}:{line}({name})` |"
            )
    return out


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/wt-perf/", "/main/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 2)[-1] if "/" in filename else filename


if __name__ == "__main__":
    import sys

    print("\n".join(profile(int(sys.argv[1]) if len(sys.argv) > 1 else 30)))
