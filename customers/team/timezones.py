"""Each person's time zone: chosen on their settings page, kept in a small table, copied
into the session at sign-in, and activated for every request by TimeZoneMiddleware, so the
app shows every time (and cuts the team overview's days) in the reader's own zone.

The middleware reads the session only: no query per request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

SESSION_KEY = "time_zone"


class TimeZonePreference(models.Model):
    """A person's time zone (IANA name, e.g. "Europe/Paris"); none means TIME_ZONE."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    time_zone = models.CharField(max_length=64)

    class Meta:
        app_label = "customers"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone}"


@cache
def zone_names() -> list[str]:
    """The zones a person may choose: the IANA names Python knows, in order."""
    return sorted(available_timezones())


def zone_valid(name: str) -> bool:
    return name in set(zone_names())


def time_zone_of(user: User) -> str:
    chosen = TimeZonePreference.objects.filter(user=user).values_list("time_zone", flat=True)
    name = chosen.first()
    return name if name and zone_valid(name) else settings.TIME_ZONE


def time_zone_set(*, user: User, name: str, session: Any = None) -> None:
    """Save a person's zone (a valid name: the form checked it) and use it from now on."""
    TimeZonePreference.objects.update_or_create(user=user, defaults={"time_zone": name})
    if session is not None:
        session[SESSION_KEY] = name


@receiver(user_logged_in, dispatch_uid="customers.time_zone_into_session")
def time_zone_into_session(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = time_zone_of(user)


class TimeZoneMiddleware:
    """Activate the person's zone for the request (after the session middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        name = session.get(SESSION_KEY, "") if session is not None else ""
        if name and zone_valid(name):
            timezone.activate(ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
