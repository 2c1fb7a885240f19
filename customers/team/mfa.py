"""Two-factor sign-in with an authenticator app (TOTP) and one-time recovery codes.

django-otp does the cryptography and the throttling of wrong codes; this module decides
who needs a second factor and provides the enrolment and verification pages.
"""

from __future__ import annotations

import base64
import secrets
from typing import Protocol, cast

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from customers import audit
from customers.audit import Actor
from customers.models import AuditEntry
from customers.team.roles import AGENTS, AUDITORS, group_names
from customers.web.requests import AppRequest

DEMO_USERNAMES = {"agent", "auditor", "admin"}
RECOVERY_CODES = 10


class _OtpUser(Protocol):
    def is_verified(self) -> bool: ...


def user_is_verified(user: User | AnonymousUser) -> bool:
    """Whether this session's user has passed their second factor.

    django_otp's OTPMiddleware adds is_verified() to request.user at run time; neither the
    stubs nor django_otp (untyped) know of it, hence the cast.
    """
    return cast(_OtpUser, user).is_verified()


def mfa_required(user: User | AnonymousUser) -> bool:
    """Admins, auditors and every staff user; agents when REQUIRE_MFA_FOR_AGENTS is on."""
    if not user.is_authenticated:
        return False
    if settings.MFA_DEMO_SKIP and user.get_username() in DEMO_USERNAMES:
        return False
    if user.is_superuser or user.is_staff:
        return True
    groups = group_names(user)
    return AUDITORS in groups or (settings.REQUIRE_MFA_FOR_AGENTS and AGENTS in groups)


class TokenForm(forms.Form):
    error_messages = {
        "wrong_code": "That code is not right. Check the time on your phone and retry.",
        "wrong_or_used_code": (
            "That code is not right (or was used already). Wait for a new one and retry."
        ),
    }

    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def refusal(self, code: str) -> forms.ValidationError:
        """The error for a code that does not sign in, by its key in error_messages."""
        return forms.ValidationError(self.error_messages[code], code=code)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_data_uri(url: str) -> str:
    # An inline SVG (data: URI, allowed by our CSP's img-src): the secret never leaves the page.
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def mfa_setup(request: AppRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user) and not user_is_verified(user):
        # A stolen password must not be enough to enrol a second authenticator.
        return redirect(f"{resolve_url('mfa-verify')}?{request.GET.urlencode()}")
    device = _device_being_set_up(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        codes = mfa_enrol(device=device, token=form.cleaned_data["token"], actor=actor)
        if codes is not None:
            otp_login(request, device)
            done = {"codes": codes, "next": _next_url(request)}
            return render(request, "registration/mfa_recovery_codes.html", done)
        form.add_error("token", form.refusal("wrong_code"))
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": _base32(device),
        "next": _next_url(request),
    }
    return render(request, "registration/mfa_setup.html", context)


def _device_being_set_up(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def mfa_enrol(*, device: TOTPDevice, token: str, actor: Actor) -> list[str] | None:
    """Confirm the authenticator with a code from it: its recovery codes, audited; or None
    if the code is not right."""
    if not device.verify_token(token.replace(" ", "")):
        return None
    device.confirmed = True
    device.save()
    codes = _new_recovery_codes(device.user)
    audit.agent_action(action=AuditEntry.Operation.MFA_ENROLLED, actor=actor)
    return codes


def _base32(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def mfa_verify(request: AppRequest) -> HttpResponse:
    if not user_has_device(request.user):
        return redirect(f"{resolve_url('mfa-setup')}?{request.GET.urlencode()}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        audit.agent_action(
            action=AuditEntry.Operation.MFA_FAILED, actor=Actor.from_request(request)
        )
        form.add_error("token", form.refusal("wrong_or_used_code"))
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next_url(request)}
    )
