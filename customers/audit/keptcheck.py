"""The overview's kept figures checked against the trail (manage.py overview_check).

The page adds up figures kept in the cache (settled.py) with today's rows; by construction they
equal the trail's. This check counts the same figures straight from the trail for the zones the
team reads in, and names any cell that differs, so a bug or a tampered cache cannot go unseen.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from customers.audit.figures import all_figures
from customers.audit.overview import Cell, Scope, last_days
from customers.audit.settled import overview_figures
from customers.team.timezones import TimeZonePreference


def team_zones() -> list[str]:
    """TIME_ZONE and every zone a person chose: the zones the kept figures are cut in."""
    chosen = TimeZonePreference.objects.values_list("time_zone", flat=True).distinct()
    return sorted({settings.TIME_ZONE, *chosen})


def kept_differences(scope: Scope, *, now: datetime) -> list[str]:
    """Each row whose figures on the page differ from the trail's, as "table, row: …"."""
    page, trail = overview_figures(scope, now=now), all_figures(scope)
    found = []
    for slug, counted in trail.items():
        shown = page[slug]
        if shown == counted:
            continue
        shown_rows, counted_rows = dict(shown.rows), dict(counted.rows)
        for label in sorted(shown_rows.keys() | counted_rows.keys()):
            if shown_rows.get(label) != counted_rows.get(label):
                found.append(
                    f"{counted.title}, {label}: the page shows "
                    f"{_values(shown_rows.get(label))}, the trail holds "
                    f"{_values(counted_rows.get(label))}"
                )
    return found


def _values(cells: list[Cell] | None) -> str:
    return "no row" if cells is None else ", ".join(str(cell.value) for cell in cells)


def check_kept(*, days: int, now: datetime) -> tuple[int, list[str]]:
    """The last `days` days, everyone and every way in, in each team zone: how many scopes
    were checked, and the differences found (zone first)."""
    differences = []
    zones = team_zones()
    for name in zones:
        scope = last_days(days, zone_name=name, now=now)
        differences += [f"{name}: {found}" for found in kept_differences(scope, now=now)]
    return len(zones), differences
