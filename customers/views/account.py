"""A person's own settings page: their time zone (customers/team/timezones.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from customers.forms.account import TimeZoneForm
from customers.team.timezones import time_zone_of, time_zone_set
from customers.web.requests import AppRequest


@require_http_methods(["GET", "POST"])
def account_settings(request: AppRequest) -> HttpResponse:
    initial = {"time_zone": time_zone_of(request.user)}
    form = TimeZoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["time_zone"]
        time_zone_set(user=request.user, name=name, session=request.session)
        messages.success(request, f"Times are now shown in {name}.")
        return redirect("account-settings")
    return render(request, "account/settings.html", {"form": form})
