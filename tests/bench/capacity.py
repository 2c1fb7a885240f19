"""Capacity (issue 26): how many agents, working like people, one app server carries.

An agent does one customer a minute: opens New customer (the duplicate panel loads with it),
types the customer in (the panel refreshes when typing pauses, as the page's htmx does),
presses Create, and lands on the customer page. That is 12 requests a customer
(customer_script). N agents therefore ask for N/60 customers a second, and that is what a
level offers: customers start as a Poisson process at N/60 a second (open loop: a slow app
does not slow the arrivals, as it would not slow the callers), each on an agent that is not
busy with another customer, in turn, so each agent starts about one customer a minute.

Time inside a customer is compressed: the pauses between its requests are 0.45–0.75 s (never
under htmx's 400 ms typing delay, so every refresh is one the page would send) instead of the
seconds a person takes, so a customer's 12 requests take about 8 s (RevCent's waits included)
instead of a minute. The request rate and the mix are those of N people; fewer customers are
open at once (N/8 instead of N), which the app does not notice (it keeps no state per open
form: sessions and caches are per agent, and every agent stays signed in). It lets a level
reach its steady rate within RAMP_S seconds and be measured over WINDOW_S more.

What is measured is the app's own time per request: the request's time at the client minus
the time RevCent held it. The stand-in logs every call it holds (api_call_id, arrival,
departure, tests/bench/standin.py); the app's audit trail ties each api_call_id to the
request_id of the page request that made it (the app answers each request's ID in its
X-Request-ID header). A request's RevCent time is the union of its calls' held intervals
(calls sent together, the panel's and the gate's searches, count once). A level passes when
the p95 of that app time is at most P95_LIMIT_MS and no request failed; capacity_agents is
the highest level that passed below the lowest that did not.

The pure logic (the script, arrivals, attribution, percentile, the choice of the next level)
is at the top and tested in tests/test_bench_capacity.py without a clock or a server.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import string
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from tests.bench.harness import BenchError, create_form, form_fields, median, percentile

if TYPE_CHECKING:
    from tests.bench.harness import StandIn
    from tests.bench.phases import Figures

P95_LIMIT_MS = 250.0
CUSTOMERS_PER_AGENT_MINUTE = 1
THINK_S = (0.45, 0.75)  # the pause before each typed step, compressed (see the docstring)
RAMP_S = 8.0  # a customer's requests take ~8 s: by then the level runs at its full rate
WINDOW_S = 15.0
REQUEST_TIMEOUT_S = 30.0
PANEL = "/customers/new/duplicates/"


# --- Pure logic ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One request of a customer: what it is, the pause before it, the fields typed so far."""

    kind: str  # "form", "panel", "create" or "page"
    think_s: float
    typed: tuple[tuple[str, str], ...] = ()


