"""Scaling figures: the audit chain's ceiling, and two app servers on one PostgreSQL + Redis."""

from __future__ import annotations

import re
import threading
import time

from tests.bench.harness import Agent, BenchError, create_form, log, unique
from tests.bench.phases import HTMX, PANEL, Figures, _new_form

# What one agent asks of the chain: a customer a minute (2 gate searches, CreateCustomer,
# CreateNote, GetCustomer) and about ten live panel refreshes with a fresh search while typing.
COMPLETIONS_PER_AGENT_MINUTE = 15


def chain_completions(figures: Figures, *, writers: int = 16, seconds: float = 8) -> None:
    """Open and complete audit rows (the app's own writer, as every API call does) from
    `writers` threads at once, in this process, on the bench's PostgreSQL."""
    from django.db import connection

    from customers.audit import Actor, api_call_completed, api_call_started
    from customers.models import AuditEntry

    done = [0] * writers
    stop_at = time.monotonic() + seconds
    errors: list[str] = []

    def writer(index: int) -> None:
        try:
            while time.monotonic() < stop_at:
                entry = api_call_started(
                    operation=AuditEntry.Operation.SEARCH_CUSTOMERS,
                    http_method="POST",
                    path="/v2/customers/search",
                    actor=Actor(name=f"bench-chain-{index}"),
                    sandbox=False,
                )
                api_call_completed(
                    entry,
                    outcome=AuditEntry.Outcome.OK,
                    duration_ms=1,
                    http_status=200,
                    revcent_code=1,
                    api_call_id=unique("chain")[:20],
                )
                done[index] += 1
        except Exception as exc:  # reported, not fatal
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    start = time.monotonic()
    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.monotonic() - start
    if errors:
        raise BenchError(f"chain writers failed: {errors[:3]}")
    rate = sum(done) / elapsed
    agents = rate * 60 / COMPLETIONS_PER_AGENT_MINUTE
    figures.values["chain_completions_per_s"] = round(rate, 0)
    figures.detail["chain_completions_per_s"] = (
        f"{sum(done)} rows opened and completed (chained) by {writers} threads in "
        f"{elapsed:.1f} s, the app's own audit writer; at {COMPLETIONS_PER_AGENT_MINUTE} "
        f"completions per agent-minute (a customer a minute and ~10 panel searches) the chain "
        f"carries about {agents:,.0f} agents working at once"
    )
    log(f"chain: {figures.detail['chain_completions_per_s']}")


def rate_limit_shared(a: Agent, b: Agent, figures: Figures, *, limit: int) -> None:
    """One agent's panel refreshes, alternating between two servers, inside one minute: the
    first `limit` are searched, every later one gets the notice."""
    if time.time() % 60 > 45:  # the limit counts per clock minute: start in a fresh one
        time.sleep(61 - time.time() % 60)
    key, campaign = _new_form(a)
    answers = []
    for index in range(2 * limit):
        agent = a if index % 2 == 0 else b
        body = create_form(
            key=key,
            campaign=campaign,
            email=f"{unique('limit-')}@example.com",
            first_name="Bench",
            last_name="Limit",
        )
        response = agent.post(PANEL, body, headers=HTMX)
        if response.status_code != 200:
            raise BenchError(f"panel answered {response.status_code}")
        answers.append("searching faster" in response.text)
    limited = [i for i, was in enumerate(answers) if was]
    shared = limited == list(range(limit, 2 * limit))
    figures.values["two_servers_rate_limit_shared"] = shared
    figures.detail["two_servers_rate_limit_shared"] = (
        f"DUPLICATE_SEARCHES_PER_MINUTE={limit} on both servers; {2 * limit} refreshes by one "
        f"agent alternating between them within one minute: {2 * limit - len(limited)} "
        f"searched, {len(limited)} told to slow down" + ("" if shared else f" (limited: {limited})")
    )
    log(f"rate limit: {figures.detail['two_servers_rate_limit_shared']}")


_VERIFIED = re.compile(r"(\d+) audit entries verified")


def audit_verdict(
    figures: Figures, match: dict[str, object], verify_output: str, workflows: int
) -> None:
    found = _VERIFIED.search(verify_output)
    verified = found is not None
    figures.values["two_servers_audit_match"] = bool(match["match"]) and verified
    figures.detail["two_servers_audit_match"] = (
        f"{workflows} workflows over two gunicorn servers; {match['audit_rows']} API-call audit "
        f"rows, {match['upstream_calls']} calls recorded by the stand-in; calls without a row: "
        f"{match['calls_without_row']}, rows without a call: {match['rows_without_call']}; "
        + (
            f"verify_audit_log: {found.group(1)} entries verified (the whole trail so far)"
            if found
            else f"verify_audit_log FAILED: {verify_output.strip()[-300:]}"
        )
    )
    log(f"two servers: {figures.detail['two_servers_audit_match']}")
