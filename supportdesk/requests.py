"""The request as our views see it, for the type checker: past the login middleware (so a
signed-in user), with django-htmx's details, our request ID and the card guard's list."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AppRequest(HttpRequest):
    user: User  # narrowed: LoginRequiredMiddleware ran first
    htmx: HtmxDetails
    request_id: str
    refused_card_fields: list[str]
