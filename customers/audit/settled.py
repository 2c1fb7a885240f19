"""The team overview's figures, with the settled days' part kept in the cache.

The trail is append-only and a completed row never changes (chain.py), so the figures of
days that are over, and whose rows are all completed, are final: they are computed once and
cached, and only the days still open (today) are read afresh. The two parts are added up
table by table; each count still links to the audit list of exactly its rows, for the whole
period. What is not read from the trail (the median submit → verified time) changes after
the fact and is always read afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from customers.audit.figures import agent_medians, all_figures, with_medians
from customers.audit.overview import Cell, Scope, Table, day_start

CACHE_SECONDS = 7 * 24 * 3600
# Tables with a row per day: their links are the day's, whichever part it is in.
PER_DAY = frozenset({"created", "failures", "durations"})
# Safety rows in the page's order (the refused inputs, sorted, between the first two).
_SAFETY_ORDER = ["Card numbers refused", "Card number refused in ", "Caller check failed: w"]
_SAFETY_ORDER += ["Caller check failed: l", "Card links sent", "Card links used"]
_SAFETY_ORDER += ["Card links expired"]


def settle_after() -> timedelta:
    """How long after a day's end its rows are surely all written and completed: a call's
    row is completed within REVCENT_TIMEOUT_SECONDS, and a few minutes cover the clocks."""
    return timedelta(seconds=settings.REVCENT_TIMEOUT_SECONDS) + timedelta(minutes=5)


def overview_figures(scope: Scope, *, now: datetime) -> dict[str, Table]:
    """all_figures(scope), the settled days from the cache (equal by construction; a test
    compares the two)."""
    last_settled = scope.last_day
    while last_settled >= scope.first_day and (
        day_start(last_settled, scope.zone) + timedelta(days=1) + settle_after() > now
    ):
        last_settled -= timedelta(days=1)
    if last_settled < scope.first_day:
        return all_figures(scope, now=now)
    settled = replace(scope, last_day=last_settled)
    tables = _settled_figures(settled, now=now)
    if last_settled < scope.last_day:
        fresh = replace(scope, first_day=last_settled + timedelta(days=1))
        tables = _added(tables, all_figures(fresh, now=now), parts=(settled, fresh), whole=scope)
    else:
        tables = {
            slug: t if slug in PER_DAY else _widened(t, (settled,), scope)
            for slug, t in tables.items()
        }
    return _refreshed(tables, scope)


def _settled_figures(settled: Scope, *, now: datetime) -> dict[str, Table]:
    # v2: the card links' rows are counts of the trail's, with links (v1's were not).
    key = "overview:settled:v2:" + urlencode(
        {"zone": str(settled.zone), "first": settled.first_day, "last": settled.last_day}
        | {"user": settled.user_id or "", "channel": settled.channel}
    )
    tables: dict[str, Table] | None = cache.get(key)
    if tables is None:
        tables = all_figures(settled, now=now)
        open_rows = settled.rows().filter(completed_at__isnull=True).exists()
        if not open_rows:  # a row still open may yet change its outcome: not final
            cache.set(key, tables, CACHE_SECONDS)
    return tables


def _range_query(part: Scope) -> str:
    return urlencode(
        {"created_at__gte": part.start.isoformat(), "created_at__lt": part.end.isoformat()}
    )


def _widened(table: Table, parts: tuple[Scope, ...], whole: Scope) -> Table:
    """The table with each link over a part's whole range made a link over the whole
    period's (a day's own links stay as they are)."""
    whole_range = _range_query(whole)
    ranges = [_range_query(part) for part in parts]

    def widen(cell: Cell) -> Cell:
        url = cell.url
        for part_range in ranges:
            url = url.replace(part_range, whole_range)
        return Cell(cell.value, url)

    rows = [(label, [widen(cell) for cell in cells]) for label, cells in table.rows]
    return replace(table, rows=rows)


def _sum(a: Cell, b: Cell) -> Cell:
    if isinstance(a.value, int) and isinstance(b.value, int):
        return Cell(a.value + b.value, a.url or b.url)
    return a


def _added(
    first: dict[str, Table], second: dict[str, Table], *, parts: tuple[Scope, ...], whole: Scope
) -> dict[str, Table]:
    out = {}
    for slug, table in first.items():
        a, b = table, second[slug]
        if slug not in PER_DAY:
            a, b = _widened(a, parts, whole), _widened(b, parts, whole)
        rows = dict(a.rows)
        for label, cells in b.rows:
            rows[label] = (
                [_sum(x, y) for x, y in zip(rows[label], cells, strict=True)]
                if label in rows
                else cells
            )
        out[slug] = replace(a, rows=sorted(rows.items(), key=_order(slug)))
    return out


def _order(slug: str) -> Callable[[tuple[str, list[Cell]]], tuple[int, str]]:
    """The sort key of a table's rows, as figures.py orders them."""

    def key(row: tuple[str, list[Cell]]) -> tuple[int, str]:
        label = row[0]
        if slug == "safety":
            return next(i for i, s in enumerate(_SAFETY_ORDER) if label.startswith(s)), label
        return 0, label.casefold() if slug in ("gate", "agents") else label

    return key


def _refreshed(tables: dict[str, Table], scope: Scope) -> dict[str, Table]:
    """What is not read from the trail, read afresh for the whole period."""
    agents = replace(tables["agents"], rows=list(tables["agents"].rows))
    with_medians(agents, agent_medians(scope))
    agents.rows.sort(key=lambda row: row[0].casefold())
    return tables | {"agents": agents}
