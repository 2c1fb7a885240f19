"""Asking the person before a write: the questions' forms, what a client that cannot be asked
gets instead, and what counts as a yes (never a confirmation or a reason from the tool's
own arguments)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import (
    AcceptedElicitation,
    Context,
    Elicit,
)
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from customers.assistant import tools


class Confirm(BaseModel):
    confirm: bool = Field(title="Confirm", description="Yes, go ahead.")


class ConfirmWithReason(BaseModel):
    confirm: bool = Field(title="Create anyway", description="Yes, create this customer.")
    reason: str = Field(
        title="Why is this a different customer?",
        min_length=10,
        max_length=500,
        description="Checked against the matches above (10+ characters); kept in the trail.",
    )


class CannotAsk:
    """A resolver's answer when this client cannot show the person a question."""

    def __init__(self, why: str) -> None:
        self.why = why


def cannot_ask(ctx: Context) -> str:
    """Why this request cannot carry a form question to the person ("" when it can).

    A 2025-11-25 client on this stateless endpoint has no channel back to it; a 2026-07-28
    client must declare form elicitation. Either way the SDK would answer with a protocol
    error the model cannot read, so the tool says what to do instead.
    """
    version = ctx.protocol_version or ""
    if version < "2026-07-28" and not ctx.session.can_send_request:
        return "this client's protocol cannot ask you from a stateless server"
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return "this client did not say it can show a question"
    return ""


class AlreadyDone:
    """A resolver's answer when the write was made already: nothing to confirm again."""


async def ask(question: tools.Question, ctx: Context) -> Elicit[Any] | CannotAsk | AlreadyDone:
    if question.done:
        return AlreadyDone()
    why = cannot_ask(ctx)
    if why:
        return CannotAsk(why)
    return Elicit(question.text, ConfirmWithReason if question.needs_reason else Confirm)


def confirmed(answer: Any, *, fallback: str) -> str:
    """The person's reason ("" if none was asked for), or a ToolError saying why not."""
    if isinstance(answer, AcceptedElicitation) and isinstance(answer.data, AlreadyDone):
        return ""
    if isinstance(answer, AcceptedElicitation) and isinstance(answer.data, CannotAsk):
        raise ToolError(
            f"Nothing was done: {answer.data.why}, and every change needs your confirmation. "
            f"{fallback}"
        )
    if not isinstance(answer, AcceptedElicitation) or not answer.data.confirm:
        raise ToolError("Nothing was done: the person did not confirm.")
    return str(getattr(answer.data, "reason", ""))
