"""The assistant channel in the audit trail: one row per tool call (its tool, outcome,
customer and argument names, never their values), and a row for every refusal (a bad,
expired or revoked token, a missing scope, a card number, a limit)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest

from customers import audit, ratelimit
from customers.assistant.caller import Caller
from customers.assistant.guard import Call
from customers.assistant.models import AssistantToken
from customers.assistant.services import assistant_token_refused
from customers.audit import Actor
from customers.models import AuditEntry, Channel
from customers.revcent import REVCENT_ID


def refused(request: HttpRequest, reason: str, *, prefix: str, tool: str = "") -> None:
    """A call turned away at the door; the token's owner named when the token is known."""
    token = (
        AssistantToken.objects.select_related("user").filter(prefix=prefix).first()
        if prefix
        else None
    )
    actor = Actor(
        user=token.user if token else None,
        name="" if token else "(unknown assistant token)",
        request_id=getattr(request, "request_id", ""),
        channel=Channel.ASSISTANT,
        token_prefix=prefix,
    )
    assistant_token_refused(actor=actor, reason=reason, tool=tool)


def _customer_of(call: Call) -> str:
    value = call.arguments.get("customer_id")
    return value if isinstance(value, str) and REVCENT_ID.match(value) else ""


def _names(call: Call) -> str:
    return ", ".join(call.argument_names) or "none"


def card_number_refused(caller: Caller, call: Call, paths: list[str]) -> None:
    audit.agent_action(
        action=AuditEntry.Operation.CARD_NUMBER_REFUSED,
        actor=caller.actor(),
        customer_id=_customer_of(call),
        message=f"A card number was refused in {', '.join(paths)} of {call.tool or call.method} "
        "(assistant); the digits were not kept.",
    )


def tool_called(
    caller: Caller, call: Call, *, outcome: str, detail: str = "", customer_id: str = ""
) -> None:
    audit.agent_action(
        action=AuditEntry.Operation.ASSISTANT_TOOL_CALL,
        actor=caller.actor(),
        customer_id=customer_id or _customer_of(call),
        message=f"{call.tool}: {outcome}{f' ({detail})' if detail else ''}; "
        f"arguments: {_names(call)}.",
        denied=outcome != "ok" and outcome != "asked the person",
    )


def tool_answered(caller: Caller, call: Call, body: bytes) -> None:
    """Record how the SDK answered a tool call (a result, a question, an error)."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict):
        tool_called(caller, call, outcome="error", detail="protocol error")
        return
    if result.get("resultType") == "input_required" or "inputRequests" in result:
        tool_called(caller, call, outcome="asked the person")
        return
    found = result.get("structuredContent")
    customer = found.get("customer_id", "") if isinstance(found, dict) else ""
    customer = customer if isinstance(customer, str) and REVCENT_ID.match(customer) else ""
    tool_called(
        caller, call, outcome="refused" if result.get("isError") else "ok", customer_id=customer
    )


# (setting, window in seconds, which calls count)
_LIMITS: tuple[tuple[str, int, Callable[[Call], bool]], ...] = (
    ("ASSISTANT_CALLS_PER_MINUTE", 60, lambda call: call.method == "tools/call"),
    ("ASSISTANT_PROPOSALS_PER_10_MINUTES", 600, lambda call: call.tool == "propose_customer"),
)


def over_limit(caller: Caller, call: Call) -> str:
    """What to tell the assistant if this call is over one of its token's limits, else ""."""
    for name, window, counts in _LIMITS:
        if not counts(call):
            continue
        limit = getattr(settings, name)
        if ratelimit.count_up(f"assistant:{name}:{caller.token.prefix}", timeout=window) > limit:
            return (
                f"This token is over its limit ({limit} per {window // 60} minutes, "
                f"{name}). Retry in {window} seconds at the latest."
            )
    return ""
