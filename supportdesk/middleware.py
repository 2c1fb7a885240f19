from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, resolve_url
from django.urls import resolve
from django.utils.deprecation import MiddlewareMixin
from django_htmx.http import HttpResponseClientRedirect
from django_otp import user_has_device

from customers import audit
from customers.cardguard import ACCEPTS_CARD_NUMBERS, scrub_card_numbers
from customers.models import AuditEntry
from supportdesk.mfa import mfa_required, user_is_verified
from supportdesk.requests import MiddlewareRequest

# A request ID from the load balancer is kept only when it looks like one; anything else
# could smuggle text into the audit trail.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_View = Callable[..., HttpResponseBase]


class RequestIdMiddleware(MiddlewareMixin):
    """Give every request an ID that ties log lines and audit rows together."""

    def process_request(self, request: MiddlewareRequest) -> None:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex

    def process_response(
        self, request: MiddlewareRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response["X-Request-ID"] = request.request_id
        return response


class HtmxLoginRedirectMiddleware(MiddlewareMixin):
    """Send an htmx request with an expired session to the login page as a whole page.

    Without this, LoginRequiredMiddleware's 302 is followed by htmx itself and the login
    form is swapped into whatever panel asked, which looks like a broken page.
    """

    def process_view(
        self,
        request: MiddlewareRequest,
        view_func: _View,
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not getattr(request, "htmx", False) or request.user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            return None
        # Back to the page the agent was on, not the fragment URL that noticed the expiry.
        next_url = request.htmx.current_url_abs_path or "/"
        login = redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))
        return HttpResponseClientRedirect(login["Location"])


class SessionLifetimeMiddleware(MiddlewareMixin):
    """End a session 12 hours after sign-in, however active it has been."""

    def process_request(self, request: MiddlewareRequest) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        started = request.session.setdefault("signed_in_at", time.time())
        if time.time() - started <= settings.SESSION_MAX_AGE_SECONDS:
            return None
        logout(request)
        messages.info(request, "You were signed out after 12 hours. Please sign in again.")
        if request.htmx:
            return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))


# Pages a signed-in user may reach before their second factor: the factor pages themselves.
_MFA_OPEN = {"mfa-setup", "mfa-verify", "logout"}


class MfaRequiredMiddleware(MiddlewareMixin):
    """Admins and auditors (and agents, when configured) reach nothing without a second factor."""

    def process_view(
        self,
        request: MiddlewareRequest,
        view_func: _View,
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user_is_verified(user) or not mfa_required(user):
            return None
        if not getattr(view_func, "login_required", True):
            return None
        if resolve(request.path_info).url_name in _MFA_OPEN:
            return None
        step = "mfa-verify" if user_has_device(user) else "mfa-setup"
        target = f"{resolve_url(step)}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(resolve_url(step))
        return redirect(target)


class CardNumberGuardMiddleware(MiddlewareMixin):
    """Blank any card number in a request's query string or form data before a view sees it.

    The field names are kept on `request.refused_card_fields` so forms can say which field
    was refused; the refusal is audited (names only). Only a view marked
    `@accepts_card_numbers` (the sandbox's simulated card provider page) is exempt.
    """

    def process_request(self, request: MiddlewareRequest) -> None:
        # Views read it without checking, so it must exist even where process_view exits early.
        request.refused_card_fields = []

    def process_view(
        self,
        request: MiddlewareRequest,
        view_func: _View,
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if getattr(view_func, ACCEPTS_CARD_NUMBERS, False):
            return None
        request.GET, refused = scrub_card_numbers(request.GET)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.POST, refused_post = scrub_card_numbers(request.POST)
            refused += refused_post
        if refused:
            request.refused_card_fields = refused
            audit.agent_action(
                action=AuditEntry.Operation.CARD_NUMBER_REFUSED,
                actor=audit.Actor.from_request(request),
                message=f"A card number was refused in {', '.join(refused)} on {request.path}; "
                "the digits were not kept.",
                # On a customer's page, the refusal belongs on that customer's timeline too.
                customer_id=str(view_kwargs.get("customer_id", "")),
            )
        return None
