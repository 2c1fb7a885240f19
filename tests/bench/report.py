"""The table, the `name: value (target)` lines, and docs/performance.md."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime

from tests.bench.harness import ROOT, python_version

# name -> (target text, check)
TARGETS = {
    "workflow_cpu_in_bare_views": ("≤ 9", lambda v: v <= 9),
    "new_form_in_bare_views": ("≤ 3", lambda v: v <= 3),
    "dup_panel_overhead_ratio": ("≤ 2.0", lambda v: v <= 2.0),
    "dup_panel_fanout_ratio": ("≤ 1.3", lambda v: v <= 1.3),
    "create_overhead_p95_in_bare_views": ("≤ 10", lambda v: v <= 10),
    "create_overhead_p95_ms": ("reported", None),
    "audit_changelist_p95_ms": ("≤ 300", lambda v: v <= 300),
    "audit_search_p95_ms": ("≤ 50", lambda v: v <= 50),
    "overview_30d_in_bare_views": ("≤ 40", lambda v: v <= 40),
    "load_errors": ("= 0", lambda v: v == 0),
    "load_rps": ("no target", None),
    "load_audit_rows_match": ("= true", lambda v: v is True),
    "capacity_agents": ("≥ 300", lambda v: v >= 300),
    "chain_completions_per_s": ("reported", None),
    "two_servers_audit_match": ("= true", lambda v: v is True),
    "two_servers_rate_limit_shared": ("= true", lambda v: v is True),
    "page_weight_kb": ("≤ 60", lambda v: v <= 60),
    "page_external_requests": ("= 0", lambda v: v == 0),
    "card_scan_growth_16k_to_64k": ("≤ 5", lambda v: v <= 5),
    "anon_64kb_body_in_bare_views": ("≤ 10", lambda v: v <= 10),
    "assistant_search_in_bare_views": ("≤ 3", lambda v: v <= 3),
}

# Before this work (issue #17): the figures of commit e6e91cd's run (the page's earlier
# edition), and for the new ratios the issue's own estimates from that run.
BEFORE = {
    "workflow_cpu_in_bare_views": "≈ 27 (105 ms / 3.9 ms)",
    "new_form_in_bare_views": "≈ 12 (49.3 ms / 3.9 ms)",
    "dup_panel_overhead_ratio": "3.04–3.19",
    "dup_panel_fanout_ratio": "1.08",
    "create_overhead_p95_in_bare_views": "≈ 24",
    "create_overhead_p95_ms": "93.5–204 (target was ≤ 50)",
    "audit_changelist_p95_ms": "48.6",
    "audit_search_p95_ms": "25.7",
    "overview_30d_in_bare_views": "no overview before issue 27",
    "load_errors": "0",
    "load_rps": "48.9",
    "load_audit_rows_match": "true",
    # Issue 26 replaced load_p95_ms (2045 before #17, 1419 at 4444335, target ≤ 800).
    "capacity_agents": "not measured (was load_p95_ms: 50 agents with no pause, 2045 ms)",
    "chain_completions_per_s": "not measured",
    "two_servers_audit_match": "not measured",
    "two_servers_rate_limit_shared": "not measured",
    "page_weight_kb": "24.8",
    "page_external_requests": "0",
    # Issue 23, not #17: the scanner before it, and its attack run's 15 s for one request.
    "card_scan_growth_16k_to_64k": "≈ 13 (dates between digits: 0.30 → 3.9 s)",
    "anon_64kb_body_in_bare_views": "≈ 3000 (15 s of a worker, issue 23)",
    "assistant_search_in_bare_views": "no assistant channel before issue 25",
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
        "| figure | value | target | result | before #17 | how it was measured |",
        "|---|---|---|---|---|---|",
    ]
    for name, (target, _) in TARGETS.items():
        value = values.get(name)
        how = detail.get(name, "").replace("|", "/")
        before = BEFORE.get(name, "")
        rows.append(
            f"| `{name}` | {_show(value)} | {target} | {verdict(name, value)} | {before} | {how} |"
        )
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
`DJANGO_SETTINGS_MODULE=tests.bench.settings`, once per RevCent latency. Every server uses
PostgreSQL and the Redis cache.

**RevCent is an out-of-process stand-in** (`tests/bench/standin.py`): the sandbox served over
HTTP by a process of its own, one per latency. The measured servers have a `REVCENT_API_KEY`
and a `REVCENT_BASE_URL` pointing at it, so they run the production client (httpx, its
connection pool, real HTTP) and none of the sandbox's simulation; with a key and `DEBUG`
off they also need `AUDIT_CHAIN_KEY`, which the bench generates per run. The stand-in answers
each call exactly L ms after it arrived (its own work inside L, as RevCent's is inside its
latency), so subtracting N × L leaves only the app's time; at L = 0 it counts the time it
spent serving, and the panel figure subtracts that per sample (read from the stand-in's
`/__bench/handled` before and after each refresh). Only the diagnosis server and the audit
pages' server keep the in-process sandbox. The stand-in keeps its customers and call log in a
PostgreSQL server of its own (started by `run.sh`; `tests/bench/router.py` sends the sandbox's
models there in every process), as RevCent has its own database: its searches over the
day's customers are RevCent's work and stay out of the app's PostgreSQL CPU.

`BENCH_STEPS="load test"` (steps whose names contain one of the comma-separated parts) and
`BENCH_LOAD_SECONDS` make a quick partial run for a developer; it never writes this page.
`BENCH_STEPS=capacity` runs the capacity step alone (`BENCH_CAPACITY_SECONDS`: the time its
levels may take, 180 by default; `BENCH_CAPACITY_WINDOW_SECONDS`: each level's measured
window, 15).

Every `*_in_bare_views` figure is a ratio to the bare view `/bench/bare/160/` (session +
login, 160 B), measured in the same run on the same server, so a faster or slower machine
moves both sides alike. The app runs as in production: `DEBUG=false`, a 64-character
`SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1`, WhiteNoise with the hashed static manifest. Bench-only
settings: `SECURE_SSL_REDIRECT=false` (plain HTTP on loopback), session and CSRF cookies
without `Secure` and so without the `__Host-` prefix (Python's cookie jar never sends a
Secure cookie over http; no server-side work changes), `DUPLICATE_SEARCHES_PER_MINUTE=1000000`
(the panel's per-agent limit would otherwise stop the samples), and the URL of the bare view.
Clients are httpx (sync), signed in with a real POST to `/accounts/login/` (CSRF token from
the `csrftoken` cookie; staff users also pass the second factor with a TOTP code).

Order of the run: the load test first, so that the latency figures after it see a working
day's data (thousands of recent creates, which every duplicate check also consults); then
the two-server run and `verify_audit_log`; then the capacity levels; then the chain's
ceiling; then the latency figures; then the page weight; then the 1,000,000 audit rows
(last, because they are synthetic and unchained: see 4).

1. **dup_panel_overhead_ratio** (sandbox latency 0): `POST /customers/new/duplicates/` with
   `HX-Request: true` and the whole create form as htmx sends it (`hx-include`): a new e-mail
   every request (a fresh SearchCustomers), and the same phone, internal ID and name (served by
   the shared 60 s cache, as while an agent types). The bare view is
   `/bench/bare/<size>/` in `tests/bench/urls.py`: it **requires login** and is sent the same
   POST body, CSRF header and session, so middleware work (session read and save,
   CSRF, authentication, second-factor check) is identical and the ratio isolates the panel
   view; it answers `"x" * size` where size is the panel's response size. {panel_n} of each,
   interleaved (alternating which goes first) after 20 warm-ups; ratio of medians, each panel
   time minus the stand-in's own serving time for that refresh.
   **new_form_in_bare_views** (same server): `GET /customers/new/` against `GET
   /bench/bare/160/`, {new_form_n} of each interleaved after 10 warm-ups; ratio of medians.
2. **dup_panel_fanout_ratio** (sandbox latency 300 ms): a panel refresh with three fresh
   identifiers (e-mail, phone, internal ID), median of {fanout_n}, divided by 300 ms.
3. **create_overhead_p95_ms** (sandbox latency 300 ms): {create_n} creates, each with a unique
   e-mail and name, submission key and campaign from a `GET /customers/new/`; time of
   `POST /customers/new/` (gate searches, CreateCustomer, 302) + `GET` of the customer page
   (GetCustomer), minus 300 ms for each upstream wait the create sat through, as the stand-in
   counts them (a call arriving while none is in flight starts a wait, so the concurrent gate
   searches count once): today 4 (gate searches, CreateCustomer, CreateNote, GetCustomer);
   p95, reported.
   **create_overhead_p95_in_bare_views**: that p95 over the median of a bare-view GET sent
   before each create (same session, same server).
4. **audit_changelist_p95_ms / audit_search_p95_ms**: 1,000,000 rows added to
   `customers_auditentry` by one `INSERT … SELECT generate_series` (created_at spread over 90
   days, 85 % API calls with a random 20-character `api_call_id` from md5, 15 % agent actions,
   a mix of operations and outcomes, the existing users), then `VACUUM (ANALYZE)` (the rows
   stand for months of trail, which autovacuum would have visited long ago); as the auditor,
   `/admin/customers/auditentry/` and `?q=<API_CALL_ID>` (an id that exists, typed in
   capitals, a different one each time), {audit_n} each after 3 warm-ups, interleaved with the
   bare view (the machine's pace during the run, in the details); p95. The SQL of each page is
   then captured in-process (Django test client, same database) and the slowest query is run
   through `EXPLAIN ANALYZE`. These rows are inserted as they are by the tables' owner
   (allowed by the guard, like a restored backup): completed but not linked into the chain, so
   `verify_audit_log` would report each as "completed but not in the chain". The bench
   therefore verifies the chain *before* seeding them (after the load and two-server runs,
   over every row written so far) and never after; signing a million synthetic rows would only
   measure the seeding.
   **overview_30d_in_bare_views**: on the same rows, as the auditor, `GET
   /team/overview/?period=30d` (every figure, chart and table of the team overview for the
   last 30 days, about a third of the rows) against the bare view on the same server and
   session, interleaved, up to 10 of each within 25 s after a warm-up (which puts the
   settled days' figures in the cache, as any first reader of the day does); median over
   median.
5. **load_***: {agents} agent sessions (separate users, each signed in once before the clock
   starts), each looping `GET /customers/new/` → `POST` create (unique e-mail and name, nothing
   ticked) → `GET` the customer page, for {load_s} s (at most {max_wf} workflows per agent;
   30 s client timeout), against one gunicorn with the sandbox at a random 100–300 ms per call
   (`BENCH_SANDBOX_LATENCY_RANGE_MS`: the app has only a fixed latency setting, so the bench
   settings give `REVCENT_SANDBOX_LATENCY_MS` a value that draws a new latency each time the
   sandbox divides it). An error is an exception, an HTTP status other than 2xx/3xx, or a create
   POST that does not redirect to the customer page (the duplicate gate, a failed create).
   `load_rps` counts every HTTP request. Agents with no pause saturate the machine, so their
   response times are mostly queueing (shown in the detail, no target): how many agents the
   app carries is `capacity_agents` (11), with agents that pace like people. After the
   server has stopped (in-flight requests finished): `load_audit_rows_match` is true when
   the set of `api_call_id`s of the run's API-call audit rows equals the set of calls the
   sandbox recorded (`SandboxApiCall`) and the row count equals the call count.
   **workflow_cpu_in_bare_views**: the CPU time (utime + stime from /proc, live and reaped
   children included) of the serving processes (the gunicorn master and workers, this run's
   PostgreSQL and Redis; not the stand-in, not the load client) over the load run, per
   complete workflow, divided by the same processes' CPU per bare-view request (the mean of
   two rounds of 400 `GET /bench/bare/160/` from 8 of the signed-in agents, one just before
   the load and one right after it: after it, PostgreSQL's autovacuum of the day's rows can
   land in the window). PostgreSQL's share is the app's own queries only: the stand-in's
   are in its own PostgreSQL server (until #17's second round they were counted against
   the app).
7. **two_servers_audit_match / two_servers_rate_limit_shared**: two separate gunicorn servers
   (each as above) on the same PostgreSQL and Redis and the same stand-in (100–300 ms); the
   {agents} agents split between them, each half looping the same workflow for {two_s} s.
   Then one agent refreshes the duplicate panel {rate_limit} × 2 times within one clock minute,
   alternating servers, with `DUPLICATE_SEARCHES_PER_MINUTE={rate_limit}` on both: the limit
   is shared when exactly the first {rate_limit} are searched and every later one gets the
   notice. After both servers stopped: every call the stand-in recorded has exactly one
   audit row and no row lacks its call (as `load_audit_rows_match`), no workflow failed, and
   `manage.py verify_audit_log` passes over the whole trail.
8. **chain_completions_per_s**: {chain_writers} threads in the bench's own process open and
   complete audit rows with the app's writer (`api_call_started`, `api_call_completed`: the
   same chained, guarded transaction every API call ends with) for {chain_s} s on the bench's
   PostgreSQL. The chain head is one row locked per completion, a ceiling for the whole
   installation however many app servers it has; the detail says how many agents that
   carries at 15 completions per agent-minute (a customer a minute: two gate searches,
   CreateCustomer, CreateNote, GetCustomer, plus about ten panel searches while typing).
6. **page_weight_kb / page_external_requests**: Debian's Chromium (Playwright, headless),
   signed in as the agent, a fresh context (empty cache), loads `/customers/new/` until the
   network is idle (the duplicate panel's first load included); the sum of gzip (level 6)
   sizes of every response body. Every request is routed through a check: anything not to
   127.0.0.1 is aborted (nothing leaves the machine) and counted.

9. **card_scan_growth_16k_to_64k / anon_64kb_body_in_bare_views** (issue 23): the card
   scan (`customers/cardguard/scan.py`'s `card_spans`) in the bench's own process on 16 KB and
   64 KB of each adversarial shape in `tests/cardguard/corpus/adversarial.py` (many digit
   groups, near-cards, long separators, glued digits, set-aside dates, IBANs, phones,
   tracking numbers, look-alikes, encodings…), best of 5 of each size, interleaved; the
   figure is the sum over the shapes at 64 KB over the sum at 16 KB (linear is 4; each
   shape's own ratio, noisier, is in the detail). Then, on the latency-0 server, a
   signed-out `POST /healthz` with 64 KB of the shape slowest to scan as a `text/plain`
   body (what the middleware looks at before sign-in or CSRF), 15 interleaved with the
   signed-in bare GET; ratio of medians.
10. **assistant_search_in_bare_views** (issue 25): on the latency-0 server, a token made on
   the agent's tokens page, then 30 `search_customers` calls on `/assistant/mcp` (MCP
   2026-07-28, stateless, JSON answers) interleaved with the signed-in bare GET; ratio of
   medians. Everything an assistant's call costs is in it: the token check, the argument
   guard, the SDK's exchange, the action's rules, the (cached) search and the audit row.

11. **capacity_agents** (issue 26; `tests/bench/capacity.py`): how many agents, each doing
   one customer a minute, one gunicorn (as above) serves with its own time per request
   within p95 250 ms. One customer is the 12 requests the page sends: `GET /customers/new/`,
   the duplicate panel's refresh on load, one refresh per field the panel searches on as
   typing pauses (first name, last name, half the e-mail, the e-mail, phone, city, ZIP, the
   country select: htmx's `input changed delay:400ms` and `change`), `POST` create, `GET` the
   customer page; unique e-mail, phone and name, so no customer is a duplicate. A level of N
   agents starts customers as a Poisson process at N/60 a second (open loop: a slow app does
   not slow the arrivals), each on an agent not busy with another one, in turn; the pauses
   inside a customer are 0.45–0.75 s (never under htmx's 400 ms delay) instead of a
   person's seconds, so a customer takes ~8 s instead of a minute. The request rate and
   mix are those of N people (N/5 requests a second); fewer forms are open at once, which
   the app does not notice. Each level: {cap_ramp} s of ramp, then {cap_window} s measured
   (the requests that start in it), then the customers in progress stop at their next step.
   Levels go from {cap_start} agents up by {cap_step} until one does not pass, then halve
   the last gap once (to {cap_half}). RevCent is the stand-in at 100–300 ms per call. The
   app's time of a request is its time at the client minus the time the stand-in held the
   request's calls (their union: calls sent together count once): the stand-in logs every
   call (api_call_id, arrival, departure), and the audit trail ties each api_call_id to the
   `request_id` of the page request that made it (the app's `X-Request-ID`); a call with no
   audit row fails the level. A level passes with that app time's p95 ≤ 250 ms and no error
   (an exception, a status other than expected, a create that does not land on the customer
   page, a panel that says RevCent did not answer); `capacity_agents` is the highest level
   that passed below the lowest that did not. Agents are made in bulk; the first signs in
   through the login form and the others get a copy of its session with the user swapped
   (what each sign-in would leave, without a password hash each). The load client is one
   asyncio event loop in the bench's own process with a minimal HTTP/1.1 client on
   keep-alive connections (`Http1`: about 0.05 ms of CPU a request, where httpx's
   `AsyncClient` took about 3 ms); each request carries its agent's cookies. The detail
   gives, per level, the CPU in cores over the measured window of the app's serving
   processes (gunicorn, PostgreSQL, Redis), of the stand-in and its PostgreSQL, and of the
   load client (the bench process), from /proc.

**Diagnosis** (the *Findings* above): one more gunicorn, sandbox latency 0, started with
`BENCH_TIMING=1`, which makes `tests/bench/settings.py` add `tests/bench/timing.py`'s
middleware: it wraps a few app functions with timers and answers a `Server-Timing` header
(median ms of 20–40 sequential requests are shown). The measured servers never load it. The
audit pages' SQL is captured in-process (Django test client against the same database) and
the slowest query goes through `EXPLAIN (ANALYZE, BUFFERS)`. **Profile**: cProfile timed by
the process's CPU time (until #17's second round: the wall clock, so waits for the database
showed as the top entries) in the bench's own process, through Django's test client and the
whole middleware stack, same database and cache, RevCent the latency-0 stand-in over HTTP
(`tests/bench/profile.py`; `python -m tests.bench.profile` runs it by hand, with the sandbox
in-process).

Time: every wait has a deadline; the run keeps a 780 s budget (a step that no longer fits
is skipped and reported), `run.sh` wraps it in `timeout`, and every server it started is
stopped on exit. Machine CPU busy % is shown per step: a sequential step should keep about
one core busy (~50 %); much more means other work on the machine during that step.
"""


