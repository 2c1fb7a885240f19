"""The bench subtracts the stand-in's latency once per upstream wait: calls sent together are
one wait, calls one after another are one each (tests/bench/waits.py)."""

from __future__ import annotations

from tests.bench.waits import WaitCounter


def test_a_create_sits_through_four_waits():
    waits = WaitCounter()
    for _ in range(3):  # the gate's searches, sent together
        waits.arrive()
    for _ in range(3):
        waits.leave()
    for _call in ("CreateCustomer", "CreateNote", "GetCustomer"):
        waits.arrive()
        waits.leave()
    assert waits.rounds == 4


def test_a_call_that_starts_before_the_last_one_ends_shares_its_wait():
    waits = WaitCounter()
    waits.arrive()
    waits.arrive()
    waits.leave()
    waits.arrive()  # the first is still in flight
    waits.leave()
    waits.leave()
    assert waits.rounds == 1
    waits.arrive()
    waits.leave()
    assert waits.rounds == 2
