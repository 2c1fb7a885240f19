"""The team overview's figures, with what is final kept in the cache.

The trail is append-only and a completed row never changes (chain.py), so the figures of
days that are over, and whose rows are all completed, are final: they are computed once and
cached. Today is cut the same way at the last minute that is surely over: its part before
the cut is cached, each minute's made from the minute before's and one minute of rows, and
only the rows since are read per view. The
parts are added up table by table (today's percentiles from counts of each duration, which
do add up); each count still links to the audit list of exactly its rows, for the whole
period. What is not read from the trail (the median submit → verified time) changes after
the fact and is always read afresh.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from customers.audit.durations import (
    Histogram,
    added_histograms,
    durations_histogram,
    durations_of_histogram,
    durations_table,
)
from customers.audit.figures import agent_medians, all_figures, with_medians
from customers.audit.overview import Cell, Scope, Table, day_start

CACHE_SECONDS = 7 * 24 * 3600
GENERATION_KEY = "overview:kept-generation"
# Today is kept in slices: the part that is over, to the last SLICE boundary, is kept, made
# from the one before it and the rows of one slice; only the rows since are counted per view.
# Only the latest slices are ever read again, so they are kept for minutes, not days.
SLICE = timedelta(minutes=1)
SLICE_SECONDS = 10 * 60
# Tables with a row per day: their links are the day's, whichever part it is in.
PER_DAY = frozenset({"created", "failures", "durations"})
# Safety rows in the page's order (the refused inputs, sorted, between the first two).
_SAFETY_ORDER = ["Card numbers refused", "Card number refused in ", "Caller check failed: w"]
_SAFETY_ORDER += ["Caller check failed: l", "Card links sent", "Card links used"]
_SAFETY_ORDER += ["Card links expired"]


def settle_after() -> timedelta:
    """How long after a day's end its rows are surely all written and completed: a call's
    row is written when its call starts and completed within REVCENT_TIMEOUT_SECONDS, and a
    minute covers the app servers' clocks (kept by NTP to milliseconds)."""
    return timedelta(seconds=settings.REVCENT_TIMEOUT_SECONDS) + timedelta(minutes=1)


def settled_until(now: datetime) -> datetime:
    """The moment before which every row is written and final, on a SLICE boundary: the
    part of today before it is kept in the cache too, so only the last minutes are read."""
    moment = (now - settle_after()).timestamp()
    return datetime.fromtimestamp(moment - moment % SLICE.total_seconds(), tz=UTC)


def overview_figures(scope: Scope, *, now: datetime) -> dict[str, Table]:
    """all_figures(scope), with what is final from the cache (equal by construction; a test
    compares the two): the settled days, then the part of the open days (today) that is
    over. Only the rows after settled_until(now) are counted afresh; today's durations are
    added up as counts of each value, from which its percentiles are taken."""
    last_settled = scope.last_day
    while last_settled >= scope.first_day and (
        day_start(last_settled, scope.zone) + timedelta(days=1) + settle_after() > now
    ):
        last_settled -= timedelta(days=1)
    parts: list[tuple[Scope, dict[str, Table]]] = []
    generation = kept_generation()
    if last_settled >= scope.first_day:
        days = replace(scope, last_day=last_settled)
        parts.append((days, _cached_figures(days, generation)[0]))
    if last_settled < scope.last_day:
        open_days = replace(scope, first_day=last_settled + timedelta(days=1))
        whole_days = open_days
        histogram: Histogram = {}
        cut = settled_until(now)
        if cut > open_days.start:
            over = replace(open_days, until=cut)
            tables, histogram = _cached_figures(over, generation)
            parts.append((over, tables))
            open_days = replace(open_days, since=cut)
        fresh = all_figures(open_days, without="durations")
        histogram = added_histograms(histogram, durations_histogram(open_days))
        fresh["durations"] = durations_table(whole_days, durations_of_histogram(histogram))
        parts.append((open_days, fresh))
    tables = _added(parts, whole=scope)
    return _refreshed(tables, scope)


def kept_generation() -> str:
    """The kept figures' generation: forget_kept() starts a new one, leaving the old
    entries to expire unread. Random, so a generation lost from the cache is never reused."""
    return str(cache.get_or_set(GENERATION_KEY, lambda: secrets.token_hex(6), None))


def forget_kept() -> None:
    """Drop every kept figure (manage.py overview_check): the next views count afresh."""
    cache.set(GENERATION_KEY, secrets.token_hex(6), None)


def kept_key(part: Scope, generation: str) -> str:
    # v3: parts of a day, and the card links' rows counted from the trail (v1's were not).
    return f"overview:settled:v3:{generation}:" + urlencode(
        {"zone": str(part.zone), "first": part.first_day, "last": part.last_day}
        | {"user": part.user_id or "", "channel": part.channel}
        | {"until": part.until.isoformat() if part.until else ""}
    )


def _cached_figures(part: Scope, generation: str) -> tuple[dict[str, Table], Histogram]:
    """all_figures(part) for a part whose rows are all written, from the cache once its
    rows are all completed too. A part of a day has its durations as a histogram instead,
    to be added to the rest of the day's."""
    key = kept_key(part, generation)
    found: tuple[dict[str, Table], Histogram] | None = cache.get(key)
    if found is None:
        whole_days = part.until is None
        found = (all_figures(part), {}) if whole_days else _slice_figures(part, generation)
        open_rows = part.rows().filter(completed_at__isnull=True).exists()
        if not open_rows:  # a row still open may yet change its outcome: not final
            cache.set(key, found, CACHE_SECONDS if part.until is None else SLICE_SECONDS)
    return found


def _slice_figures(part: Scope, generation: str) -> tuple[dict[str, Table], Histogram]:
    """A day up to part.until: the part up to one SLICE before, if it is kept, and the rows
    of the last slice; else the whole part counted. Its durations come as a histogram."""
    assert part.until is not None  # a part of a day
    earlier = replace(part, until=part.until - SLICE)
    kept = cache.get(kept_key(earlier, generation)) if earlier.end > part.start else None
    newest = part if kept is None else replace(part, since=earlier.end)
    tables = all_figures(newest, without="durations")
    tables["durations"] = durations_table(part, {})
    histogram = durations_histogram(newest)
    if kept is None:
        return tables, histogram
    kept_tables, kept_histogram = kept
    added = _added([(earlier, kept_tables), (newest, tables)], whole=part)
    return added, added_histograms(kept_histogram, histogram)


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


def _added(parts: list[tuple[Scope, dict[str, Table]]], *, whole: Scope) -> dict[str, Table]:
    """The parts' tables added up row by row, with each link over a part made a link over
    the whole period (a day's own links are whole days already)."""
    scopes = tuple(part for part, _ in parts)
    out: dict[str, Table] = {}
    for slug in parts[0][1]:
        tables = [
            t if slug in PER_DAY else _widened(t, scopes, whole)
            for t in (figures[slug] for _, figures in parts)
        ]
        rows = dict(tables[0].rows)
        for table in tables[1:]:
            for label, cells in table.rows:
                rows[label] = (
                    [_sum(x, y) for x, y in zip(rows[label], cells, strict=True)]
                    if label in rows
                    else cells
                )
        out[slug] = replace(tables[0], rows=sorted(rows.items(), key=_order(slug)))
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
