"""The team overview (auditors and admins): the trail's figures for a period, as charts,
tables and CSV, each number a link to the audit list of the rows it counts."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from customers.actions import overview_read
from customers.audit.charts import charts_for
from customers.audit.csv import csv_row
from customers.audit.figures import FIGURES
from customers.audit.overview import Scope
from customers.forms.overview import OverviewForm
from customers.team.roles import READ_TRAIL
from customers.web.requests import AppRequest


def _asked(request: AppRequest) -> tuple[OverviewForm, Scope]:
    form = OverviewForm(request.GET or None)
    return form, form.scope(today=timezone.localdate(), zone=timezone.get_current_timezone())


@require_GET
@permission_required(READ_TRAIL, raise_exception=True)
def team_overview(request: AppRequest) -> HttpResponse:
    form, scope = _asked(request)
    tables = overview_read(scope)
    charts = charts_for(tables)
    context = {
        "form": form,
        "scope": scope,
        "sections": [(table, charts.get(slug, [])) for slug, table in tables.items()],
        "query": request.GET.urlencode(),
        "most_overrides": tables["agents"].leaders("Overrides"),
    }
    return render(request, "customers/team_overview.html", context)


@require_GET
@permission_required(READ_TRAIL, raise_exception=True)
def team_overview_csv(request: AppRequest, slug: str) -> HttpResponse:
    if slug not in FIGURES:
        raise Http404("No such figure.")
    _, scope = _asked(request)
    rows = overview_read(scope)[slug].as_csv_rows()
    response = HttpResponse("".join(map(csv_row, rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="overview-{slug}.csv"'
    return response
