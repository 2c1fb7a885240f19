from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

# A request ID from the load balancer is kept only when it looks like one; anything else
# could smuggle text into the audit trail.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an ID that ties log lines and audit rows together."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class HtmxLoginRedirectMiddleware:
    """Send an htmx request with an expired session to the login page as a whole page.

    Without this, LoginRequiredMiddleware's 302 is followed by htmx itself and the login
    form is swapped into whatever panel asked, which looks like a broken page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not getattr(request, "htmx", False) or request.user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            return None
        # Back to the page the agent was on, not the fragment URL that noticed the expiry.
        next_url = request.htmx.current_url_abs_path or "/"
        login = redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))
        return HttpResponseClientRedirect(login["Location"])
