"""A sign-in through the identity provider, once its ID token is verified: refuse it, or
find or create the account and set its role from the provider's groups. No request here.

Every refusal and every role change the provider made is an agent action in the trail; the
sign-in itself is recorded by the user_logged_in signal (customers/team/signals.py), as a
password sign-in is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from customers import audit
from customers.audit import Actor
from customers.models import AuditEntry
from customers.team.roles import ROLE_NAMES, role_assign, role_of
from customers.team.sso.config import SsoConfig
from customers.team.sso.identity import SsoIdentity
from customers.team.sso.rules import (
    claim_groups,
    email_domain_allowed,
    provider_did_mfa,
    role_for_groups,
)

# What the person is told (the page's heading and text) for each reason a sign-in is
# refused; the trail gets the reason's key and the technical detail.
_UNVERIFIED = (
    "The answer from {provider} could not be verified",
    "Nothing was signed in. Start again from the sign-in page; if this keeps happening, "
    "tell your admin (the audit trail has the details).",
)
REFUSALS: dict[str, tuple[str, str]] = {
    "domain": (
        "This e-mail address is not allowed here",
        "Support Desk accepts only the company's own e-mail domains. Sign in at {provider} "
        "with your work account.",
    ),
    "no_email": (
        "{provider} did not send an e-mail address",
        "Your admin must let Support Desk read the e-mail address (the email scope).",
    ),
    "no_role": (
        "Your account has no role in Support Desk",
        "You signed in at {provider}, but you are in none of the groups that give a role "
        "here (support agents, auditors or admins). Ask your admin to add you to one.",
    ),
    "inactive": (
        "This account is switched off in Support Desk",
        "An admin has deactivated it. Ask them to switch it back on.",
    ),
    "account_conflict": (
        "An account with your e-mail address already exists",
        "It was made with a password, not through {provider}. Ask an admin to remove or "
        "rename it; your next sign-in then creates your account.",
    ),
    "provider_error": (
        "{provider} did not sign you in",
        "The sign-in was cancelled or refused there. Start again from the sign-in page.",
    ),
    "provider_unreachable": (
        "{provider} cannot be reached",
        "Support Desk could not read the provider's settings. Try again in a minute.",
    ),
    "bad_state": (
        "This sign-in was already used or has expired",
        "Start again from the sign-in page (a sign-in must finish in the browser that "
        "started it, within an hour).",
    ),
    "bad_nonce": _UNVERIFIED,
    "wrong_audience": _UNVERIFIED,
    "wrong_issuer": _UNVERIFIED,
    "expired_token": _UNVERIFIED,
    "unsigned_token": _UNVERIFIED,
    "bad_signature": _UNVERIFIED,
    "bad_token": _UNVERIFIED,
}


@dataclass(frozen=True)
class SsoSignIn:
    """A sign-in to let through: the user, and whether the provider did the second factor."""

    user: User
    provider_mfa: bool


class SignInRefused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def sso_refusal_record(*, reason: str, detail: str, name: str, request_id: str) -> None:
    """Put a refused sign-in in the trail, by reason (the keys of REFUSALS)."""
    audit.agent_action(
        action=AuditEntry.Operation.SIGN_IN_REFUSED,
        actor=Actor(name=name[:150], request_id=request_id),
        message=f"Through the identity provider: {reason}. {detail}".strip(),
    )


def sso_sign_in(*, claims: Mapping[str, Any], config: SsoConfig, request_id: str) -> SsoSignIn:
    """The user a verified ID token signs in, created on first sign-in, with the role its
    groups give now. Raises SignInRefused (already audited) when it must not sign in."""
    email = str(claims.get("email") or "").strip().lower()
    name = email or str(claims.get("sub", ""))
    try:
        if not email:
            raise SignInRefused("no_email")
        if claims.get("email_verified") is False or not email_domain_allowed(
            email, config.allowed_domains
        ):
            raise SignInRefused("domain", f"E-mail domain of {email} is not allowed.")
        groups = claim_groups(claims, config.groups_claim)
        role = role_for_groups(groups, config.group_roles)
        # No account is made for someone with no role; one they had loses its role.
        user = _user_for(claims, config, email, create=role is not None)
        if user is not None and not user.is_active:
            raise SignInRefused("inactive")
        if user is not None:
            _role_set(user, role or "none", groups=groups, request_id=request_id)
        if user is None or role is None:
            raise SignInRefused("no_role", f"Groups in '{config.groups_claim}': {sorted(groups)}")
    except SignInRefused as refusal:
        sso_refusal_record(
            reason=refusal.reason, detail=refusal.detail, name=name, request_id=request_id
        )
        raise
    return SsoSignIn(user=user, provider_mfa=provider_did_mfa(claims, config.mfa_acr_values))


def _user_for(
    claims: Mapping[str, Any], config: SsoConfig, email: str, *, create: bool
) -> User | None:
    subject = str(claims["sub"])
    identity = (
        SsoIdentity.objects.select_related("user")
        .filter(issuer=config.issuer, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        return user
    if not create:
        return None
    try:
        with transaction.atomic():
            user = User(username=email[:150], email=email)
            user.first_name = str(claims.get("given_name") or "")[:150]
            user.last_name = str(claims.get("family_name") or "")[:150]
            user.set_unusable_password()  # signs in only through the provider
            user.save()
            SsoIdentity.objects.create(user=user, issuer=config.issuer, subject=subject)
    except IntegrityError:
        raise SignInRefused(
            "account_conflict", f"A local account named {email} exists and is not linked."
        ) from None
    return user


def _role_set(user: User, role: str, *, groups: frozenset[str], request_id: str) -> None:
    before = role_of(user)
    if before == role:
        return
    role_assign(user, role)
    audit.agent_action(
        action=AuditEntry.Operation.ROLE_CHANGED,
        actor=Actor(user=user, request_id=request_id),
        message=(
            f"{ROLE_NAMES[before]} → {ROLE_NAMES[role]}, from the identity provider's "
            f"groups: {', '.join(sorted(groups)) or 'none'}."
        )[:500],
    )
