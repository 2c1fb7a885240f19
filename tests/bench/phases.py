"""The measurements of issue #8, one function per figure (or group of figures)."""

from __future__ import annotations

import gzip
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.bench.harness import (
    HOST,
    Agent,
    BenchError,
    CpuMeter,
    Server,
    create_form,
    form_fields,
    letters,
    log,
    median,
    percentile,
    tree_cpu_seconds,
    unique,
)

PANEL = "/customers/new/duplicates/"
HTMX = {"HX-Request": "true", "HX-Current-URL": "/customers/new/"}
# Constant identifiers of the panel-overhead form (the e-mail changes every request).
PANEL_PHONE = "+1 212 555 0188"
PANEL_INTERNAL_ID = "BENCH-REF-1"


@dataclass
class Figures:
    """Every figure measured, with the detail shown in the table."""

    values: dict[str, object] = field(default_factory=dict)
    detail: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _interleaved(
    first: Callable[[], float], second: Callable[[], float], samples: int
) -> tuple[list[float], list[float]]:
    """samples of each, alternating which goes first, so drift hits both alike."""
    firsts: list[float] = []
    seconds: list[float] = []
    for index in range(samples):
        if index % 2:
            seconds.append(second())
            firsts.append(first())
        else:
            firsts.append(first())
            seconds.append(second())
    return firsts, seconds


