"""Counting the upstream waits a caller sat through one after another (used by standin.py).

A call that arrives while no other call is in flight starts a new wait; calls sent together
(the create's concurrent gate searches) overlap and so are one wait. For one agent working
alone this is the number of times its request stood waiting on RevCent, which the bench
multiplies by the stand-in's fixed latency and subtracts.
"""

from __future__ import annotations

import threading


class WaitCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.rounds = 0

    def arrive(self) -> None:
        with self._lock:
            if self._in_flight == 0:
                self.rounds += 1
            self._in_flight += 1

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1
