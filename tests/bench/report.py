"""The table, the `name: value (target)` lines, and docs/performance.md."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime

from tests.bench.harness import ROOT, python_version

# name -> (target text, check)
TARGETS = {
    "dup_panel_overhead_ratio": ("≤ 2.0", lambda v: v <= 2.0),
    "dup_panel_fanout_ratio": ("≤ 1.3", lambda v: v <= 1.3),
    "create_overhead_p95_ms": ("≤ 50", lambda v: v <= 50),
    "audit_changelist_p95_ms": ("≤ 300", lambda v: v <= 300),
    "audit_search_p95_ms": ("≤ 50", lambda v: v <= 50),
    "load_errors": ("= 0", lambda v: v == 0),
    "load_rps": ("no target", None),
    "load_p95_ms": ("no target", None),
    "load_audit_rows_match": ("= true", lambda v: v is True),
    "page_weight_kb": ("≤ 60", lambda v: v <= 60),
    "page_external_requests": ("= 0", lambda v: v == 0),
}


def _show(value: object) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 100:
        return str(int(value))
    return str(value)


def verdict(name: str, value: object) -> str:
    _, check = TARGETS[name]
    if value is None:
        return "NOT MEASURED"
    if check is None:
        return "-"
    return "ok" if check(value) else "MISSED"


def lines(values: dict[str, object]) -> list[str]:
    return [
        f"{name}: {_show(values.get(name))} ({target})" for name, (target, _) in TARGETS.items()
    ]


def table(values: dict[str, object], detail: dict[str, str]) -> list[str]:
    rows = [
        "| figure | value | target | result | how it was measured |",
        "|---|---|---|---|---|",
    ]
    for name, (target, _) in TARGETS.items():
        value = values.get(name)
        how = detail.get(name, "").replace("|", "/")
        rows.append(f"| `{name}` | {_show(value)} | {target} | {verdict(name, value)} | {how} |")
    return rows


def _first_line(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as lines:
            return next((line for line in lines if line.startswith(prefix)), "")
    except OSError:
        return ""


def code_version() -> str:
    """The commit measured, and whether the work tree differed (read-only git calls)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # never write the index
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
            env=env,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
            env=env,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"commit {head or '?'}" + (f" + {len(changed)} changed file(s)" if changed else "")


