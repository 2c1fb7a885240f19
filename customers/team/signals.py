"""Sign-ins, failed sign-ins and lock-outs go into the audit trail beside API calls."""

from __future__ import annotations

import time
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from customers import audit
from customers.audit import Actor
from customers.cardguard.guard import redact_card_numbers
from customers.existing import callers
from customers.models import AuditEntry
from customers.team.sso.backend import SSO_BACKEND


def _request_id(request: HttpRequest | None) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


@receiver(user_logged_in, dispatch_uid="customers.audit_sign_in")
def audit_sign_in(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    session = getattr(request, "session", {})
    through_provider = session.get(BACKEND_SESSION_KEY) == SSO_BACKEND
    audit.agent_action(
        action=AuditEntry.Operation.SIGN_IN,
        actor=Actor(user=user, request_id=_request_id(request)),
        message=f"Through {settings.OIDC_PROVIDER_NAME}." if through_provider else "",
    )


@receiver(user_logged_in, dispatch_uid="customers.start_session_clock")
def start_session_clock(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    # SessionLifetimeMiddleware ends the session 12 hours after this moment.
    if request is not None and hasattr(request, "session"):
        request.session["signed_in_at"] = time.time()


@receiver(user_login_failed, dispatch_uid="customers.audit_sign_in_failed")
def audit_sign_in_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username that was tried: never the password Django hands us here.
    username = str(credentials.get("username", ""))[:150]
    audit.agent_action(
        action=AuditEntry.Operation.SIGN_IN_FAILED,
        actor=Actor(name=username, request_id=_request_id(request)),
        message="Wrong username or password.",
    )


@receiver(user_locked_out, dispatch_uid="customers.audit_locked_out")
def audit_locked_out(
    sender: str,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    audit.agent_action(
        action=AuditEntry.Operation.LOCKED_OUT,
        actor=Actor(name=str(username or "")[:150], request_id=_request_id(request)),
        message=f"Too many failed sign-ins from {ip_address}.",
    )


@receiver(user_logged_out, dispatch_uid="customers.forget_verified_callers")
def forget_verified_callers(
    sender: type[User], request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        callers.callers_forget(user)


# What django-axes (8.3) keeps of a sign-in: the username tried, User-Agent, Accept and the
# path on every row, and on AccessAttempt the whole query string and form (as "name=value"
# lines, the password masked). The card guard has already blanked card numbers in values
# and refused card-shaped names, but a card split between a name and its value
# ("4111 1111=1111 1111") only becomes one in axes' "name=value" line, and these rows are
# read by admins. The lock-out needs none of the form: it is not kept.
_AXES_TEXT = ("username", "user_agent", "http_accept", "path_info")
_AXES_FORM_DATA = ("get_data", "post_data")


@receiver(pre_save, sender=AccessAttempt, dispatch_uid="customers.axes_attempt_clean")
@receiver(pre_save, sender=AccessLog, dispatch_uid="customers.axes_log_clean")
@receiver(pre_save, sender=AccessFailureLog, dispatch_uid="customers.axes_failure_clean")
def keep_no_card_numbers_in_lockout_rows(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    for name in _AXES_TEXT:
        value = getattr(instance, name)
        if isinstance(value, str):
            setattr(instance, name, redact_card_numbers(value))
    for name in _AXES_FORM_DATA:
        if hasattr(instance, name):
            # On a repeated failure axes appends with Concat(); replacing it drops that too.
            setattr(instance, name, "")