def sizing(values: dict[str, object], detail: dict[str, str]) -> list[str]:
    """What capacity_agents means for a team: the section after the results."""
    agents = values.get("capacity_agents")
    if not isinstance(agents, int):
        return []
    planned = agents * 2 // 3
    return [
        "## What capacity_agents means for sizing",
        "",
        f"One app server of this machine's size (2 cores; gunicorn 2 workers × 16 threads, "
        f"PostgreSQL and Redis on the same machine) answered {agents} agents, each creating a "
        "customer a minute (typing it in with the duplicate panel refreshing, Create, the "
        "customer page), with the app's own time per request within p95 250 ms: RevCent's "
        "time is not in it (what RevCent takes, the agents wait for whatever the server).",
        "",
        f"- At that level: {detail.get('_capacity_level', '')}.",
        "- The RevCent stand-in and the load client ran on the same two cores and took the "
        "CPU shown beside the app's; in production they are elsewhere (RevCent's servers, the "
        "agents' browsers), so the figure is on the safe side by about their share.",
        "- A customer a minute is a busy agent's pace (a queue of calls), held by every agent "
        "at once; a team averages less. Size for that busy minute, and keep a third of the "
        f"server free for the rest of the day's work (lookups, customer pages, the audit trail, "
        f"the admin) and because p95 climbs steeply near the limit: plan at most {planned} "
        f"agents on one such server (two thirds of {agents}). A pilot of 3–5 agents or a team "
        "of 20 uses a small part of it.",
        "- More agents: a second app server on the same PostgreSQL and Redis "
        "(`two_servers_*` show the trail and the rate limit stay whole), up to the audit "
        "chain's ceiling for the whole installation (`chain_completions_per_s`).",
        "- Measured on a shared or busy machine the figure is lower (the Findings say when "
        "the machine was busy before the run).",
        "",
    ]


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
        f"- Whole run: {run_seconds:.0f} s (bounded: 14 minutes)",
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
    parts += sizing(values, detail)
    if findings or notes:
        parts += ["## Findings", ""]
        parts += [f"- {note}" for note in notes]
        parts += findings
        parts += [""]
    before = ROOT / "tests" / "bench" / "profile_before.md"
    if before.is_file():
        parts += [
            "## Profile before #17",
            "",
            "The same CPU-timed profile (`tests/bench/profile.py`, RevCent the latency-0 "
            "stand-in) run against the code of commit 2245f24, before this page's changes; "
            "compare with *Profile* under Findings above. In one session, the same script gave "
            "188.9 → 47.4 ms (GET form), 128.0 → 75.4 ms (panel refresh) and 596.6 → 268.4 ms "
            "(create workflow) of CPU per request under cProfile, before → after #17; the "
            "timer's own cost inflates every figure alike, about 4×.",
            "",
            *before.read_text(encoding="utf-8").splitlines()[1:],
            "",
        ]
    parts += ["## Method", "", METHOD.format(**method)]
    text = "\n".join(parts).rstrip() + "\n"
    (ROOT / "docs" / "performance.md").write_text(text, encoding="utf-8")
    return text
