"""`python -m tests.bench`: run every measurement of issue #8, print the table, and write
docs/performance.md. Run it through `make bench` (tests/bench/run.sh), which provides
PostgreSQL and Redis on loopback.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

BUDGET_SECONDS = 780  # with set-up and tear-down, the whole run stays under 14 minutes (the
# capacity step, issue 26, takes about 150 s)
LOAD_AGENTS = 50
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
LOAD_MAX_WORKFLOWS = 400  # per agent: a bound on requests as well as on time
FANOUT_LATENCY_MS = 300
PANEL_SAMPLES = 150
FANOUT_SAMPLES = 20
CREATE_SAMPLES = 50
AUDIT_ROWS = 1_000_000
AUDIT_SAMPLES = 30
WORKERS, THREADS = 2, 16
NEW_FORM_SAMPLES = 60
TWO_SERVERS_SECONDS = 15
RATE_LIMIT = 10  # DUPLICATE_SEARCHES_PER_MINUTE on the two servers: small enough to reach
CHAIN_WRITERS, CHAIN_SECONDS = 16, 5
PROFILE_SAMPLES = 10
# Capacity (issue 26): levels of agents at a customer a minute each, from CAPACITY_START up by
# CAPACITY_STEP (tests/bench/capacity.py), at most CAPACITY_MAX (agents made and signed in).
CAPACITY_START, CAPACITY_STEP, CAPACITY_MAX = 100, 100, 800
CAPACITY_SECONDS = int(os.environ.get("BENCH_CAPACITY_SECONDS", "180"))
AFTER_CAPACITY_SECONDS = 170  # the steps after the capacity step take about this: left to them
CAPACITY_RAMP_S = 8.0
CAPACITY_WINDOW_S = float(os.environ.get("BENCH_CAPACITY_WINDOW_SECONDS", "15"))


def _environment() -> str:
    """Production-like settings from the environment; returns the demo password."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("CACHE_URL"):
        sys.exit(
            "The benchmark needs DATABASE_URL (PostgreSQL) and CACHE_URL (Redis): run it "
            "with `make bench`."
        )
    password = os.environ.get("BENCH_DEMO_PASSWORD") or "bench-" + secrets.token_urlsafe(12)
    os.environ.pop("REVCENT_API_KEY", None)  # sandbox mode, whatever the shell says
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Required with DEBUG off; the bench sends no e-mail.
            "EMAIL_URL": "smtp://127.0.0.1:25",
            "SECURE_SSL_REDIRECT": "false",
            "DUPLICATE_SEARCHES_PER_MINUTE": "1000000",
            "DEMO_PASSWORD": password,
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "REVCENT_SANDBOX_LATENCY_MS": "0",
            # Whatever a developer's shell or .env says: agents sign in with a password only,
            # and nothing is behind a proxy here.
            "REQUIRE_MFA_FOR_AGENTS": "false",
            "BEHIND_TLS_PROXY": "false",
            "TRUSTED_PROXY_COUNT": "0",
            # The app servers talk to the stand-in as to RevCent (an API key, DEBUG off), so
            # the chain needs its key; the bench process verifies with the same one.
            "AUDIT_CHAIN_KEY": "bench:" + secrets.token_urlsafe(48),
        }
    )
    os.environ.setdefault(
        "BENCH_STATIC_ROOT", os.path.join(os.environ.get("BENCH_DIR", "/tmp"), "static")
    )
    return password


