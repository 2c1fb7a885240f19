"""Sign-in middlewares: an expired session seen by htmx, the session's 12-hour and idle
limits, and the second factor for the roles that need one."""

from __future__ import annotations

import time
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

from customers.team.mfa import mfa_required, user_is_verified
from customers.team.sso.config import SESSION_MAX_AGE, SESSION_PROVIDER_MFA
from customers.web.requests import MiddlewareRequest

_View = Callable[..., HttpResponseBase]


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
    """End a session 12 hours after sign-in, however active it has been; keep an active one
    from idling out.

    A session is saved (and so its 30-minute expiry pushed back) only when something in it
    changed; a change is made here at most once a minute, so the idle window moves on
    without a write on every request. The idle limit is also checked here against that
    moment: a session read from the cache carries no expiry date of its own (the cache's
    time-to-live ends it), and this does not depend on any store's clock.
    """

    def process_request(self, request: MiddlewareRequest) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        now = time.time()
        started = request.session.setdefault("signed_in_at", now)
        idle_from = request.session.get("idle_from")  # None until the first refresh below
        if idle_from is not None and now - idle_from > settings.SESSION_COOKIE_AGE:
            # As if the session had expired: the login middleware sends them to sign in.
            logout(request)
            return None
        # A session from the identity provider carries its own limit (OIDC_SESSION_HOURS).
        max_age = request.session.get(SESSION_MAX_AGE, settings.SESSION_MAX_AGE_SECONDS)
        if now - started <= max_age:
            if idle_from is None or now - idle_from >= settings.SESSION_IDLE_REFRESH_SECONDS:
                request.session["idle_from"] = now
            return None
        logout(request)
        hours = round(max_age / 3600)
        messages.info(request, f"You were signed out after {hours} hours. Please sign in again.")
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
        if request.session.get(SESSION_PROVIDER_MFA):  # the ID token said it did (sso/rules.py)
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
