"""Hypothesis profiles: a quick pass while developing, the full search in CI.

HYPOTHESIS_PROFILE=ci (set by .ci/run) runs every property test with the examples it asks
for through `examples(n)`; the default, "dev", runs a tenth of them. An unknown profile
name fails the run. Neither profile has a deadline: a slow machine must not fail a test.
"""

from __future__ import annotations

import os

from hypothesis import settings

# No example database: a run depends only on its seed, not on what earlier runs found.
settings.register_profile("ci", deadline=None, database=None)
settings.register_profile("dev", deadline=None, database=None, max_examples=10)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """How many examples a property test runs: `ci` in CI, a tenth (at least 5) otherwise."""
    return ci if PROFILE == "ci" else max(5, ci // 10)
