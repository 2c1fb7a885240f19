"""Making and revoking assistant tokens, as audited actions (the web page, the team admin
and `manage.py assistant_token` all call these)."""

from __future__ import annotations

from django.contrib.auth.models import User

from customers import audit
from customers.actions.rules import ActionRefused, NotFound, NotPermitted, require
from customers.assistant.models import AssistantToken
from customers.assistant.tokens import (
    may_revoke,
    scopes_for,
    token_mint,
    token_revoke,
)
from customers.audit import Actor
from customers.models import AuditEntry
from customers.team.roles import SEE_CUSTOMERS


def assistant_token_create(
    *, actor: Actor, name: str, scopes: list[str], days: int, for_user: User | None = None
) -> tuple[AssistantToken, str]:
    """A token for the actor (or, from a command, for `for_user`), and its only plain copy."""
    owner = for_user or actor.user
    if owner is None or not owner.is_active or not scopes_for(owner):
        raise NotPermitted("Only agents and auditors can use the assistant channel.")
    if for_user is None:
        require(actor, *SEE_CUSTOMERS)
    try:
        token, raw = token_mint(user=owner, name=name, scopes=scopes, days=days)
    except ValueError as exc:
        raise ActionRefused(str(exc)) from exc
    audit.agent_action(
        action=AuditEntry.Operation.ASSISTANT_TOKEN_CREATED,
        actor=actor,
        message=f"Assistant token {token.prefix} (“{token.name}”) made for "
        f"{owner.get_username()} with {', '.join(token.scopes)}; it works until "
        f"{token.expires_at:%Y-%m-%d %H:%M %Z}.",
    )
    return token, raw


def token_to_revoke(*, actor: Actor, prefix: str) -> AssistantToken:
    """The token this actor may revoke by its prefix: its owner, or an admin (or a command)."""
    token = AssistantToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None:
        raise NotFound("No assistant token has that prefix.")
    if actor.user is not None and not may_revoke(actor.user, token):
        raise NotFound("No assistant token has that prefix.")  # not even that it exists
    return token


def assistant_token_revoke(*, actor: Actor, prefix: str) -> AssistantToken:
    """Revoke a token by its prefix: its owner, or an admin (or a command)."""
    token = token_to_revoke(actor=actor, prefix=prefix)
    by = actor.user or token.user
    if token_revoke(token=token, by=by):
        audit.agent_action(
            action=AuditEntry.Operation.ASSISTANT_TOKEN_REVOKED,
            actor=actor,
            message=f"Assistant token {token.prefix} of {token.user.get_username()} revoked.",
        )
    return token


def assistant_token_refused(*, actor: Actor, reason: str, tool: str = "") -> None:
    """A call on the assistant channel turned away (bad, expired or revoked token, scope)."""
    what = f" calling {tool}" if tool else ""
    audit.agent_action(
        action=AuditEntry.Operation.ASSISTANT_TOKEN_REFUSED,
        actor=actor,
        message=f"Assistant call{what} refused: {reason}.",
    )


def tokens_of(user: User) -> list[AssistantToken]:
    return list(AssistantToken.objects.filter(user=user))
