"""The card scanner's work grows in proportion to the text (issue 23): for each adversarial
shape, scanning 4 times as much text takes at most 5 times as many steps.

A step is a line of the scanner's modules (customers/card{scan,text,runs,shapes}.py) run,
or a jump back in one of their loops (so a loop written on one line, such as
any(... for ...), counts each time round), counted with sys.monitoring, so the figure is
the same on every machine and run; no test here reads a clock. The larger text gets a
budget of 5 times the smaller one's count and is stopped as soon as it spends it, so a
quadratic scanner fails in seconds instead of running for minutes (the scanner before
issue 23 failed 7 of these shapes).
"""

from __future__ import annotations

import sys
from types import CodeType

import pytest

from customers.cardguard import runs as cardruns
from customers.cardguard import scan as cardscan
from customers.cardguard import shapes as cardshapes
from customers.cardguard import text as cardtext
from customers.cardguard.guard import redact_card_numbers
from tests.cardguard.corpus.adversarial import SHAPES, repeated

RATIO_MAX = 5
_FILES = {module.__file__ for module in (cardruns, cardscan, cardshapes, cardtext)}
_MONITORING = sys.monitoring
_EVENTS = (_MONITORING.events.LINE, _MONITORING.events.JUMP)


class _OverBudget(Exception):
    pass


class _LineCounter:
    """Counts the scanner's lines run while active; raises _OverBudget past budget."""

    def __init__(self, budget: int | None = None) -> None:
        self.count = 0
        self.budget = budget
        self.tool = next(t for t in range(6) if _MONITORING.get_tool(t) is None)

    def __enter__(self) -> _LineCounter:
        _MONITORING.use_tool_id(self.tool, "card scan line counter")
        for event in _EVENTS:
            _MONITORING.register_callback(self.tool, event, self._step)
        _MONITORING.set_events(self.tool, _EVENTS[0] | _EVENTS[1])
        return self

    def __exit__(self, *exc: object) -> None:
        _MONITORING.set_events(self.tool, 0)
        for event in _EVENTS:
            _MONITORING.register_callback(self.tool, event, None)
        _MONITORING.free_tool_id(self.tool)
        _MONITORING.restart_events()  # lines disabled for this tool count again next time

    def _step(self, code: CodeType, *where: int) -> object:
        if code.co_filename not in _FILES:
            return _MONITORING.DISABLE  # other code: not asked about this line again
        self.count += 1
        if self.budget is not None and self.count > self.budget:
            self.budget = None  # the exception's own unwinding must not raise again
            raise _OverBudget
        return None


def _count(text: str, budget: int | None = None) -> int:
    with _LineCounter(budget) as counter:
        redact_card_numbers(text)
    return counter.count


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_scanning_64_kb_takes_at_most_5_times_the_steps_of_16_kb(shape):
    make = SHAPES[shape]
    small = _count(make(16 * 1024))
    try:
        large = _count(make(64 * 1024), budget=RATIO_MAX * small)
    except _OverBudget:
        pytest.fail(f"{shape}: 64 KB took more than {RATIO_MAX} times the steps of 16 KB")
    print(f"{shape}: {large / small:.2f}")
    assert large <= RATIO_MAX * small


def test_a_400_kb_address_line_takes_at_most_5_times_the_steps_of_100_kb():
    def line(n: int) -> str:
        return repeated("Flat 4, 12 Main St 4111 1111 2024-12-30 ", n)

    small = _count(line(100 * 1024))
    try:
        large = _count(line(400 * 1024), budget=RATIO_MAX * small)
    except _OverBudget:
        pytest.fail(f"400 KB took more than {RATIO_MAX} times the steps of 100 KB")
    assert large <= RATIO_MAX * small


def test_the_counter_sees_the_scanner_work():
    assert _count("4111 1111 1111 1111") > _count("no digits here") > 0