def customer_script(serial: int, rng: random.Random) -> list[Step]:
    """One customer, typed in the order of the page, each panel refresh where htmx sends one:
    on load, and when typing pauses in a field the panel searches on (first and last name,
    e-mail, phone, city, ZIP; country is a select: on change). The agent pauses once in the
    middle of the e-mail. Address line and state are not searched on: no refresh of their
    own. Unique values (serial) so that no customer is a duplicate of another."""
    email = f"cap.{serial}.{rng.randrange(16**6):06x}@example.com"
    values = [
        (("first_name", "Cap"),),
        (("last_name", "".join(rng.choice(string.ascii_lowercase) for _ in range(9)).title()),),
        (("email", email[: len(email) // 2]),),
        (("email", email),),
        (("phone", f"+1 646 {2_000_000 + serial % 7_000_000:07d}"),),
        (("address_line_1", "1 Main Street"), ("city", "Springfield")),
        (("state", "IL"), ("zip", "62701")),
        (("country", "USA"),),
    ]
    steps = [Step("form", 0.0), Step("panel", 0.0)]
    typed: dict[str, str] = {}
    for fields in values:
        typed.update(fields)
        steps.append(Step("panel", rng.uniform(*THINK_S), tuple(typed.items())))
    steps.append(Step("create", rng.uniform(*THINK_S), tuple(typed.items())))
    steps.append(Step("page", 0.0))
    return steps


def arrivals(rate_per_s: float, seconds: float, rng: random.Random) -> list[float]:
    """Start times (s from 0) of a Poisson process of the given rate over the given time."""
    times: list[float] = []
    at = rng.expovariate(rate_per_s)
    while at < seconds:
        times.append(at)
        at += rng.expovariate(rate_per_s)
    return times


def union_s(intervals: Iterable[tuple[float, float]]) -> float:
    """Length of the union of intervals: calls that overlap are one wait."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


@dataclass(frozen=True)
class Sent:
    """A request as the client saw it: the app's X-Request-ID, its kind, its time (ms)."""

    request_id: str
    kind: str
    ms: float


@dataclass
class Attribution:
    app_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    revcent_by_kind: dict[str, list[float]] = field(default_factory=dict)
    revcent_ms: list[float] = field(default_factory=list)
    calls_without_row: int = 0


def attribute(
    sent: Sequence[Sent],
    held: Sequence[tuple[str, float, float]],
    request_of: dict[str, str],
) -> Attribution:
    """Each request's own time: its time minus the union of the intervals RevCent held its
    calls (held: api_call_id, arrived, left, in seconds; request_of: api_call_id →
    request_id from the audit trail). Calls of requests not in `sent` (before or after the
    window) are ignored; a call with no audit row is counted."""
    intervals: dict[str, list[tuple[float, float]]] = {}
    without = 0
    for call_id, came, left in held:
        request_id = request_of.get(call_id)
        if request_id is None:
            without += 1
            continue
        intervals.setdefault(request_id, []).append((came, left))
    out = Attribution(calls_without_row=without)
    for request in sent:
        waited = union_s(intervals.get(request.request_id, [])) * 1000
        own = max(request.ms - waited, 0.0)
        out.app_ms.append(own)
        out.revcent_ms.append(waited)
        out.by_kind.setdefault(request.kind, []).append(own)
        out.revcent_by_kind.setdefault(request.kind, []).append(waited)
    return out


def passes(app_ms: Sequence[float], errors: int, *, limit_ms: float = P95_LIMIT_MS) -> bool:
    return bool(app_ms) and errors == 0 and percentile(app_ms, 95) <= limit_ms


def next_level(results: dict[int, bool], *, start: int, step: int, ceiling: int) -> int | None:
    """The next number of agents to try, or None when the capacity is known to step/2.

    Up by `step` from `start` while levels pass; after the first that does not, halve the
    gap between the highest that passed and the lowest that did not until it is step/2 or
    less (one more level when the steps are regular)."""
    if not results:
        return start
    failed = [agents for agents, ok in results.items() if not ok]
    passed = [
        agents for agents, ok in results.items() if ok and (not failed or agents < min(failed))
    ]
    high = max(passed, default=0)
    if not failed:
        return high + step if high + step <= ceiling else None
    low = min(failed)
    if low - high <= step // 2:
        return None
    return high + (low - high) // 2


def capacity(results: dict[int, bool]) -> int:
    """The highest level that passed below the lowest that did not (0 if none passed)."""
    failed = [agents for agents, ok in results.items() if not ok]
    limit = min(failed, default=float("inf"))
    return max((agents for agents, ok in results.items() if ok and agents < limit), default=0)


# --- The load client ------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """A signed-in agent: its session cookie and a CSRF secret of its own."""

    session: str
    csrf: str = field(
        default_factory=lambda: "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(32)
        )
    )


@dataclass
class LevelRun:
    agents: int
    sent: list[Sent] = field(default_factory=list)  # started inside the window
    errors: list[str] = field(default_factory=list)
    customers: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds over the window, by kind
    window_s: float = 0.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    text: str


class Http1:
    """A minimal HTTP/1.1 client over asyncio streams, keep-alive connections to one server.

    httpx's AsyncClient took ~3 ms of CPU per request here, this ~0.05 ms: at a few hundred
    requests a second on two cores the load client would otherwise take the CPU the app is
    measured on. Enough HTTP for the app's answers (Content-Length or chunked bodies)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Reply:
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if method == "POST":
            head.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        reused = bool(self.idle)
        reader, writer = self.idle.pop() if reused else await self._connect()
        try:
            writer.write(raw)
            reply, keep = await self._read(reader)
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            if not reused:
                raise
            # The server closed an idle connection as it was reused: once more, afresh.
            reader, writer = await self._connect()
            writer.write(raw)
            reply, keep = await self._read(reader)
        except BaseException:
            writer.close()  # a timeout or a cancel: the connection is in an unknown state
            raise
        if keep:
            self.idle.append((reader, writer))
        else:
            writer.close()
        return reply

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[Reply, bool]:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size + 2))
            await reader.readuntil(b"\r\n")
            body = b"".join(part[:-2] for part in parts)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        keep = headers.get("connection", "").lower() != "close"
        return Reply(status, headers, body.decode("utf-8", errors="replace")), keep

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


def _check(kind: str, response: Reply) -> str:
    status = response.status
    if kind == "create":
        location = response.headers.get("location", "")
        if status != 302 or not location.startswith("/customers/"):
            gate = "duplicate gate" if "duplicate-gate" in response.text else "no redirect"
            return f"create HTTP {status} ({gate})"
        return ""
    if status != 200:
        return f"{kind} HTTP {status}"
    if kind == "panel" and (
        "searching faster" in response.text or "did not answer" in response.text
    ):
        return "panel: rate limited or RevCent did not answer"
    return ""


async def _customer(
    client: Http1,
    who: Identity,
    steps: list[Step],
    run: LevelRun,
    window: tuple[float, float],
    stopping: asyncio.Event,
) -> None:
    key = campaign = location = ""
    cookie = f"sessionid={who.session}; csrftoken={who.csrf}"
    for index, step in enumerate(steps):
        if step.think_s:
            await asyncio.sleep(step.think_s)
        if index and stopping.is_set():
            return  # the level is over: the agent leaves the form (nothing is created)
        headers = {"Cookie": cookie}
        body = b""
        if step.kind in ("form", "page"):
            method, url = "GET", "/customers/new/" if step.kind == "form" else location
        else:
            method, url = "POST", PANEL if step.kind == "panel" else "/customers/new/"
            data = create_form(key=key, campaign=campaign)
            data.update({f"customer-{name}": value for name, value in step.typed})
            data["csrfmiddlewaretoken"] = who.csrf
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = who.csrf
            if step.kind == "panel":
                headers.update({"HX-Request": "true", "HX-Current-URL": "/customers/new/"})
        started = time.monotonic()
        try:
            response = await asyncio.wait_for(
                client.request(method, url, headers, body), REQUEST_TIMEOUT_S
            )
        except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError) as exc:
            if started < window[1]:
                run.errors.append(f"{step.kind}: {type(exc).__name__}")
            return
        ms = (time.monotonic() - started) * 1000
        if window[0] <= started < window[1]:
            run.sent.append(Sent(response.headers.get("x-request-id", ""), step.kind, ms))
        problem = _check(step.kind, response)
        try:
            if not problem and step.kind == "form":
                key, campaign = form_fields(response.text)
        except BenchError as exc:
            problem = str(exc)
        if problem:
            if started < window[1]:
                run.errors.append(problem)
            return
        if step.kind == "create":
            location = response.headers["location"]
    run.customers += 1


async def _level(
    url: str,
    identities: list[Identity],
    agents: int,
    *,
    seed: int,
    serials: Iterable[int],
    cpu: Callable[[], dict[str, float]],
    ramp_s: float,
    window_s: float,
) -> LevelRun:
    rng = random.Random(seed)
    run = LevelRun(agents)
    starts = arrivals(agents * CUSTOMERS_PER_AGENT_MINUTE / 60, ramp_s + window_s, rng)
    free = deque(identities[:agents])
    stopping = asyncio.Event()
    tasks: set[asyncio.Task[None]] = set()
    serial = iter(serials)
    address = urlsplit(url)
    client = Http1(address.hostname or "127.0.0.1", address.port or 80)
    t0 = time.monotonic()
    window = (t0 + ramp_s, t0 + ramp_s + window_s)
    before: dict[str, float] = {}

    async def snapshot_at(at: float, into: dict[str, float]) -> None:
        await asyncio.sleep(max(at - time.monotonic(), 0))
        into.update(await asyncio.to_thread(cpu))

    after: dict[str, float] = {}
    meters = [
        asyncio.create_task(snapshot_at(window[0], before)),
        asyncio.create_task(snapshot_at(window[1], after)),
    ]

    def done(who: Identity, task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        free.append(who)

    try:
        for at in starts:
            await asyncio.sleep(max(t0 + at - time.monotonic(), 0))
            if not free:
                run.errors.append("every agent still busy with an earlier customer")
                continue
            who = free.popleft()
            task = asyncio.create_task(
                _customer(client, who, customer_script(next(serial), rng), run, window, stopping)
            )
            tasks.add(task)
            task.add_done_callback(partial(done, who))
        await asyncio.gather(*meters)
        stopping.set()
        if tasks:
            _, waiting = await asyncio.wait(list(tasks), timeout=REQUEST_TIMEOUT_S + 5)
            if waiting:  # cannot happen with the client's timeout; never a silent loss
                run.errors.append(f"{len(waiting)} customers had no answer after the level")
    finally:
        for task in list(tasks) + meters:
            task.cancel()
        client.close()
    run.window_s = after.get("wall", window[1]) - before.get("wall", window[0])
    run.cpu = {name: after[name] - before[name] for name in before if name in after}
    return run


def run_level(url: str, identities: list[Identity], agents: int, **kwargs: Any) -> LevelRun:
    """One level, in an event loop of its own (the client's CPU is this process's)."""
    return asyncio.run(_level(url, identities, agents, **kwargs))


def describe(agents: int, run: LevelRun, found: Attribution) -> str:
    """One level in a line: rate, app time, RevCent time, CPU beside it."""
    window = run.window_s or 1.0
    cores = {name: seconds / window for name, seconds in run.cpu.items()}
    kinds = ", ".join(
        f"{kind} {percentile(values, 95):.0f}" for kind, values in sorted(found.by_kind.items())
    )
    waits = ", ".join(
        f"{kind} {median(values):.0f}" for kind, values in sorted(found.revcent_by_kind.items())
    )

    def cpu_of(label: str, name: str) -> str:
        per = run.cpu.get(name, 0.0) / max(len(run.sent), 1) * 1000
        return f"{label} {cores.get(name, 0.0):.2f} ({per:.1f})"

    busy = run.cpu.get("busy_ticks", 0.0) / max(run.cpu.get("all_ticks", 0.0), 1.0) * 100
    return (
        f"{agents} agents: {len(run.sent) / window:.1f} requests/s, app time p50 "
        f"{median(found.app_ms):.0f}/p95 {percentile(found.app_ms, 95):.0f} ms ({kinds}), "
        f"RevCent's time p50 ({waits}), {len(run.errors)} errors; "
        f"CPU in cores (ms a request): {cpu_of('app servers', 'app')}, "
        f"{cpu_of('stand-in', 'standin')}, {cpu_of('load client', 'client')}, "
        f"machine busy {busy:.0f} %"
    )


# --- The step ---------------------------------------------------------------------------------
def measure(
    url: str,
    identities: list[Identity],
    figures: Figures,
    *,
    standin: StandIn,
    app_roots: list[int],
    start: int,
    step: int,
    deadline: float,
    ramp_s: float = RAMP_S,
    window_s: float = WINDOW_S,
) -> None:
    """Levels of agents (next_level) until the capacity is known or the time is up."""
    import itertools

    from tests.bench import db
    from tests.bench.harness import cpu_ticks, log, tree_cpu_seconds

    standin_roots = standin.roots()

    def cpu() -> dict[str, float]:
        busy, total = cpu_ticks()
        return {
            "wall": time.monotonic(),
            "app": tree_cpu_seconds(app_roots),
            "standin": tree_cpu_seconds(standin_roots),
            "client": time.process_time(),
            "busy_ticks": float(busy),
            "all_ticks": float(total),
        }

    results: dict[int, bool] = {}
    lines: dict[int, str] = {}
    serials = itertools.count(1)
    without_row = 0
    level_s = ramp_s + window_s + 10  # with the drain and the reading of the trail
    agents = next_level(results, start=start, step=step, ceiling=len(identities))
    while agents is not None and time.monotonic() + level_s < deadline:
        standin.calls()  # forget what came before
        last = db.last_audit_id()
        run = run_level(
            url,
            identities,
            agents,
            seed=agents,
            serials=serials,
            cpu=cpu,
            ramp_s=ramp_s,
            window_s=window_s,
        )
        found = attribute(run.sent, standin.calls(), db.calls_by_request(last))
        without_row += found.calls_without_row
        errors = len(run.errors) + found.calls_without_row
        results[agents] = passes(found.app_ms, errors)
        lines[agents] = describe(agents, run, found)
        if run.errors:
            kinds = sorted(set(run.errors))
            lines[agents] += f" ({'; '.join(kinds[:3])})"
        log(f"capacity: {lines[agents]} -> {'passes' if results[agents] else 'does not pass'}")
        agents = next_level(results, start=start, step=step, ceiling=len(identities))
    if not results:
        raise BenchError("no capacity level fitted in the time left")
    found_capacity = capacity(results)
    figures.values["capacity_agents"] = found_capacity
    unfinished = "" if agents is None else f"; stopped by the time budget before trying {agents}"
    others = [lines[n] for n in sorted(lines) if n != found_capacity]
    figures.detail["capacity_agents"] = (
        f"the most agents, at a customer a minute each, whose app time per request (the "
        f"client's time minus what the RevCent stand-in held, 100–300 ms a call) stays within "
        f"p95 {P95_LIMIT_MS:.0f} ms with no error; one gunicorn, {window_s:.0f} s measured "
        f"per level (Method, 11). "
        + (f"At {lines[found_capacity]}" if found_capacity in lines else "No level passed")
        + (f". Other levels: {'; '.join(others)}" if others else "")
        + f". Calls without an audit row: {without_row}{unfinished}"
    )
    figures.detail["_capacity_level"] = lines.get(found_capacity, "no level passed")
    log(f"capacity: {found_capacity} agents")
