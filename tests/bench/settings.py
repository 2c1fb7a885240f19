"""Settings for the benchmark's app servers: production settings, plus a bare view.

Everything else comes from the environment exactly as in production (DEBUG off, PostgreSQL,
Redis, WhiteNoise with the hashed static manifest). The few overrides are listed here and in
docs/performance.md.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from supportdesk.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"

# collectstatic writes here (a temporary folder made by run.sh), not into the work tree.
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", "/tmp/supportdesk-bench-static"))

# The benchmark speaks plain HTTP on loopback (no TLS proxy in front), and Python's cookie
# jar never sends a Secure cookie over http. So cookies are not marked Secure here, and
# therefore cannot carry the __Host- prefix either. This changes no server-side work.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"


class RandomLatencyMs(int):
    """A sandbox latency drawn per call from [low, high] ms.

    The sandbox sleeps `REVCENT_SANDBOX_LATENCY_MS / 1000` seconds per call; the app has
    no latency range setting, so the division draws the value. Anything that reads it as a
    plain number sees the middle of the range.
    """

    low: int
    high: int

    def __new__(cls, low: int, high: int) -> RandomLatencyMs:
        value = super().__new__(cls, (low + high) // 2)
        value.low, value.high = low, high
        return value

    def __truediv__(self, other):
        return random.uniform(self.low, self.high) / other


_range = os.environ.get("BENCH_SANDBOX_LATENCY_RANGE_MS", "")
if _range:
    _low, _high = (int(part) for part in _range.split("-", 1))
    REVCENT_SANDBOX_LATENCY_MS = RandomLatencyMs(_low, _high)

if os.environ.get("BENCH_TIMING") == "1":
    # Diagnosis only: a Server-Timing header with the time spent in each step.
    MIDDLEWARE = ["tests.bench.timing.ServerTimingMiddleware", *MIDDLEWARE]  # noqa: F405

_standin_url = os.environ.get("BENCH_STANDIN_DATABASE_URL", "")
if _standin_url:
    # RevCent's stand-in keeps its customers and call log in a PostgreSQL server of its own
    # (tests/bench/run.sh), as RevCent has its own database: the searches it runs over
    # thousands of customers are RevCent's work, and so stay out of the CPU the bench
    # counts for the app's PostgreSQL. Every process routes the sandbox's models there.
    # The default database's connection settings (production's), at the stand-in's address.
    DATABASES["standin"] = {**DATABASES["default"], **env.db_url_config(_standin_url)}  # noqa: F405
    DATABASE_ROUTERS = ["tests.bench.router.StandInRouter"]