def _timed[T](call: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def _ms(call: Callable[[], object]) -> float:
    return _timed(call)[0]


def _new_form(agent: Agent) -> tuple[str, str]:
    response = agent.get("/customers/new/")
    if response.status_code != 200:
        raise BenchError(f"GET /customers/new/ answered {response.status_code}")
    return form_fields(response.text)


def _check_panel(response) -> None:
    """A real search result: not the rate-limit notice, not a failed search."""
    text = response.text
    if response.status_code != 200 or "searching faster" in text or "did not answer" in text:
        raise BenchError(f"panel answered {response.status_code}: {text[:300]}")
    if "summary" not in text:
        raise BenchError(f"panel shows no search result: {text[:300]}")


# --- 1. Duplicate panel against a bare view ---------------------------------------------------
def panel_overhead(
    agent: Agent, figures: Figures, *, samples: int = 150, warmup: int = 20, standin=None
):
    """standin: the out-of-process RevCent; its own serving time is subtracted per sample."""
    key, campaign = _new_form(agent)
    upstream: list[float] = []

    def panel_body() -> dict[str, str]:
        return create_form(
            key=key,
            campaign=campaign,
            email=f"{unique('panel-')}@example.com",
            phone=PANEL_PHONE,
            internal_id=PANEL_INTERNAL_ID,
            first_name="Bench",
            last_name="Panelist",
        )

    def panel() -> tuple[float, int]:
        before = standin.handled()[1] if standin is not None else 0.0
        ms, response = _timed(lambda: agent.post(PANEL, panel_body(), headers=HTMX))
        _check_panel(response)
        if standin is not None:
            spent = standin.handled()[1] - before
            upstream.append(spent)
            ms -= spent
        return ms, len(response.content)

    sizes = [panel()[1] for _ in range(warmup)]
    size = int(median(sizes))

    def bare() -> float:
        # Same method, body, headers and session as the panel; only the view differs.
        ms, response = _timed(
            lambda: agent.post(f"/bench/bare/{size}/", panel_body(), headers=HTMX)
        )
        if response.status_code != 200 or len(response.content) != size:
            raise BenchError(f"bare view answered {response.status_code}")
        return ms

    for _ in range(warmup):
        bare()
    meter = CpuMeter()
    panel_ms, bare_ms = _interleaved(lambda: panel()[0], bare, samples)
    ratio = median(panel_ms) / median(bare_ms)
    figures.values["dup_panel_overhead_ratio"] = round(ratio, 2)
    figures.detail["dup_panel_overhead_ratio"] = (
        f"panel median {median(panel_ms):.1f} ms (p95 {percentile(panel_ms, 95):.1f}) vs bare "
        f"view {median(bare_ms):.1f} ms (p95 {percentile(bare_ms, 95):.1f}), {size} B each, "
        f"n={samples} interleaved; 1 fresh SearchCustomers (e-mail) + 3 cached terms; "
        + (
            f"the stand-in's own time per refresh (median {median(upstream):.1f} ms) subtracted; "
            if upstream
            else ""
        )
        + f"machine CPU busy {meter.busy_percent():.0f} %"
    )
    figures.values["_panel_ms"] = median(panel_ms)
    figures.values["_bare_ms"] = median(bare_ms)
    log(f"panel overhead: {figures.detail['dup_panel_overhead_ratio']}")


# --- 2. Fan-out at 300 ms per call ------------------------------------------------------------
def panel_fanout(agent: Agent, figures: Figures, *, latency_ms: int, samples: int = 12):
    key, campaign = _new_form(agent)
    meter = CpuMeter()
    times = []
    for index in range(samples + 2):
        body = create_form(
            key=key,
            campaign=campaign,
            email=f"{unique('fan-')}@example.com",
            phone=f"+1 646 555 {1000 + index:04d}",
            internal_id=unique("FAN-"),
        )
        ms, response = _timed(partial(agent.post, PANEL, body, headers=HTMX))
        _check_panel(response)
        if index >= 2:  # the first two warm the worker threads up
            times.append(ms)
    ratio = median(times) / latency_ms
    figures.values["dup_panel_fanout_ratio"] = round(ratio, 2)
    figures.detail["dup_panel_fanout_ratio"] = (
        f"3 fresh searches (e-mail, phone, internal ID) at {latency_ms} ms each: median "
        f"{median(times):.0f} ms, max {max(times):.0f} ms, n={samples}; machine CPU busy "
        f"{meter.busy_percent():.0f} %"
    )
    log(f"fan-out: {figures.detail['dup_panel_fanout_ratio']}")


# --- New customer page against a bare view -----------------------------------------------------
BARE = "/bench/bare/160/"  # session + login, ~160 B: the unit of every "in_bare_views" figure


def _bare_get(agent: Agent) -> float:
    ms, response = _timed(lambda: agent.get(BARE))
    if response.status_code != 200:
        raise BenchError(f"bare view answered {response.status_code}")
    return ms


def new_form_overhead(agent: Agent, figures: Figures, *, samples: int = 100, warmup: int = 10):
    def form() -> float:
        ms, response = _timed(lambda: agent.get("/customers/new/"))
        if response.status_code != 200:
            raise BenchError(f"GET /customers/new/ answered {response.status_code}")
        return ms

    for _ in range(warmup):
        form()
        _bare_get(agent)
    meter = CpuMeter()
    forms, bares = _interleaved(form, lambda: _bare_get(agent), samples)
    ratio = median(forms) / median(bares)
    figures.values["new_form_in_bare_views"] = round(ratio, 2)
    figures.detail["new_form_in_bare_views"] = (
        f"GET /customers/new/ median {median(forms):.1f} ms (p95 {percentile(forms, 95):.1f}) vs "
        f"GET {BARE} median {median(bares):.1f} ms, same session, n={samples} interleaved; "
        f"machine CPU busy {meter.busy_percent():.0f} %"
    )
    figures.values["_bare_get_ms"] = median(bares)
    log(f"new form: {figures.detail['new_form_in_bare_views']}")


# --- 9. The card scan on adversarial text (issue 23) -------------------------------------------
SCAN_SMALL, SCAN_LARGE = 16 * 1024, 64 * 1024


def card_scan_growth(figures: Figures, *, repeats: int = 5) -> str:
    """Scan time of 64 KB of adversarial text over 16 KB, in this process, both sizes in the
    same run: for each shape the best of `repeats` (interleaved), summed over the shapes, so
    one shape's noise on a busy machine does not decide the figure (each shape's own ratio
    is in the detail). Returns the shape slowest to scan at 64 KB, for the request figure."""
    from customers.cardguard.scan import card_spans
    from tests.cardguard.corpus.adversarial import SHAPES

    small_ms: dict[str, float] = {}
    large_ms: dict[str, float] = {}
    for name, make in SHAPES.items():
        small, large = make(SCAN_SMALL), make(SCAN_LARGE)
        smalls, larges = _interleaved(
            partial(_ms, partial(card_spans, small)),
            partial(_ms, partial(card_spans, large)),
            repeats,
        )
        small_ms[name], large_ms[name] = min(smalls), min(larges)
    ratio = sum(large_ms.values()) / sum(small_ms.values())
    each = {name: large_ms[name] / small_ms[name] for name in SHAPES}
    worst = max(each, key=each.__getitem__)
    slowest = max(large_ms, key=large_ms.__getitem__)
    figures.values["card_scan_growth_16k_to_64k"] = round(ratio, 2)
    figures.detail["card_scan_growth_16k_to_64k"] = (
        f"{len(SHAPES)} adversarial shapes (tests/cardguard/corpus/adversarial.py), 64 KB of "
        f"each {sum(large_ms.values()):.0f} ms over 16 KB {sum(small_ms.values()):.0f} ms "
        f"(best of {repeats} per shape and size, interleaved, bench process); linear is 4. "
        f"Per shape: median {median(list(each.values())):.2f}, highest {worst} "
        f"{each[worst]:.2f}; slowest at 64 KB: {slowest} {large_ms[slowest]:.0f} ms"
    )
    log(f"card scan growth: {figures.detail['card_scan_growth_16k_to_64k']}")
    return slowest


def anonymous_body_overhead(
    anonymous: Agent, agent: Agent, figures: Figures, *, shape: str, samples: int = 15
) -> None:
    """A signed-out POST /healthz with a 64 KB text/plain body of the given adversarial shape
    (what the middleware scans before sign-in or CSRF) over the signed-in bare GET, same
    server, interleaved; ratio of medians."""
    from tests.cardguard.corpus.adversarial import SHAPES

    # 64 KB of bytes (a shape in other scripts takes 2-3 bytes a character), cut whole.
    body = SHAPES[shape](SCAN_LARGE).encode()[:SCAN_LARGE].decode(errors="ignore").encode()
    statuses: set[int | str] = set()

    def send() -> int | str:
        try:
            return anonymous.http.post(
                "/healthz", content=body, headers={"Content-Type": "text/plain; charset=utf-8"}
            ).status_code
        except httpx.RemoteProtocolError:
            # The server answers 413 from the headers alone and never reads the body; a
            # worker that closes the connection then may reset it before the client reads
            # the answer. Either way the request cost the server no more than that.
            return "closed unread"

    def post() -> float:
        ms, status = _timed(send)
        statuses.add(status)
        return ms

    post()
    _bare_get(agent)
    posts, bares = _interleaved(post, lambda: _bare_get(agent), samples)
    figures.values["anon_64kb_body_in_bare_views"] = round(median(posts) / median(bares), 1)
    figures.detail["anon_64kb_body_in_bare_views"] = (
        f'signed-out POST /healthz, {len(body) // 1024} KB text/plain of "{shape}" (the '
        f"shape slowest to scan), median {median(posts):.1f} ms (p95 "
        f"{percentile(posts, 95):.1f}), answered {sorted(map(str, statuses))}, vs GET {BARE} "
        f"signed in, median {median(bares):.1f} ms; n={samples} interleaved, same server"
    )
    log(f"anonymous body: {figures.detail['anon_64kb_body_in_bare_views']}")


def assistant_search_overhead(agent: Agent, figures: Figures, *, samples: int = 30) -> None:
    """A search_customers call on the assistant channel (MCP 2026-07-28, stateless, a real
    bearer token made on the tokens page) over the signed-in bare GET, same server,
    interleaved; ratio of medians. The search hits the duplicate cache after the first call,
    as an assistant repeating a lookup does; RevCent's stand-in answers with latency 0."""
    page = agent.post(
        "/assistant/tokens/", {"name": "bench", "scopes": "customers:read", "days": "1"}
    )
    found = re.search(r"sdk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", page.text)
    if found is None:
        raise BenchError(f"no assistant token made: HTTP {page.status_code}")
    headers = {
        "Authorization": f"Bearer {found.group()}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "search_customers",
    }
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "search_customers",
            "arguments": {"query": "jane@example.com"},
            "_meta": meta,
        },
    }
    bearer = httpx.Client(base_url=agent.server.url, timeout=30)  # no session cookie
    answers: list[dict[str, Any]] = []

    def call() -> float:
        ms, response = _timed(lambda: bearer.post("/assistant/mcp", json=body, headers=headers))
        answers.append(response.json())
        return ms

    call()
    _bare_get(agent)
    calls, bares = _interleaved(call, lambda: _bare_get(agent), samples)
    bearer.close()
    failed = [a for a in answers if a.get("error") or a.get("result", {}).get("isError")]
    if failed:
        raise BenchError(f"assistant search failed: {failed[0]}")
    figures.values["assistant_search_in_bare_views"] = round(median(calls) / median(bares), 1)
    figures.detail["assistant_search_in_bare_views"] = (
        f"POST /assistant/mcp tools/call search_customers (bearer token, MCP 2026-07-28), "
        f"median {median(calls):.1f} ms (p95 {percentile(calls, 95):.1f}) vs GET {BARE} signed "
        f"in, median {median(bares):.1f} ms; n={samples} interleaved, same server"
    )
    log(f"assistant search: {figures.detail['assistant_search_in_bare_views']}")


