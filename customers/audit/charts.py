"""The team overview's charts, drawn on the server as SVG by pygal from the figures' tables.

A chart is embedded in the page as a data: image, not as an <svg> element: pygal's SVG
carries its own <style> (and a config <script>), which the app's Content Security Policy
(no inline styles or scripts) would block in the page, but which an image keeps to itself
(images never run scripts). Nothing is loaded from elsewhere: pygal's tooltip script, a
CDN address by default, is switched off, and no web font is named. The table under each
chart is what a screen reader reads; the image's alt text points to it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import pygal
from django.core.cache import cache
from pygal.style import Style

from customers.audit.overview import Table

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    font_family="system-ui, sans-serif",
    no_data_font_size=20,  # pygal's 64 px filled the chart with "Nothing in this period"
    # Told apart by more than hue: the legend names each, and the table says it in words.
    colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f"),
)


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    data_uri: str


def _config(chart_class: type[pygal.graph.graph.Graph], title: str) -> pygal.graph.graph.Graph:
    # No title in the image: the section's heading above it says it.
    return chart_class(
        style=STYLE,
        js=[],  # the default is a tooltip script from a CDN
        width=800,
        height=360,
        x_label_rotation=30,
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        disable_xml_declaration=True,
        no_data_text="Nothing in this period",
    )


def _data_uri(chart: pygal.graph.graph.Graph) -> str:
    svg: str = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


# Bump when the drawing changes (style, sizes), so no image drawn the old way is reused.
DRAWING = 2
DRAWN_SECONDS = 24 * 3600


def _drawn(
    kind: str, table: Table, args: tuple[str, ...], draw: Callable[[], pygal.graph.graph.Graph]
) -> str:
    """The chart's image, from the shared cache when the same figures were drawn before.
    pygal takes about 15 ms a chart, most of the overview's time once its figures come from
    the settled days; the same figures (a period reloaded, another viewer, the digest) always
    draw the same image, so it is keyed by exactly what is drawn: the table's labels and
    numbers, never its links."""
    drawn = json.dumps([DRAWING, kind, table.slug, table.title, args, table.as_csv_rows()])
    key = "overview-chart:" + hashlib.sha256(drawn.encode()).hexdigest()
    found = cache.get(key)
    if not isinstance(found, str):
        found = _data_uri(draw())
        cache.set(key, found, DRAWN_SECONDS)
    return found


def _numbers(values: list[int | str]) -> list[int | None]:
    return [value if isinstance(value, int) else None for value in values]


def _whole_number_axis(chart: pygal.graph.graph.Graph, top: int) -> None:
    """Counts are whole: at most about ten labels, never 0.1, 0.2…"""
    step = max(1, math.ceil(top / 10))
    chart.y_labels = list(range(0, top + step, step))


def stacked_columns(table: Table, columns: list[str], *, title: str = "") -> Chart:
    """A bar per table row, a stacked part per column."""

    def draw() -> pygal.graph.graph.Graph:
        chart = _config(pygal.StackedBar, title or table.title)
        chart.x_labels = [label for label, _ in table.rows]
        stacks = [0] * len(table.rows)
        for name in columns:
            values = _numbers([cell.value for cell in table.column(name)])
            stacks = [total + (value or 0) for total, value in zip(stacks, values, strict=True)]
            chart.add(name, values)
        _whole_number_axis(chart, max(stacks, default=0))
        return chart

    image = _drawn("stacked", table, (*columns, title), draw)
    return Chart(table.slug, title or table.title, image)


def bars(table: Table, column: str) -> Chart:
    def draw() -> pygal.graph.graph.Graph:
        chart = _config(pygal.HorizontalBar, table.title)
        chart.show_legend = False  # one series; the rows' names are on the axis
        chart.x_labels = [label for label, _ in table.rows]
        values = _numbers([cell.value for cell in table.column(column)])
        chart.add(column, values)
        _whole_number_axis(chart, max((v or 0 for v in values), default=0))
        return chart

    return Chart(table.slug, table.title, _drawn("bars", table, (column,), draw))


def duration_lines(table: Table, column: str) -> Chart:
    """Per operation, a line of one percentile over the days (rows are "day operation")."""
    title = f"{column} per operation per day"

    def draw() -> pygal.graph.graph.Graph:
        chart = _config(pygal.Line, title)
        series: dict[str, dict[str, int | None]] = {}
        days: list[str] = []
        for label, cells in table.rows:
            day, operation = label.split(" ", 1)
            if day not in days:
                days.append(day)
            value = cells[table.columns.index(column) - 1].value
            series.setdefault(operation, {})[day] = value if isinstance(value, int) else None
        chart.x_labels = days
        for operation, by_day in sorted(series.items()):
            chart.add(operation, [by_day.get(day) for day in days])
        return chart

    image = _drawn("lines", table, (column,), draw)
    return Chart(f"{table.slug}-{column.split()[0]}", title, image)


def charts_for(tables: dict[str, Table]) -> dict[str, list[Chart]]:
    """The charts drawn above each table (by slug); the per-agent table has none."""
    created, gate, calls = tables["created"], tables["gate"], tables["calls"]
    return {
        "created": [stacked_columns(created, created.columns[1:-1])],
        "gate": [stacked_columns(gate, gate.columns[1:])],
        "calls": [stacked_columns(calls, calls.columns[1:])],
        "failures": [stacked_columns(tables["failures"], ["Failed calls"])],
        "errors": [bars(tables["errors"], "Calls")],
        "durations": [
            duration_lines(tables["durations"], "p50 (ms)"),
            duration_lines(tables["durations"], "p95 (ms)"),
        ],
        "safety": [bars(tables["safety"], "Count")],
    }
