"""The web adapter of provider sign-in: start, callback, and the refusal page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from customers.team.sso import client
from customers.team.sso.backend import SSO_BACKEND
from customers.team.sso.config import (
    SESSION_ID_TOKEN,
    SESSION_MAX_AGE,
    SESSION_NEXT,
    SESSION_PROVIDER_MFA,
    SsoConfig,
    sso_config,
)
from customers.team.sso.signin import (
    REFUSALS,
    SignInRefused,
    sso_refusal_record,
    sso_sign_in,
)


def _config_or_404() -> SsoConfig:
    config = sso_config()
    if config is None:
        raise Http404("Sign-in through an identity provider is not set up.")
    return config


def _refused(request: HttpRequest, config: SsoConfig, reason: str) -> HttpResponse:
    title, text = REFUSALS[reason]
    names = {"provider": config.provider_name}
    context = {"title": title.format(**names), "text": text.format(**names), "reason": reason}
    return render(request, "registration/sso_refused.html", context, status=403)


@login_not_required
@never_cache
@require_GET
def sso_start(request: HttpRequest) -> HttpResponse:
    config = _config_or_404()
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        request.session[SESSION_NEXT] = target
    callback = request.build_absolute_uri(reverse("sso-callback"))
    try:
        return HttpResponseRedirect(client.sign_in_url(request, config, callback))
    except client.SignInFailed as failure:
        return _refused(request, config, failure.reason)


@login_not_required
@never_cache
@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    config = _config_or_404()
    request_id = getattr(request, "request_id", "")
    try:
        claims = client.verified_claims(request, config)
        signed_in = sso_sign_in(claims=claims, config=config, request_id=request_id)
    except client.SignInFailed as failure:
        sso_refusal_record(
            reason=failure.reason, detail=failure.detail, name="", request_id=request_id
        )
        return _refused(request, config, failure.reason)
    except SignInRefused as refusal:
        return _refused(request, config, refusal.reason)
    next_url = request.session.pop(SESSION_NEXT, "") or resolve_url(settings.LOGIN_REDIRECT_URL)
    login(request, signed_in.user, backend=SSO_BACKEND)  # may start a new session: then set
    request.session[SESSION_MAX_AGE] = config.session_seconds
    request.session[SESSION_PROVIDER_MFA] = signed_in.provider_mfa
    request.session[SESSION_ID_TOKEN] = claims["_id_token"]
    return HttpResponseRedirect(next_url)


def sso_sign_out_url(request: HttpRequest, id_token: str) -> str | None:
    """After the app's own sign-out: the provider's sign-out, coming back to the sign-in
    page, if a provider is set up, this session came from it, and it supports that."""
    config = sso_config()
    if config is None or not id_token:
        return None
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    return client.sign_out_url(config, id_token=id_token, return_to=back)