# --- 3. Create workflow overhead --------------------------------------------------------------
# Without a stand-in to count them: the gate's searches (sent together: one wait),
# CreateCustomer, CreateNote (in the POST), then GetCustomer (the customer page).
CREATE_ROUNDS = 4


def create_overhead(
    agent: Agent, figures: Figures, *, latency_ms: int, samples: int = 40, standin=None
):
    """standin: the out-of-process RevCent, which counts the upstream waits of each create
    (calls arriving while none is in flight); its latency is subtracted once per wait."""
    overheads, posts, gets, bares, counted = [], [], [], [], []
    for _ in range(5):
        _bare_get(agent)
    meter = CpuMeter()
    for _ in range(samples):
        bares.append(_bare_get(agent))
        key, campaign = _new_form(agent)
        body = create_form(
            key=key,
            campaign=campaign,
            email=f"{unique('create-')}@example.com",
            first_name="Bench",
            last_name=letters(),
        )
        before = standin.rounds() if standin is not None else 0
        post_ms, response = _timed(partial(agent.post, "/customers/new/", body))
        location = response.headers.get("location", "")
        if response.status_code != 302 or not location.startswith("/customers/"):
            raise BenchError(f"create answered {response.status_code} (location {location!r})")
        get_ms, page = _timed(partial(agent.get, location))
        if page.status_code != 200:
            raise BenchError(f"customer page answered {page.status_code}")
        rounds = standin.rounds() - before if standin is not None else CREATE_ROUNDS
        counted.append(rounds)
        posts.append(post_ms)
        gets.append(get_ms)
        overheads.append(post_ms + get_ms - rounds * latency_ms)
    p95 = percentile(overheads, 95)
    figures.values["create_overhead_p95_ms"] = round(p95, 1)
    figures.values["create_overhead_p95_in_bare_views"] = round(p95 / median(bares), 1)
    figures.detail["create_overhead_p95_ms"] = (
        f"POST create + GET customer page minus (upstream waits)×{latency_ms} ms, the waits "
        f"{_rounds_text(counted, standin is not None)} (the stand-in answers "
        f"each call exactly {latency_ms} ms after it arrives): median "
        f"{median(overheads):.1f} ms, max {max(overheads):.1f} ms (POST median "
        f"{median(posts):.0f} ms, GET median {median(gets):.0f} ms), n={samples}; machine "
        f"CPU busy {meter.busy_percent():.0f} %"
    )
    figures.detail["create_overhead_p95_in_bare_views"] = (
        f"create_overhead_p95_ms {p95:.1f} ms over the bare view's median {median(bares):.1f} "
        f"ms (GET {BARE}, same session, one before each create, n={samples})"
    )
    log(f"create overhead: {figures.detail['create_overhead_p95_ms']}")


