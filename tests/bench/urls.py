"""The app's URLs, plus the bare view the duplicate panel is compared with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST"])
def bare(request: HttpRequest, size: int) -> HttpResponse:
    """HTML of a given size and nothing else.

    Deliberately *not* login_not_required: like the panel, it is reached through the whole
    middleware stack with a signed-in agent's session (session read and save, CSRF check on
    the same POST body, authentication, the second-factor check), so the ratio isolates the
    panel view's own work.
    """
    return HttpResponse("x" * size, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/bare/<int:size>/", bare, name="bench-bare"),
    path("", include("supportdesk.urls")),
]
