"""The team overview's scope and table shapes: which rows a figure counts, and the audit-list
address that opens exactly those rows.

Every figure on the page (customers/audit/figures.py) is a count of AuditEntry rows that the
audit list's own filters can select again: the list's field filters (kind, operation,
outcome, channel, user, the created_at range) and its few filters of our own (admin.py,
filters.py). So a number and the list it opens always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.urls import reverse

from customers.models import AuditEntry, Channel

PERIOD_DAYS = {"today": 1, "7d": 7, "30d": 30}
# The longest from–to range the page draws (a day per bar).
MAX_DAYS = 92


def day_start(day: date, zone: tzinfo) -> datetime:
    """Midnight of `day` in `zone` (the viewer's), as an aware moment."""
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True)
class Scope:
    """The rows a viewer asked about: whole days in their time zone, optionally one user
    and one way in."""

    first_day: date
    last_day: date  # inclusive
    zone: tzinfo
    user_id: int | None = None
    channel: str = ""
    # A part of the days only, from or until a moment (settled.py reads the part of today
    # that is over from the cache): its rows, while its days and their links stay whole.
    since: datetime | None = None
    until: datetime | None = None

    @property
    def start(self) -> datetime:
        start = day_start(self.first_day, self.zone)
        return start if self.since is None else max(start, self.since)

    @property
    def end(self) -> datetime:
        end = day_start(self.last_day + timedelta(days=1), self.zone)
        return end if self.until is None else min(end, self.until)

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def one_day(self, day: date) -> Scope:
        """The whole of one day (a day's links open all of its rows, whichever part)."""
        return replace(self, first_day=day, last_day=day, since=None, until=None)

    def for_user(self, user_id: int | None) -> Scope:
        return replace(self, user_id=user_id)

    def rows(self) -> QuerySet[AuditEntry]:
        rows = AuditEntry.objects.filter(created_at__gte=self.start, created_at__lt=self.end)
        if self.user_id is not None:
            rows = rows.filter(user_id=self.user_id)
        if self.channel:
            rows = rows.filter(channel=self.channel)
        return rows

    def list_params(self) -> dict[str, str]:
        """The audit list's query string for rows(): the same filters, as its filters read."""
        params = {
            "created_at__gte": self.start.isoformat(),
            "created_at__lt": self.end.isoformat(),
        }
        if self.user_id is not None:
            params["user__id__exact"] = str(self.user_id)
        if self.channel:
            params["channel__exact"] = self.channel
        return params

    def list_url(self, **filters: str) -> str:
        """The audit list showing rows().filter(...) for these list filters, e.g.
        operation__exact="CreateCustomer"."""
        query = urlencode({**self.list_params(), **filters})
        return f"{reverse('admin:customers_auditentry_changelist')}?{query}"


def last_days(days: int, *, zone_name: str, now: datetime) -> Scope:
    """The last `days` whole days, today included, in the named zone (everyone, every way
    in): what the digest sends and overview_check checks."""
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    return Scope(first_day=today - timedelta(days=days - 1), last_day=today, zone=zone)


def scope_for(
    *,
    period: str,
    today: date,
    zone: tzinfo,
    start: date | None = None,
    end: date | None = None,
    user_id: int | None = None,
    channel: str = "",
) -> Scope:
    """The scope of a period ("today", "7d", "30d" or "range" with start and end dates)
    ending today in the viewer's zone."""
    if period == "range" and start is not None and end is not None:
        first, last = min(start, end), max(start, end)
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
    else:
        first, last = today - timedelta(days=PERIOD_DAYS.get(period, 7) - 1), today
    if channel not in Channel.values:
        channel = ""
    return Scope(first_day=first, last_day=last, zone=zone, user_id=user_id, channel=channel)


@dataclass(frozen=True)
class Cell:
    """One number on the page and the audit list of the rows it counts ("" if none)."""

    value: int | str
    url: str = ""


@dataclass(frozen=True)
class Table:
    """A figure as a table: the screen reader's view of a chart, and its CSV."""

    slug: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    note: str = ""

    def as_csv_rows(self) -> list[list[str]]:
        return [self.columns] + [
            [label, *(str(cell.value) for cell in cells)] for label, cells in self.rows
        ]

    def column(self, name: str) -> list[Cell]:
        index = self.columns.index(name) - 1
        return [cells[index] for _, cells in self.rows]

    def leaders(self, column: str) -> list[tuple[str, Cell]]:
        """The rows with the column's highest count (above 0), ties together: the lead's
        "who overrode the gate most" without reading down a table of every agent."""
        index = self.columns.index(column) - 1
        counts = {
            label: cells[index].value
            for label, cells in self.rows
            if isinstance(cells[index].value, int)
        }
        top = max((n for n in counts.values() if isinstance(n, int)), default=0)
        return [
            (label, cells[index])
            for label, cells in self.rows
            if top > 0 and counts.get(label) == top
        ]

    def cell(self, row: str, column: str) -> Cell:
        index = self.columns.index(column) - 1
        return next(cells[index] for label, cells in self.rows if label == row)
