"""cProfile of the real requests, in-process: the full middleware stack through Django's test
client, the same database and cache as the bench's servers, the sandbox at latency 0.

Used by the bench's diagnosis (docs/performance.md, "Profile") and by hand:

    DATABASE_URL=postgres://… CACHE_URL=redis://… python -m tests.bench.profile [samples]

(the database must be migrated and `prepare_demo` run; the bench does both). The sandbox's
own functions are left in the listing: they are the stand-in's work, not the app's, and the
entries say so by their module (customers/sandbox/).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import uuid

from tests.bench import db
from tests.bench.harness import create_form, letters
from tests.bench.phases import HTMX, PANEL, PANEL_INTERNAL_ID, PANEL_PHONE


def _form_fields(client) -> tuple[str, str]:
    from tests.bench.harness import form_fields

    return form_fields(client.get("/customers/new/").content.decode())


def _requests(client) -> dict[str, object]:
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


def profile(samples: int = 30, top: int = 12, username: str = "agent") -> list[str]:
    """The top entries by own time (tottime) for each request kind, as Markdown lines."""
    client = db._client_for(username)
    out: list[str] = []
    for label, call in _requests(client).items():
        for _ in range(5):  # warm-up: caches, connections, compiled templates
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(samples):
            call()
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        total_ms = getattr(stats, "total_tt", 0.0) * 1000 / samples
        out.append(f"- {label}: {total_ms:.1f} ms per request under cProfile, n={samples}")
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
