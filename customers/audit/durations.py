"""The team overview's durations: p50 and p95 of RevCent calls per operation per day, in
the reader's time zone. Nearest-rank percentiles of the calls with a recorded duration; on
PostgreSQL computed by the database (percentile_disc), elsewhere in Python (the plain
version, which a test compares with PostgreSQL's)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

from django.db import connection
from django.db.models import Aggregate, Count, IntegerField, QuerySet
from django.db.models.functions import TruncDate

from customers.audit.overview import Cell, Scope, Table
from customers.models import AuditEntry

API_CALL = AuditEntry.Kind.API_CALL


def _percentile(values: list[int], p: int) -> int:
    """Nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


class PercentileDisc(Aggregate):
    """PostgreSQL's percentile_disc(fraction) WITHIN GROUP (ORDER BY x): the nearest-rank
    percentile, as _percentile takes it, of the non-null values."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()

    def __init__(self, expression: str, *, fraction: float) -> None:
        super().__init__(expression, fraction=float(fraction))


# (day, operation) -> (calls, p50, p95); the percentiles None when no call has a duration.
Durations = dict[tuple[date, str], tuple[int, int | None, int | None]]


def _api_calls(scope: Scope) -> QuerySet[AuditEntry]:
    return scope.rows().filter(kind=API_CALL).order_by()


def _local_day(scope: Scope) -> TruncDate:
    return TruncDate("created_at", tzinfo=scope.zone)


def durations_in_python(scope: Scope) -> Durations:
    """Every duration read and sorted here: the plain version (and SQLite's)."""
    found: dict[tuple[date, str], list[int | None]] = defaultdict(list)
    rows = (
        _api_calls(scope)
        .annotate(day=_local_day(scope))
        .values_list("day", "operation", "duration_ms")
    )
    for day, op, ms in rows.iterator(chunk_size=5000):
        found[(day, op)].append(ms)
    out: Durations = {}
    for key, values in found.items():
        timed = sorted(ms for ms in values if ms is not None)
        p50, p95 = (_percentile(timed, 50), _percentile(timed, 95)) if timed else (None, None)
        out[key] = (len(values), p50, p95)
    return out


def durations_in_postgresql(scope: Scope) -> Durations:
    """The same figures computed by PostgreSQL: a row per day and operation comes back
    instead of every call's (300,000 rows for 30 days at a million-row trail)."""
    rows = (
        _api_calls(scope)
        .annotate(day=_local_day(scope))
        .values("day", "operation")
        .annotate(
            n=Count("id"),
            p50=PercentileDisc("duration_ms", fraction=0.5),
            p95=PercentileDisc("duration_ms", fraction=0.95),
        )
    )
    return {(r["day"], r["operation"]): (r["n"], r["p50"], r["p95"]) for r in rows}


# (day, operation) -> {duration in ms or None: calls}: what the percentiles are taken from,
# in a form that adds up, so the part of today that is over can be kept (settled.py).
Histogram = dict[tuple[date, str], Counter[int | None]]


def durations_histogram(scope: Scope) -> Histogram:
    rows = (
        _api_calls(scope)
        .annotate(day=_local_day(scope))
        .values_list("day", "operation", "duration_ms")
        .annotate(n=Count("id"))
    )
    found: Histogram = defaultdict(Counter)
    for day, op, ms, n in rows:
        found[(day, op)][ms] += n
    return dict(found)


def added_histograms(a: Histogram, b: Histogram) -> Histogram:
    return {key: a.get(key, Counter()) + b.get(key, Counter()) for key in a.keys() | b.keys()}


def durations_of_histogram(histogram: Histogram) -> Durations:
    """The figures durations_in_python takes, from counts of each duration."""
    out: Durations = {}
    for key, counts in histogram.items():
        timed = sorted((ms, n) for ms, n in counts.items() if ms is not None)
        total = sum(n for _, n in timed)
        out[key] = (sum(counts.values()), _ranked(timed, total, 50), _ranked(timed, total, 95))
    return out


def _ranked(timed: list[tuple[int, int]], total: int, p: int) -> int | None:
    """_percentile over the values as (value, how many) pairs, sorted."""
    rank, seen = max(1, math.ceil(p / 100 * total)), 0
    for ms, n in timed:
        seen += n
        if seen >= rank:
            return ms
    return None


def durations_per_day(scope: Scope) -> Table:
    if connection.vendor == "postgresql":
        found = durations_in_postgresql(scope)
    else:
        found = durations_in_python(scope)
    return durations_table(scope, found)


def durations_table(scope: Scope, found: Durations) -> Table:
    table = Table(
        "durations",
        "RevCent call duration per operation per day",
        ["Day and operation", "Calls", "p50 (ms)", "p95 (ms)"],
        note="Percentiles are of the calls with a recorded duration (nearest rank).",
    )
    for day, op in sorted(found):
        calls, p50, p95 = found[(day, op)]
        link = scope.one_day(day).list_url(kind__exact=API_CALL.value, operation__exact=op)
        cells = [
            Cell(calls, link),
            Cell("—" if p50 is None else p50),
            Cell("—" if p95 is None else p95),
        ]
        table.rows.append((f"{day.isoformat()} {op}", cells))
    return table