def _stop_on_signal(signum, frame) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> int:
    started = time.monotonic()
    deadline = started + BUDGET_SECONDS
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    password = _environment()

    from tests.bench import phases, report, scale
    from tests.bench.harness import (
        Agent,
        BenchError,
        Server,
        StandIn,
        idle_check,
        log,
        manage,
        serving_kinds,
        serving_roots,
        tree_cpu_seconds,
    )

    figures = phases.Figures()
    findings: list[str] = []
    failures: list[str] = []
    servers: list[Server] = []
    standins: list[StandIn] = []
    clients: list[Agent] = []
    versions: dict[str, str] = {}

    def left() -> float:
        return deadline - time.monotonic()

    def standin(latency: str) -> StandIn:
        stand = StandIn(latency)
        standins.append(stand)
        return stand.start()

    def server(name: str, upstream: StandIn | None = None, **env: str) -> Server:
        if upstream is not None:
            env = {**upstream.server_env(), **env}
        srv = Server(name, env=env, workers=WORKERS, threads=THREADS)
        servers.append(srv)
        return srv.start()

    def sign_in_all(srv: Server, names: list[str]) -> list[Agent]:
        pool = ThreadPoolExecutor(max_workers=8)
        try:
            return list(pool.map(lambda name: signed_in(srv, name), names))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def anonymous(srv: Server) -> Agent:
        agent = Agent(srv)
        clients.append(agent)
        return agent

    def signed_in(srv: Server, username: str, *, then: str = "/customers/new/", key: str = ""):
        agent = Agent(srv)
        clients.append(agent)
        agent.login(username, password, then=then, totp_key=key)
        return agent

    # BENCH_STEPS="load test,profile": only the steps whose names contain one of these (a
    # developer's quick loop); such a partial run never writes docs/performance.md.
    only = [part.strip() for part in os.environ.get("BENCH_STEPS", "").split(",") if part.strip()]

    def step(name: str, needs_seconds: float, work) -> None:
        if only and not any(part in name for part in only):
            return
        if left() < needs_seconds:
            failures.append(f"{name}: skipped, not enough of the time budget left")
            log(failures[-1])
            return
        log(f"-- {name}")
        try:
            work()
        except (BenchError, Exception) as exc:  # one failed step must not hide the others
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:2000])
            log(f"FAILED {failures[-1]}")
            traceback.print_exc()

    code = report.code_version()
    log(f"code: {code}")
    try:
        busy = idle_check()
        log(f"machine CPU busy before the run: {busy:.0f} %")
        if busy > 10:
            figures.notes.append(
                f"The machine was {busy:.0f} % busy with other work before the run started; "
                "latency figures may be inflated. Run again on a quiet machine."
            )
        log("-- setup: migrate, collectstatic, prepare_demo")
        manage("migrate", "--no-input")
        if os.environ.get("BENCH_STANDIN_DATABASE_URL"):
            manage("migrate", "--no-input", "--database", "standin")
        manage("collectstatic", "--no-input")
        manage("prepare_demo")
        from tests.bench import db

        versions = db.versions()
        load_users = db.make_agents(LOAD_AGENTS, password)
        auditor_key = db.second_factor("auditor")

        # 5. Load first: the figures after it then see a working day's data.
        spread = standin("100-300")
        load_agents: list[Agent] = []

        def load() -> None:
            snapshot = db.api_call_snapshot()
            srv = server("load", spread)
            log(f"signing in {LOAD_AGENTS} agents")
            agents = sign_in_all(srv, load_users)
            load_agents.extend(agents)
            roots = serving_roots([srv])
            kinds = serving_kinds([srv])
            # Before and after the load: after it, PostgreSQL's autovacuum of the day's rows
            # can land in the bare views' window and move this one figure by a fifth.
            bare_before = phases.bare_cpu(agents, roots)
            before = {kind: tree_cpu_seconds(pids) for kind, pids in kinds.items()}
            stats = phases.load(
                agents,
                figures,
                seconds=LOAD_SECONDS,
                max_workflows=LOAD_MAX_WORKFLOWS,
                cpu_roots=roots,
                standin_roots=spread.roots(),
            )
            split = {
                kind: (tree_cpu_seconds(pids) - before[kind]) / max(stats.workflows, 1)
                for kind, pids in kinds.items()
            }
            bare_after = phases.bare_cpu(agents, roots)
            per_bare = (bare_before + bare_after) / 2
            per_workflow = stats.server_cpu_s / max(stats.workflows, 1)
            figures.values["workflow_cpu_in_bare_views"] = round(per_workflow / per_bare, 1)
            figures.detail["workflow_cpu_in_bare_views"] = (
                f"CPU of the serving processes (gunicorn master and workers, PostgreSQL, Redis; "
                f"not the stand-in, not the load client) per complete workflow "
                f"{per_workflow * 1000:.1f} ms ("
                + ", ".join(f"{kind} {seconds * 1000:.1f}" for kind, seconds in split.items())
                + "), over their CPU per bare-view request "
                f"{per_bare * 1000:.2f} ms (the mean of {bare_before * 1000:.2f} before the "
                f"load and {bare_after * 1000:.2f} after it, each from 400 bare GETs by 8 of "
                "the signed-in agents, same server)"
            )
            log(f"workflow CPU: {figures.detail['workflow_cpu_in_bare_views']}")
            srv.stop()  # graceful: every request in flight has finished
            match = db.audit_match(snapshot)
            figures.values["load_audit_rows_match"] = match["match"]
            figures.detail["load_audit_rows_match"] = (
                f"{match['audit_rows']} API-call audit rows ({match['audit_with_call_id']} with "
                f"an api_call_id), {match['upstream_calls']} calls recorded by the sandbox; "
                f"calls without a row: {match['calls_without_row']}, rows without a call: "
                f"{match['rows_without_call']}; outcomes other than ok: {match['not_ok'] or 0}"
            )
            log(f"audit rows: {figures.detail['load_audit_rows_match']}")

        step("load test", LOAD_SECONDS + 150, load)
        for srv in servers:
            srv.stop()

        def two_servers() -> None:
            snapshot = db.api_call_snapshot()
            limit = {"DUPLICATE_SEARCHES_PER_MINUTE": str(RATE_LIMIT)}
            first = server("two-a", spread, **limit)
            second = server("two-b", spread, **limit)
            half = LOAD_AGENTS // 2
            agents = [agent.on(first) for agent in load_agents[:half]]
            agents += [agent.on(second) for agent in load_agents[half:]]
            clients.extend(agents)
            stats = phases.load(agents, figures, seconds=TWO_SERVERS_SECONDS, prefix="two servers")
            scale.rate_limit_shared(
                signed_in(first, "agent"), signed_in(second, "agent"), figures, limit=RATE_LIMIT
            )
            first.stop()
            second.stop()
            match = db.audit_match(snapshot)
            try:
                verified = manage("verify_audit_log", timeout=120)
            except BenchError as exc:
                verified = str(exc)
            scale.audit_verdict(figures, match, verified, stats.workflows)
            if stats.errors:  # the load's own errors; the audit figure is about the trail
                kinds = sorted(set(stats.errors))[:3]
                figures.detail["two_servers_audit_match"] += (
                    f"; {len(stats.errors)} workflow errors ({'; '.join(kinds)})"
                )

        step("two app servers", TWO_SERVERS_SECONDS + 120, two_servers)

        def capacity() -> None:
            from tests.bench import capacity as cap

            names = db.make_many_agents(CAPACITY_MAX, password)
            log(f"capacity: {len(names)} agents made")
            srv = server("capacity", spread)
            first = signed_in(srv, names[0])
            keys = db.clone_sessions(first.http.cookies["sessionid"], names)
            log(f"capacity: {len(keys)} agents signed in (the first through the login form)")
            identities = [cap.Identity(key) for key in keys]
            cap.measure(
                srv.url,
                identities,
                figures,
                standin=spread,
                app_roots=serving_roots([srv]),
                start=CAPACITY_START,
                step=CAPACITY_STEP,
                deadline=time.monotonic() + min(CAPACITY_SECONDS, left() - AFTER_CAPACITY_SECONDS),
                ramp_s=CAPACITY_RAMP_S,
                window_s=CAPACITY_WINDOW_S,
            )
            srv.stop()

        step("capacity", AFTER_CAPACITY_SECONDS + 60, capacity)
        step(
            "audit chain ceiling",
            CHAIN_SECONDS + 30,
            lambda: scale.chain_completions(figures, writers=CHAIN_WRITERS, seconds=CHAIN_SECONDS),
        )
        spread.stop()

        zero, three = standin("0"), standin(str(FANOUT_LATENCY_MS))
        fast = server("latency0", zero)
        slow = server("latency300", three)
        step(
            "duplicate panel overhead",
            60,
            lambda: phases.panel_overhead(
                signed_in(fast, "agent"), figures, samples=PANEL_SAMPLES, standin=zero
            ),
        )
        step(
            "new customer page",
            30,
            lambda: phases.new_form_overhead(
                signed_in(fast, "agent"), figures, samples=NEW_FORM_SAMPLES
            ),
        )
        slowest_shape = ["one-digit groups"]  # until the growth step names the slowest

        def card_scan() -> None:
            slowest_shape[0] = phases.card_scan_growth(figures)

        step("card scan growth", 90, card_scan)
        step(
            "anonymous 64 KB body",
            60,
            lambda: phases.anonymous_body_overhead(
                anonymous(fast), signed_in(fast, "agent"), figures, shape=slowest_shape[0]
            ),
        )
        step(
            "assistant search",
            30,
            lambda: phases.assistant_search_overhead(signed_in(fast, "agent"), figures),
        )
        step(
            "duplicate panel fan-out",
            30,
            lambda: phases.panel_fanout(
                signed_in(slow, "agent"),
                figures,
                latency_ms=FANOUT_LATENCY_MS,
                samples=FANOUT_SAMPLES,
            ),
        )
        step(
            "create overhead",
            90,
            lambda: phases.create_overhead(
                signed_in(slow, "agent"),
                figures,
                latency_ms=FANOUT_LATENCY_MS,
                samples=CREATE_SAMPLES,
                standin=three,
            ),
        )
        slow.stop()
        step("page weight", 60, lambda: phases.page_weight(fast, "agent", password, figures))
        fast.stop()

        def diagnose() -> None:
            srv = server("timing", REVCENT_SANDBOX_LATENCY_MS="0", BENCH_TIMING="1")
            lines = phases.breakdown(signed_in(srv, "agent"))
            srv.stop()
            findings.append(
                "- Where the time goes (median ms per request on a server with BENCH_TIMING=1, "
                "sandbox latency 0). On the request's thread, nested: dupcheck = search + "
                "recent + match; search = audit_begin + the exchanges (in a thread pool when "
                "there are several terms) + audit_settle; exchange = one HTTP exchange on this "
                "thread (the sandbox's work, at latency 0); recent = this app's recent creates; "
                "sql = this thread's SQL time; queries = its count. Summed over all threads: "
                "sandbox = the sandbox's own work, db_connect = new database connections."
            )
            findings.extend(f"    - {line}" for line in lines)
            for line in lines:
                log(f"diagnosis: {line}")

        step("diagnosis", 60, diagnose)

        def profile() -> None:
            from tests.bench import profile as profiler

            findings.append(
                "- Profile (cProfile timed by the process's CPU time, in-process through the "
                "whole middleware stack with Django's test client, same database and cache; "
                "RevCent the out-of-process stand-in at latency 0, so every entry is the app's "
                "own work): the top entries by own CPU time, per request."
            )
            findings.extend(profiler.profile(PROFILE_SAMPLES, upstream=zero.server_env()))

        step("profile", 60, profile)
        fast = server("audit", REVCENT_SANDBOX_LATENCY_MS="0")

        def audit() -> None:
            log(f"inserting {AUDIT_ROWS:,} audit rows")
            seconds = db.insert_audit_rows(AUDIT_ROWS)
            log(f"inserted and analysed in {seconds:.1f} s; table ~{db.audit_table_rows():,} rows")
            ids = db.sample_api_call_ids(AUDIT_SAMPLES)
            auditor = signed_in(
                fast, "auditor", then="/admin/customers/auditentry/", key=auditor_key
            )
            phases.audit_pages(auditor, ids, figures, samples=AUDIT_SAMPLES, seconds=60)
            phases.overview_overhead(auditor, figures)
            census = db.query_census("auditor", "/team/overview/?period=30d")
            queries = cast(list[tuple[float, str]], census["queries"])
            slowest = "; ".join(f"{ms:.0f} ms {sql[:90]}" for ms, sql in queries[:3])
            log(
                f"overview in this process: {census['total_ms']:.0f} ms, {census['count']} "
                f"queries taking {census['sql_ms']:.0f} ms (slowest: {slowest}); audit rows "
                f"still open: {db.open_audit_rows()}"
            )
            findings.extend(audit_findings(db, ids[0], figures))

        step("audit trail at 1,000,000 rows", 150, audit)
    except BaseException as exc:  # noqa: BLE001 - report whatever was measured
        failures.append(f"run stopped: {type(exc).__name__}: {exc}"[:2000])
        log(failures[-1])
        if not isinstance(exc, SystemExit | KeyboardInterrupt):
            traceback.print_exc()
    finally:
        # Stopped from outside: no patience left for graceful shutdowns.
        aborted = any(failure.startswith("run stopped") for failure in failures)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        for client in clients:
            client.close()
        for srv in servers:
            srv.stop(timeout=3 if aborted else 20)
        for stand in standins:
            stand.stop()
        for srv in servers:
            if failures:
                print(f"--- gunicorn {srv.name} log (tail) ---\n{srv.log_tail(15)}")

    elapsed = time.monotonic() - started
    if report.code_version() != code:
        figures.notes.append(
            f"The code changed during the run (at the start: {code}; at the end: "
            f"{report.code_version()}): servers started before the change ran the old code."
        )
    notes = figures.notes + [f"Step failed: {failure}" for failure in failures]
    values = {k: v for k, v in figures.values.items() if not k.startswith("_")}
    print()
    print("\n".join(report.table(values, figures.detail)))
    print()
    print("\n".join(report.lines(values)))
    print()
    for finding in findings:
        print(finding)
    print(f"\nwhole run: {elapsed:.0f} s")
    if only:
        print(f"BENCH_STEPS={','.join(only)}: a partial run; docs/performance.md is left as it was")
        return 1 if failures else 0
    if any(failure.startswith("run stopped") for failure in failures):
        print("stopped before the end: docs/performance.md is left as it was", file=sys.stderr)
        return 1
    report.write_markdown(
        values=values,
        detail=figures.detail,
        notes=notes,
        versions=versions,
        run_seconds=elapsed,
        code=code,
        findings=findings,
        method={
            "workers": WORKERS,
            "threads": THREADS,
            "panel_n": PANEL_SAMPLES,
            "fanout_n": FANOUT_SAMPLES,
            "create_n": CREATE_SAMPLES,
            "audit_n": AUDIT_SAMPLES,
            "agents": LOAD_AGENTS,
            "load_s": LOAD_SECONDS,
            "max_wf": LOAD_MAX_WORKFLOWS,
            "new_form_n": NEW_FORM_SAMPLES,
            "two_s": TWO_SERVERS_SECONDS,
            "rate_limit": RATE_LIMIT,
            "chain_writers": CHAIN_WRITERS,
            "chain_s": CHAIN_SECONDS,
            "cap_start": CAPACITY_START,
            "cap_step": CAPACITY_STEP,
            "cap_half": CAPACITY_STEP // 2,
            "cap_ramp": f"{CAPACITY_RAMP_S:g}",
            "cap_window": f"{CAPACITY_WINDOW_S:g}",
        },
    )
    print("wrote docs/performance.md")
    if failures:
        print("\n".join(["", "FAILED steps:", *failures]), file=sys.stderr)
        return 1
    return 0