def _rounds_text(counted: list[int], by_standin: bool) -> str:
    if not by_standin:
        return f"taken as {CREATE_ROUNDS} (gate searches, CreateCustomer, CreateNote, GetCustomer)"
    spread = sorted(set(counted))
    per = (
        str(spread[0])
        if len(spread) == 1
        else f"{spread[0]}–{spread[-1]} (median {median(counted):g})"
    )
    return f"counted by the stand-in: {per} per create"


# --- 5. Load: 50 agents with no pause (the CPU per workflow) ----------------------------------
@dataclass
class LoadStats:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"form": [], "create": [], "page": []}
    )
    errors: list[str] = field(default_factory=list)
    workflows: int = 0
    server_cpu_s: float = 0.0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, ms: float) -> None:
        with self.lock:
            self.latencies[step].append(ms)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def _load_agent(agent: Agent, stats: LoadStats, stop_at: float, max_workflows: int) -> None:
    done = 0
    while time.monotonic() < stop_at and done < max_workflows:
        try:
            ms, response = _timed(lambda: agent.get("/customers/new/"))
            stats.record("form", ms)
            if response.status_code != 200:
                stats.error(f"form HTTP {response.status_code}")
                continue
            key, campaign = form_fields(response.text)
            body = create_form(
                key=key,
                campaign=campaign,
                email=f"{unique('load-')}@example.com",
                first_name="Load",
                last_name=letters(),
            )
            ms, response = _timed(partial(agent.post, "/customers/new/", body))
            stats.record("create", ms)
            location = response.headers.get("location", "")
            if response.status_code != 302 or not location.startswith("/customers/"):
                gate = "duplicate gate" if "duplicate-gate" in response.text else "no redirect"
                stats.error(f"create HTTP {response.status_code} ({gate})")
                continue
            ms, response = _timed(partial(agent.get, location))
            stats.record("page", ms)
            if response.status_code != 200:
                stats.error(f"customer page HTTP {response.status_code}")
                continue
            done += 1
            with stats.lock:
                stats.workflows += 1
        except Exception as exc:  # an error of the run, counted and reported
            stats.error(f"{type(exc).__name__}: {exc}"[:200])


