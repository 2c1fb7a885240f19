"""Sign-ins, failed sign-ins and lock-outs go into the audit trail beside API calls."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from customers import audit
from customers.audit import Actor
from customers.models import AuditEntry


def _request_id(request) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


@receiver(user_logged_in, dispatch_uid="customers.audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs) -> None:
    audit.agent_action(
        action=AuditEntry.Operation.SIGN_IN, actor=Actor(user=user, request_id=_request_id(request))
    )


@receiver(user_logged_in, dispatch_uid="customers.start_session_clock")
def start_session_clock(sender, request, user, **kwargs) -> None:
    # SessionLifetimeMiddleware ends the session 12 hours after this moment.
    if request is not None and hasattr(request, "session"):
        request.session["signed_in_at"] = time.time()


@receiver(user_login_failed, dispatch_uid="customers.audit_sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the username that was tried: never the password Django hands us here.
    username = str(credentials.get("username", ""))[:150]
    audit.agent_action(
        action=AuditEntry.Operation.SIGN_IN_FAILED,
        actor=Actor(name=username, request_id=_request_id(request)),
        message="Wrong username or password.",
    )


@receiver(user_locked_out, dispatch_uid="customers.audit_locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    audit.agent_action(
        action=AuditEntry.Operation.LOCKED_OUT,
        actor=Actor(name=str(username or "")[:150], request_id=_request_id(request)),
        message=f"Too many failed sign-ins from {ip_address}.",
    )