def _queries(census: dict[str, Any], top: int = 3) -> list[str]:
    """The slowest queries, without the session bookkeeping every page does."""
    shown = [
        (ms, " ".join(sql.split())) for ms, sql in census["queries"] if "django_session" not in sql
    ]
    return [f"    - {ms:.1f} ms: `{sql[:300]}`" for ms, sql in shown[:top]]


def audit_findings(db, some_id: str, figures) -> list[str]:
    """The SQL of the audit pages, slowest first; EXPLAIN ANALYZE of the slowest."""
    out = []
    for label, path, name in (
        ("changelist", "/admin/customers/auditentry/", "audit_changelist_p95_ms"),
        ("search", f"/admin/customers/auditentry/?q={some_id}", "audit_search_p95_ms"),
    ):
        census = db.query_census("auditor", path)
        out.append(
            f"- Audit {label} in-process: HTTP {census['status']}, {census['total_ms']:.0f} ms, "
            f"{census['count']} SQL queries taking {census['sql_ms']:.0f} ms; slowest:"
        )
        out += _queries(census)
        value = figures.values.get(name)
        limit = {"audit_changelist_p95_ms": 300, "audit_search_p95_ms": 50}[name]
        if census["queries"] and (value is None or value > limit / 3):
            plan = db.explain(census["queries"][0][1])
            if plan:
                out.append(f"  EXPLAIN ANALYZE of the slowest {label} query:")
                out.append("  ```")
                out += [f"  {line}" for line in plan[:25]]
                out.append("  ```")
    if all(
        figures.values.get(name, 0) <= limit
        for name, limit in (("audit_changelist_p95_ms", 300), ("audit_search_p95_ms", 50))
    ):
        return out
    out.append(
        "- What-if, in-process only (the admin class patched in the benchmark's own process, "
        "no code changed), same database:"
    )
    for change, path, result in db.audit_what_if(some_id):
        out.append(
            f"    - {change}: {path} → {result['total_ms']:.0f} ms, SQL {result['sql_ms']:.0f} ms"
        )
    return out


if __name__ == "__main__":
    sys.exit(main())