def load(
    agents: list[Agent],
    figures: Figures,
    *,
    seconds: float,
    max_workflows: int = 400,
    cpu_roots: list[int] | None = None,
    prefix: str = "load",
    standin_roots: list[int] | None = None,
) -> LoadStats:
    """cpu_roots: the serving processes whose CPU is counted per workflow. standin_roots:
    the RevCent stand-in's process and its database's, whose CPU is shown beside it."""
    stats = LoadStats()
    server_before = tree_cpu_seconds(cpu_roots or [])
    upstream_before = tree_cpu_seconds(standin_roots or [])
    meter, client_before = CpuMeter(), time.process_time()
    start = time.monotonic()
    stop_at = start + seconds
    threads = [
        threading.Thread(
            target=_load_agent, args=(agent, stats, stop_at, max_workflows), daemon=True
        )
        for agent in agents
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Requests time out after 30 s, so every agent ends by stop_at + 30 s at the latest.
        thread.join(timeout=seconds + 90)
    elapsed = time.monotonic() - start
    busy = meter.busy_percent()
    client_cpu = time.process_time() - client_before
    stats.server_cpu_s = tree_cpu_seconds(cpu_roots or []) - server_before
    upstream_cpu = tree_cpu_seconds(standin_roots or []) - upstream_before
    stats.elapsed = elapsed
    if prefix != "load":
        log(f"{prefix}: {stats.workflows} workflows, {len(stats.errors)} errors")
        return stats
    if any(thread.is_alive() for thread in threads):
        stats.error("an agent did not stop in time")
    every = [ms for values in stats.latencies.values() for ms in values]
    figures.values["load_errors"] = len(stats.errors)
    figures.values["load_rps"] = round(len(every) / elapsed, 1)
    steps = ", ".join(
        f"{step} p50 {median(values):.0f}/p95 {percentile(values, 95):.0f} ms"
        for step, values in stats.latencies.items()
        if values
    )
    # The whole machine's CPU per workflow (every process, the load client's too).
    machine_s = busy / 100 * (os.cpu_count() or 1) * elapsed / max(stats.workflows, 1)
    # With no pause the agents saturate the machine: the times are queueing, not the app's
    # speed (capacity_agents is that figure, with agents that pace like people).
    figures.detail["load_rps"] = (
        f"{len(every)} requests, {stats.workflows} complete workflows in {elapsed:.1f} s "
        f"({stats.workflows / elapsed:.1f} creates/s) by {len(agents)} agents with no pause, "
        f"which saturate the machine ({steps}, queueing included); machine CPU busy "
        f"{busy:.0f} % of {os.cpu_count()} cores, {machine_s * 1000:.0f} ms of it per "
        f"workflow: the serving processes (gunicorn, PostgreSQL, Redis) "
        f"{stats.server_cpu_s / max(stats.workflows, 1) * 1000:.0f} ms, the RevCent stand-in "
        f"and its database {upstream_cpu / max(stats.workflows, 1) * 1000:.0f} ms, the load "
        f"client {client_cpu / max(stats.workflows, 1) * 1000:.0f} ms"
    )
    kinds: dict[str, int] = {}
    for text in stats.errors:
        kinds[text] = kinds.get(text, 0) + 1
    figures.detail["load_errors"] = (
        "; ".join(f"{count}× {text}" for text, count in sorted(kinds.items())[:6]) or "none"
    )
    log(f"load: {figures.detail['load_rps']}; errors {figures.detail['load_errors']}")
    return stats


def bare_cpu(agents: list[Agent], cpu_roots: list[int], *, requests: int = 400) -> float:
    """Server CPU seconds (same processes as the load's) of one bare-view request, from
    `requests` of them sent by 8 agents at once."""
    chosen = agents[:8]
    for agent in chosen:
        _bare_get(agent)
    before = tree_cpu_seconds(cpu_roots)

    def run(agent: Agent) -> None:
        for _ in range(requests // len(chosen)):
            _bare_get(agent)

    threads = [threading.Thread(target=run, args=(agent,), daemon=True) for agent in chosen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return (tree_cpu_seconds(cpu_roots) - before) / (requests // len(chosen) * len(chosen))


# --- 6. Page weight ---------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def page_weight(server: Server, username: str, password: str, figures: Figures) -> None:
    from playwright.sync_api import sync_playwright

    origin = f"{HOST}:{server.port}"
    outside: list[str] = []
    rows: list[tuple[str, int, int]] = []

    def local_only(route) -> None:
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).netloc == origin:
            route.continue_()
        else:
            outside.append(url)
            route.abort()  # nothing leaves the machine, and the check fails below

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            login = browser.new_context(base_url=server.url)
            login.set_default_timeout(15_000)
            login.route("**/*", local_only)
            page = login.new_page()
            page.goto("/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            state = login.storage_state()
            login.close()
            # A fresh context (empty HTTP cache) holding only the session cookie.
            context = browser.new_context(base_url=server.url, storage_state=state)
            context.set_default_timeout(15_000)
            context.route("**/*", local_only)
            page = context.new_page()
            responses = []
            page.on("response", lambda response: responses.append(response))
            page.goto("/customers/new/", wait_until="networkidle")
            page.wait_for_selector("#duplicate-results p")
            page.wait_for_load_state("networkidle")
            for response in responses:
                if response.url.startswith("data:"):
                    continue
                try:
                    body = response.body()
                except Exception:  # a redirect has no body
                    body = b""
                rows.append((response.url, len(body), len(gzip.compress(body, 6))))
            context.close()
        finally:
            browser.close()
    total = sum(gz for _, _, gz in rows) / 1024
    figures.values["page_weight_kb"] = round(total, 1)
    figures.values["page_external_requests"] = len(outside)
    listing = ", ".join(
        f"{urlsplit(url).path.rsplit('/', 1)[-1] or urlsplit(url).path} {gz / 1024:.1f}"
        for url, _, gz in rows
    )
    figures.detail["page_weight_kb"] = (
        f"{len(rows)} responses, raw {sum(raw for _, raw, _ in rows) / 1024:.1f} KB, gzip-6 KB: "
        f"{listing}"
    )
    figures.detail["page_external_requests"] = (
        "every request of the page load routed through a check; any not to 127.0.0.1 is "
        f"aborted and counted{': ' + ', '.join(outside[:5]) if outside else ''}"
    )
    log(f"page weight: {figures.detail['page_weight_kb']}")


# --- 4. Audit trail at 1,000,000 rows ---------------------------------------------------------
def audit_pages(
    agent: Agent, ids: list[str], figures: Figures, *, samples: int = 30, seconds: float = 100
) -> None:
    """Changelist, exact search and the bare view, interleaved; at most `samples` each and
    `seconds` in all (a search that scans the table takes seconds; the figure then rests on
    fewer samples). The bare view gives the machine's pace during the run: these two
    figures are in milliseconds, and the same code is slower on a slower or busier machine."""
    url = "/admin/customers/auditentry/"
    agent.get(url).raise_for_status()  # warm-up
    agent.get(url, params={"q": ids[-1]}).raise_for_status()
    lists, searches, bares = [], [], []
    stop_at = time.monotonic() + seconds
    for index in range(samples):
        if index >= 5 and time.monotonic() > stop_at:
            break
        ms, response = _timed(lambda: agent.get(url))
        if response.status_code != 200:
            raise BenchError(f"audit changelist answered {response.status_code}")
        lists.append(ms)
        wanted = ids[index % len(ids)]
        # Typed in the other case (the ids are lower-case hex): the case-insensitive search.
        typed = wanted.upper()
        ms, response = _timed(partial(agent.get, url, params={"q": typed}))
        if response.status_code != 200 or f">{wanted}<" not in response.text:
            title = re.search(r"<title>(.*?)</title>", response.text, re.S)
            raise BenchError(
                f"audit search for {wanted!r} answered {response.status_code} without the row "
                f"(page: {title.group(1).strip() if title else response.text[:200]!r})"
            )
        searches.append(ms)
        bares.append(_bare_get(agent))
    pace = f"; the bare view {BARE} meanwhile: median {median(bares):.1f} ms"
    figures.values["audit_changelist_p95_ms"] = round(percentile(lists, 95), 1)
    figures.values["audit_search_p95_ms"] = round(percentile(searches, 95), 1)
    figures.detail["audit_changelist_p95_ms"] = (
        f"median {median(lists):.0f} ms, max {max(lists):.0f} ms, n={len(lists)}{pace}"
    )
    figures.detail["audit_search_p95_ms"] = (
        f"an api_call_id in capitals, a different existing id each time: "
        f"median {median(searches):.0f} "
        f"ms, max {max(searches):.0f} ms, n={len(searches)}{pace} (p95 over it: "
        f"{percentile(searches, 95) / median(bares):.1f})"
    )
    log(f"audit list: {figures.detail['audit_changelist_p95_ms']}")
    log(f"audit search: {figures.detail['audit_search_p95_ms']}")


def overview_overhead(agent: Agent, figures: Figures, *, samples: int = 10, seconds: float = 25):
    """The team overview for 30 days over the 1,000,000-row trail, against the bare view on
    the same server and session, interleaved (issue 27); at most `seconds` in all."""
    url = "/team/overview/?period=30d"

    def page() -> float:
        ms, response = _timed(lambda: agent.get(url))
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}")
        return ms

    page()  # warm-up
    pages: list[float] = []
    bares: list[float] = []
    stop_at = time.monotonic() + seconds
    for index in range(samples):
        if index >= 3 and time.monotonic() > stop_at:
            break
        more_pages, more_bares = _interleaved(page, lambda: _bare_get(agent), 1)
        pages += more_pages
        bares += more_bares
    figures.values["overview_30d_in_bare_views"] = round(median(pages) / median(bares), 1)
    figures.detail["overview_30d_in_bare_views"] = (
        f"GET {url} median {median(pages):.0f} ms (max {max(pages):.0f}) vs GET {BARE} "
        f"median {median(bares):.1f} ms, same session, n={len(pages)} interleaved"
    )
    log(f"overview: {figures.detail['overview_30d_in_bare_views']}")


# --- Diagnosis: where the time of a panel refresh and of a create goes ------------------------
def _server_timing(response) -> dict[str, float]:
    spans = {}
    for part in response.headers.get("server-timing", "").split(","):
        name, _, rest = part.strip().partition(";")
        if "=" in rest:
            spans[name] = float(rest.split("=", 1)[1])
    return spans


def _span_medians(rows: list[dict[str, float]]) -> str:
    names = sorted({name for row in rows for name in row}, key=lambda n: (n != "total", n))
    return ", ".join(f"{name} {median([row.get(name, 0.0) for row in rows]):.1f}" for name in names)


def breakdown(agent: Agent, *, samples: int = 40) -> list[str]:
    """Medians of the Server-Timing spans (ms; `queries` is a count) on a BENCH_TIMING server
    with the sandbox at latency 0. Spans nest: dupcheck holds search, recent and match;
    search holds audit_begin, exchange (the sandbox's own work) and audit_settle."""
    key, campaign = _new_form(agent)
    out = []
    forms = []
    for _ in range(samples // 2):
        response = agent.get("/customers/new/")
        forms.append(_server_timing(response))
    out.append(f"GET /customers/new/ (the form): {_span_medians(forms)}")
    panel, bare = [], []
    size = 0
    for index in range(samples + 10):
        body = create_form(
            key=key,
            campaign=campaign,
            email=f"{unique('diag-')}@example.com",
            phone=PANEL_PHONE,
            internal_id=PANEL_INTERNAL_ID,
            first_name="Bench",
            last_name="Panelist",
        )
        response = agent.post(PANEL, body, headers=HTMX)
        size = len(response.content)
        if index >= 10:
            panel.append(_server_timing(response))
            response = agent.post(f"/bench/bare/{size}/", body, headers=HTMX)
            bare.append(_server_timing(response))
    out.append(f"panel refresh (1 fresh search + 3 cached): {_span_medians(panel)}")
    out.append(f"bare view, same request: {_span_medians(bare)}")
    posts, pages = [], []
    for _ in range(samples // 2):
        key, campaign = _new_form(agent)
        body = create_form(
            key=key,
            campaign=campaign,
            email=f"{unique('diag-')}@example.com",
            first_name="Bench",
            last_name=letters(),
        )
        response = agent.post("/customers/new/", body)
        if response.status_code != 302:
            raise BenchError(f"diagnosis create answered {response.status_code}")
        posts.append(_server_timing(response))
        pages.append(_server_timing(agent.get(response.headers["location"])))
    out.append(f"POST create (2 concurrent searches + create): {_span_medians(posts)}")
    out.append(f"GET customer page (GetCustomer): {_span_medians(pages)}")
    return out
