"""The capacity step's own logic (tests/bench/capacity.py), with no clock and no server: what
an agent sends for one customer, how customers arrive, how RevCent's time is taken out of a
request's, and which number of agents is tried next."""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

from tests.bench.capacity import (
    Http1,
    Sent,
    arrivals,
    attribute,
    capacity,
    customer_script,
    next_level,
    passes,
    union_s,
)
from tests.bench.harness import percentile


def test_a_customer_is_twelve_requests_with_a_panel_refresh_per_searched_field():
    steps = customer_script(7, random.Random(1))
    assert [step.kind for step in steps] == ["form"] + ["panel"] * 9 + ["create", "page"]
    assert steps[1].typed == ()  # the panel's load, before anything is typed
    typed = dict(steps[-2].typed)
    assert typed["first_name"] == "Cap" and typed["country"] == "USA"
    assert typed["email"].startswith("cap.7.") and typed["email"].endswith("@example.com")
    emails = [dict(step.typed).get("email", "") for step in steps[4:6]]
    assert emails[0] and emails[1].startswith(emails[0]) and emails[0] != emails[1]


def test_every_typed_pause_is_longer_than_htmx_typing_delay():
    for serial in range(50):
        steps = customer_script(serial, random.Random(serial))
        pauses = [step.think_s for step in steps if step.kind in ("panel", "create")][1:]
        assert len(pauses) == 9 and all(0.4 < pause < 1 for pause in pauses)


def test_no_two_customers_share_an_email_or_phone():
    rng = random.Random(3)
    last = [dict(customer_script(serial, rng)[-2].typed) for serial in range(1, 2001)]
    assert len({row["email"] for row in last}) == len({row["phone"] for row in last}) == 2000


def test_customers_arrive_at_the_asked_rate():
    # 300 agents at one customer a minute: 5 a second, so about 500 in 100 s.
    times = arrivals(5, 100, random.Random(11))
    assert 430 < len(times) < 570
    assert times == sorted(times) and times[0] > 0 and times[-1] < 100
    assert arrivals(5, 100, random.Random(11)) == times  # seeded: the same run twice


def test_calls_sent_together_are_one_wait():
    assert union_s([]) == 0
    assert union_s([(0.0, 0.2), (0.05, 0.25), (0.1, 0.15)]) == 0.25
    assert union_s([(1.0, 1.25), (0.0, 0.25)]) == 0.5  # one after another: both


def test_a_requests_app_time_is_its_time_minus_what_revcent_held():
    sent = [Sent("req-create", "create", 900.0), Sent("req-form", "form", 12.0)]
    held = [
        ("call-a", 10.0, 10.2),  # the gate's searches, together: 200 ms
        ("call-b", 10.0, 10.2),
        ("call-c", 10.25, 10.55),  # CreateCustomer: 300 ms
        ("call-d", 10.6, 10.8),  # CreateNote: 200 ms
        ("call-e", 50.0, 50.1),  # a request before the window: not one of `sent`
        ("call-f", 51.0, 51.1),  # no audit row
    ]
    rows = {f"call-{x}": "req-create" for x in "abcd"} | {"call-e": "req-earlier"}
    found = attribute(sent, held, rows)
    assert [round(ms, 6) for ms in found.app_ms] == [200.0, 12.0]
    assert [round(ms, 6) for ms in found.revcent_ms] == [700.0, 0.0]
    assert found.by_kind == {"create": [found.app_ms[0]], "form": [12.0]}
    assert found.calls_without_row == 1


def test_a_level_passes_on_the_p95_of_app_time_and_no_error():
    times = [10.0] * 94 + [250.0] * 6
    assert percentile(times, 95) == 250.0
    assert passes(times, 0)
    assert not passes(times, 1)
    assert not passes([10.0] * 90 + [251.0] * 10, 0)
    assert not passes([], 0)


def test_levels_go_up_by_a_step_then_halve_the_last_gap():
    tried: dict[int, bool] = {}
    limit = 430  # a server that carries up to 430 agents

    def following() -> int | None:
        return next_level(tried, start=100, step=100, ceiling=900)

    level = following()
    while level is not None:
        tried[level] = level <= limit
        level = following()
    assert sorted(tried) == [100, 200, 300, 400, 450, 500]
    assert capacity(tried) == 400


def test_a_first_level_that_fails_halves_down():
    tried = {100: False}
    assert next_level(tried, start=100, step=100, ceiling=900) == 50
    tried[50] = True
    assert next_level(tried, start=100, step=100, ceiling=900) is None
    assert capacity(tried) == 50


def test_the_ceiling_stops_a_server_that_carries_everyone():
    tried = dict.fromkeys(range(100, 901, 100), True)
    assert next_level(tried, start=100, step=100, ceiling=900) is None
    assert capacity(tried) == 900


def test_a_pass_above_a_failure_does_not_count():
    # On a noisy machine a higher level may pass after a lower one failed: not a capacity.
    assert capacity({100: True, 200: False, 250: True}) == 100
    assert capacity({100: False}) == 0


def _parse(raw: bytes):
    async def read():
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await Http1._read(reader)

    # In a thread of its own: a browser test earlier in this process leaves Playwright's
    # event loop running in the test thread, where asyncio.run() is refused.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def test_the_load_client_reads_a_sized_answer_and_keeps_the_connection():
    reply, keep = _parse(
        b"HTTP/1.1 302 Found\r\nLocation: /customers/abc/\r\nX-Request-ID: r1\r\n"
        b"Content-Length: 5\r\n\r\nhello"
    )
    assert (reply.status, reply.text, keep) == (302, "hello", True)
    assert reply.headers["location"] == "/customers/abc/"
    assert reply.headers["x-request-id"] == "r1"


def test_the_load_client_reads_a_chunked_answer_and_a_closing_one():
    reply, keep = _parse(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"4\r\nsumm\r\n3;x=y\r\nary\r\n0\r\n\r\n"
    )
    assert (reply.status, reply.text, keep) == (200, "summary", False)
