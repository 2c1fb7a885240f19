"""Assistant tokens: one person's key for the assistant channel (/assistant/mcp).

A token is shown once, when it is made, and stored only as a SHA-256 hash beside a short
public prefix (so it can be listed and revoked by that prefix). It carries scopes, which
narrow what the person's role allows; it never widens it: every call checks the token, the
person, their role now, and the scope (check_token and token_allows), so revoking the
token, deactivating the person or taking their role away takes effect at the next call.

The hash need not be slow (unlike a password's): the secret is 256 random bits, so there is
nothing to guess from a leaked hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from customers.assistant.models import SCOPE_NEEDS, AssistantToken, Scope
from customers.team import permcache

PREFIX_START = "sdk_"
DAYS_DEFAULT, DAYS_MAX = 7, 30
# A token's last use is written at most this often: a busy assistant is not a write per call.
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def scopes_for(user: User) -> list[str]:
    """The scopes this person's role makes meaningful, in the order they are listed."""
    return [
        scope for scope in Scope.values if any(user.has_perm(perm) for perm in SCOPE_NEEDS[scope])
    ]


def token_mint(
    *, user: User, name: str, scopes: list[str], days: int, now: datetime | None = None
) -> tuple[AssistantToken, str]:
    """A new token for user, and its one and only plain copy. Raises ValueError for scopes the
    role does not allow, or a lifetime outside 1..DAYS_MAX days."""
    allowed = scopes_for(user)
    if not scopes or any(scope not in allowed for scope in scopes):
        raise ValueError(f"Choose scopes your role allows: {', '.join(allowed) or 'none'}.")
    if not 1 <= days <= DAYS_MAX:
        raise ValueError(f"A token lasts 1 to {DAYS_MAX} days.")
    now = now or timezone.now()
    prefix = PREFIX_START + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = AssistantToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=prefix,
        secret_hash=_digest(raw),
        scopes=[scope for scope in Scope.values if scope in scopes],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, raw


@dataclass(frozen=True)
class TokenCheck:
    """A bearer token, read: the token if it may be used now, else why not (for the trail)."""

    token: AssistantToken | None
    refusal: str = ""
    prefix: str = ""  # what the caller sent before the secret, if it looked like ours


def check_token(raw: str, *, now: datetime | None = None) -> TokenCheck:
    """Known, not revoked, not expired, and its person still active."""
    prefix = raw[: len(PREFIX_START) + 8] if raw.startswith(PREFIX_START) else ""
    token = (
        AssistantToken.objects.select_related("user").filter(prefix=prefix).first()
        if prefix and len(raw) < 200
        else None
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(raw)):
        return TokenCheck(None, "unknown token", prefix="")
    now = now or timezone.now()
    status = token.status(now)
    if status != "active":
        return TokenCheck(None, f"token {status}", prefix=prefix)
    if not token.user.is_active:
        return TokenCheck(None, "user deactivated", prefix=prefix)
    # Their role's permissions from the shared cache, as for a signed-in page: every call
    # checks them (scopes_for), and reading them is two queries otherwise.
    permcache.prefill(token.user)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        AssistantToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return TokenCheck(token, prefix=prefix)


def token_allows(token: AssistantToken, scope: str) -> bool:
    """The token has the scope and its person's role, as it is now, still gives it."""
    return scope in token.scopes and scope in scopes_for(token.user)


def token_revoke(*, token: AssistantToken, by: User, now: datetime | None = None) -> bool:
    """Revoke a token (the owner or an admin); False if it was already revoked."""
    revoked = AssistantToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=now or timezone.now(), revoked_by=by
    )
    token.refresh_from_db()
    return bool(revoked)


def may_revoke(user: User, token: AssistantToken) -> bool:
    return user.is_active and (token.user_id == user.pk or user.is_superuser)
