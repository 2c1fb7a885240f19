"""What every agent action checks before it does anything, whoever asks and however.

An action refuses with an ActionRefused (one subclass per reason); the web view turns it
into a 403, a message or a redirect, the assistant channel into a tool error. The rule
itself lives here once, so no way in can forget it.
"""

from __future__ import annotations

from collections.abc import Mapping

from customers import audit
from customers.audit import Actor
from customers.cardguard.guard import any_card_number
from customers.existing import callers
from customers.models import AuditEntry
from customers.revcent import REVCENT_ID


class ActionRefused(Exception):
    """The actor may not do this now; `message` says why, for a person to read."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(ActionRefused):
    code = "not_permitted"


class NotFound(ActionRefused):
    code = "not_found"


class CallerNotVerified(ActionRefused):
    code = "caller_not_verified"


class OverLimit(ActionRefused):
    code = "over_limit"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds


class CardNumberInInput(ActionRefused):
    code = "card_number"

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"A card number was found in {', '.join(names)}. Card numbers are never taken "
            "here: send the customer a card link instead."
        )
        self.names = names


def require(actor: Actor, *perms: str) -> None:
    """The actor holds one of perms (an active user in a role that has it), or NotPermitted."""
    if not any(actor.has_perm(perm) for perm in perms):
        raise NotPermitted("Your role does not allow this.")


def require_customer_id(customer_id: str) -> str:
    if not REVCENT_ID.match(customer_id):
        raise NotFound("Not a RevCent customer ID.")
    return customer_id


def require_verified_caller(actor: Actor, customer_id: str, *, doing: str) -> None:
    """For an action on someone else's customer: the caller must have been verified."""
    assert actor.user is not None  # require() ran first: only signed-in users act
    needed = callers.caller_check_needed(customer_id=customer_id, user=actor.user)
    if needed and not callers.caller_verified(user=actor.user, customer_id=customer_id):
        raise CallerNotVerified(f"Verify the caller before {doing}.")


def refuse_card_numbers(
    actor: Actor, inputs: Mapping[str, object], *, customer_id: str = ""
) -> None:
    """Refuse (and audit, by input name only) when any string input holds a card number.

    The web's forms see request data the middleware already cleaned; this is the same rule
    for every other way in (the assistant's JSON arguments, a command's options).
    """
    names = [name for name, value in inputs.items() if any_card_number(value)]
    if not names:
        return
    audit.agent_action(
        action=AuditEntry.Operation.CARD_NUMBER_REFUSED,
        actor=actor,
        customer_id=customer_id,
        message=f"A card number was refused in {', '.join(names)} ({actor.channel}); the "
        "digits were not kept.",
    )
    raise CardNumberInInput(names)
