"""The request as our middleware and views see it, for the type checker: with django-htmx's
details, our request ID and the card guard's list; past the login middleware (AppRequest),
also a signed-in user."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class MiddlewareRequest(HttpRequest):
    """Any request once our middleware has set its attributes; the user may be anonymous."""

    htmx: HtmxDetails
    request_id: str
    # Form and query fields whose value the card guard blanked (the forms say so beside them).
    refused_card_fields: list[str]
    # Headers it redacted: audited, but not the agent's typing, so no form mentions them.
    refused_card_headers: list[str]


class AppRequest(MiddlewareRequest):
    user: User  # narrowed: LoginRequiredMiddleware ran first