def machine() -> dict[str, str]:
    cpu = _first_line("/proc/cpuinfo", "model name").partition(":")[2].strip() or "?"
    mem_kb = _first_line("/proc/meminfo", "MemTotal").split()[1:2]
    memory = f"{int(mem_kb[0]) / 1024 / 1024:.1f} GiB" if mem_kb else "?"
    try:
        gunicorn = subprocess.run(
            [str(ROOT / ".venv/bin/gunicorn"), "--version"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        gunicorn = "?"
    return {
        "cores": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": python_version(),
        "gunicorn": gunicorn,
    }


METHOD = """\
`make bench` → `tests/bench/run.sh`: starts a throwaway PostgreSQL and Redis on loopback
(`.ci/services.sh`), then `python -m tests.bench`, which migrates, runs `collectstatic` and
`prepare_demo` (sandbox mode: no RevCent API key), and starts gunicorn
(`--worker-class gthread --workers {workers} --threads {threads}`) on 127.0.0.1 with
`DJANGO_SETTINGS_MODULE=tests.bench.settings`, once per sandbox latency. Every server uses
PostgreSQL and the Redis cache. The app runs as in production: `DEBUG=false`, a 64-character
`SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1`, WhiteNoise with the hashed static manifest. Bench-only
settings: `SECURE_SSL_REDIRECT=false` (plain HTTP on loopback), session and CSRF cookies
without `Secure` and so without the `__Host-` prefix (Python's cookie jar never sends a
Secure cookie over http; no server-side work changes), `DUPLICATE_SEARCHES_PER_MINUTE=1000000`
(the panel's per-agent limit would otherwise stop the samples), and the URL of the bare view.
Clients are httpx (sync), signed in with a real POST to `/accounts/login/` (CSRF token from
the `csrftoken` cookie; staff users also pass the second factor with a TOTP code).

Order of the run: the load test first, so that the latency figures after it see a working
day's data (thousands of recent creates, which every duplicate check also consults); then
the latency figures; then the page weight; then the 1,000,000 audit rows.

1. **dup_panel_overhead_ratio** (sandbox latency 0): `POST /customers/new/duplicates/` with
   `HX-Request: true` and the whole create form as htmx sends it (`hx-include`): a new e-mail
   every request (a fresh SearchCustomers), and the same phone, internal ID and name (served by
   the shared 60 s cache, as while an agent types). The bare view is
   `/bench/bare/<size>/` in `tests/bench/urls.py`: it **requires login** and is sent the same
   POST body, CSRF header and session, so middleware work (session read and save,
   CSRF, authentication, second-factor check) is identical and the ratio isolates the panel
   view; it answers `"x" * size` where size is the panel's response size. {panel_n} of each,
   interleaved (alternating which goes first) after 20 warm-ups; ratio of medians.
2. **dup_panel_fanout_ratio** (sandbox latency 300 ms): a panel refresh with three fresh
   identifiers (e-mail, phone, internal ID), median of {fanout_n}, divided by 300 ms.
3. **create_overhead_p95_ms** (sandbox latency 300 ms): {create_n} creates, each with a unique
   e-mail and name, submission key and campaign from a `GET /customers/new/`; time of
   `POST /customers/new/` (gate searches, CreateCustomer, 302) + `GET` of the customer page
   (GetCustomer), minus 3 × 300 ms (the concurrent gate searches count once); p95.
4. **audit_changelist_p95_ms / audit_search_p95_ms**: 1,000,000 rows added to
   `customers_auditentry` by one `INSERT … SELECT generate_series` (created_at spread over 90
   days, 85 % API calls with a random 20-character `api_call_id` from md5, 15 % agent
   actions, a mix of operations and outcomes, the existing users), then `ANALYZE`; as the
   auditor, `/admin/customers/auditentry/` and `?q=<API_CALL_ID>` (an id that exists, typed
   in capitals, a different one each time), {audit_n} each after 3 warm-ups; p95. The SQL of
   each page is then captured in-process (Django test client, same database) and the slowest
   query is run through `EXPLAIN ANALYZE`.
5. **load_***: {agents} agent sessions (separate users, each signed in once before the clock
   starts), each looping `GET /customers/new/` → `POST` create (unique e-mail and name, nothing
   ticked) → `GET` the customer page, for {load_s} s (at most {max_wf} workflows per agent;
   30 s client timeout), against one gunicorn with the sandbox at a random 100–300 ms per call
   (`BENCH_SANDBOX_LATENCY_RANGE_MS`: the app has only a fixed latency setting, so the bench
   settings give `REVCENT_SANDBOX_LATENCY_MS` a value that draws a new latency each time the
   sandbox divides it). An error is an exception, an HTTP status other than 2xx/3xx, or a create
   POST that does not redirect to the customer page (the duplicate gate, a failed create).
   `load_rps` counts every HTTP request; `load_p95_ms` is the p95 of every request. After the
   server has stopped (in-flight requests finished): `load_audit_rows_match` is true when
   the set of `api_call_id`s of the run's API-call audit rows equals the set of calls the
   sandbox recorded (`SandboxApiCall`) and the row count equals the call count.
6. **page_weight_kb / page_external_requests**: Debian's Chromium (Playwright, headless),
   signed in as the agent, a fresh context (empty cache), loads `/customers/new/` until the
   network is idle (the duplicate panel's first load included); the sum of gzip (level 6)
   sizes of every response body. Every request is routed through a check: anything not to
   127.0.0.1 is aborted (nothing leaves the machine) and counted.

**Diagnosis** (the *Findings* above): one more gunicorn, sandbox latency 0, started with
`BENCH_TIMING=1`, which makes `tests/bench/settings.py` add `tests/bench/timing.py`'s
middleware: it wraps a few app functions with timers and answers a `Server-Timing` header
(median ms of 20–40 sequential requests are shown). The measured servers never load it. The
audit pages' SQL is captured in-process (Django test client against the same database) and
the slowest query goes through `EXPLAIN (ANALYZE, BUFFERS)`.

Time: every wait has a deadline; the run keeps a 540 s budget (a step that no longer fits
is skipped and reported), `run.sh` wraps it in `timeout`, and every server it started is
stopped on exit. Machine CPU busy % is shown per step: a sequential step should keep about
one core busy (~50 %); much more means other work on the machine during that step.
"""


def write_markdown(
    *,
    values: dict[str, object],
    detail: dict[str, str],
    notes: list[str],
    versions: dict[str, str],
    run_seconds: float,
    code: str,
    method: dict[str, object],
    findings: list[str],
) -> str:
    info = machine()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    missed = [name for name in TARGETS if verdict(name, values.get(name)) in {"MISSED"}]
    parts = [
        "# Performance",
        "",
        "Written by `make bench` (tests/bench/); run it again to refresh this page. Not part of "
        "`make test`.",
        "",
        f"- Date: {now}",
        f"- Machine: {info['cores']} cores, {info['memory']} memory, {info['cpu']}, {info['os']}",
        f"- Python {info['python']}, Django {versions.get('django')}, "
        f"PostgreSQL {versions.get('postgres')}, Redis {versions.get('redis')}, "
        f"{info['gunicorn']}",
        f"- Code measured: {code}",
        f"- Whole run: {run_seconds:.0f} s (bounded: 10 minutes)",
        "",
        "## Results",
        "",
        *table(values, detail),
        "",
        "```",
        *lines(values),
        "```",
        "",
        f"Targets missed: {', '.join(missed) if missed else 'none'}.",
        "",
    ]
    if findings or notes:
        parts += ["## Findings", ""]
        parts += [f"- {note}" for note in notes]
        parts += findings
        parts += [""]
    parts += ["## Method", "", METHOD.format(**method)]
    text = "\n".join(parts).rstrip() + "\n"
    (ROOT / "docs" / "performance.md").write_text(text, encoding="utf-8")
    return text
