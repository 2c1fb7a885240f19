"""`make bench`: the performance benchmark of issue #8 (not part of `make test`).

Entry point: tests/bench/run.sh, which starts PostgreSQL and Redis on loopback and runs
`python -m tests.bench`. No file here is named test_*.py, so pytest collects nothing.
"""

from __future__ import annotations
