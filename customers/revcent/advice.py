"""What a failed RevCent call means for the agent, in three parts: what happened, whether
anything was created or changed, and what to do next (wait and retry, tell an admin, check
RevCent again). exchange.classify picks the case; the words live here.

RevCent's own message is quoted as it came: the create form finds the field it names
("customer.zip ...") there and shows the error at that field.
"""

from __future__ import annotations

import math
import re

from customers.contact import LABELS
from customers.revcent import contract

_NOT_DONE = {
    contract.CREATE_CUSTOMER.name: "The customer was not created.",
    contract.ADD_CUSTOMER_TO_GROUP.name: "No groups were added.",
    contract.CREATE_NOTE.name: "The note was not added.",
}
_MAYBE_DONE = {
    contract.CREATE_CUSTOMER.name: (
        "so we cannot tell whether the customer was created. Do not create them again: "
        "Support Desk checks RevCent for them first."
    ),
    contract.ADD_CUSTOMER_TO_GROUP.name: (
        "so we cannot tell whether the groups were added. Open the customer's page again to "
        "see their groups before trying again."
    ),
    contract.CREATE_NOTE.name: (
        "so we cannot tell whether the note was added. Open the customer's page again: it "
        "looks for the note in RevCent before offering to add it."
    ),
}
RETRY_LATER = "Wait a minute and try again; if it keeps happening, tell an admin."
# What a failed read or a refused change left behind.
NOTHING_CHANGED = "Nothing was changed."
# RevCent's words are quoted up to this length: the whole text fits CreateAttempt.message.
SAID_MAX = 250
_FIELD = re.compile(r"\b(customer|bill_to)\.(\w+)")
# RevCent's words about the campaign (its wording is not documented; the sandbox says
# "Campaign 'x' does not exist."): the create form marks its campaign field then.
CAMPAIGN_NAMED = re.compile(r"\bcampaign\b", re.IGNORECASE)
CAMPAIGN_STEP = (
    "Choose another campaign, and tell an admin to check this one's RevCent ID under Campaigns."
)


def not_done(op: contract.OperationSpec) -> str:
    """Whether a call RevCent turned down left anything behind: it did not."""
    return _NOT_DONE.get(op.name, NOTHING_CHANGED)


def refused(
    op: contract.OperationSpec, *, status: int, said: str, retry_after: float | None
) -> str:
    """RevCent answered and said no (`code` other than 1). `said` is RevCent's own text."""
    if len(said) > SAID_MAX:
        said = said[: SAID_MAX - 1].rstrip() + "…"
    if status == 429:
        head = "RevCent is receiving too many requests right now (HTTP 429)"
        step = f"Wait {_wait(retry_after)}, then try again."
    elif status in (401, 403):
        head = f"RevCent refused Support Desk's access (HTTP {status})"
        step = "Tell an admin: the RevCent API key or its permissions need checking."
    elif status == 404:
        head = "RevCent could not find what was asked for (HTTP 404)"
        step = "Check the ID and try again; if it is right, tell an admin."
    elif status >= 500:
        head = f"RevCent had a problem on its side (HTTP {status})"
        step = RETRY_LATER
    elif status >= 400:
        field = _field_named(said)
        head = f"RevCent did not accept {field or 'the request'}"
        if not field and op is contract.CREATE_CUSTOMER and CAMPAIGN_NAMED.search(said):
            # The campaign comes from the admin's list: the agent can pick another, and only
            # an admin can correct this one (customers/forms/campaign_admin.py).
            head = "RevCent did not accept the campaign"
            step = CAMPAIGN_STEP
        elif field:
            step = "Correct it and submit again."
        elif op is contract.CREATE_CUSTOMER:
            step = "Correct what it names and try again; if it is not on the form, tell an admin."
        else:
            step = "Try again; if it happens again, tell an admin."
    else:
        head = "RevCent answered without reporting success"
        step = RETRY_LATER
    if said:
        told = f"{head}: “{said}”" + ("" if said.endswith((".", "!", "?", "…")) else ".")
    else:
        told = f"{head}."
    return f"{told} {not_done(op)} {step}"


def no_answer(op: contract.OperationSpec, what: str) -> str:
    """No answer (or not RevCent's): for a change, it may or may not have happened."""
    if op.changes:
        maybe = _MAYBE_DONE.get(
            op.name, "so the change may or may not have been made. Check RevCent first."
        )
        return f"RevCent {what}, {maybe}"
    return f"RevCent {what}. {NOTHING_CHANGED} {RETRY_LATER}"


def not_revcent(status: int) -> str:
    """A read answered by something other than RevCent's API (a proxy's error page)."""
    return (
        f"RevCent's address answered with something that is not RevCent's API (HTTP {status}), "
        f"probably a proxy in between. {NOTHING_CHANGED} {RETRY_LATER}"
    )


def read_after_a_change(message: str) -> str:
    """A failed read's message where a change is known to have happened, such as the page of
    a customer this app created: without "Nothing was changed.", which beside "the create
    went through" reads as if it had not."""
    return message.replace(f" {NOTHING_CHANGED}", "")


def no_valid_id(thing: str) -> str:
    """A create reported success without the new thing's ID."""
    return (
        f"RevCent said the {thing} was created but returned no valid {thing} ID, so it may "
        f"exist. Search for the {thing} before trying again, and do not create it twice."
    )


def _field_named(said: str) -> str:
    """ "the customer's ZIP" when RevCent's message names a form field, else ""."""
    found = _FIELD.search(said)
    if not found or found.group(2) not in LABELS:
        return ""
    label = LABELS[found.group(2)]
    label = label if label.isupper() else label.lower()
    return f"the customer's {label}" if found.group(1) == "customer" else f"the bill-to {label}"


def _wait(seconds: float | None) -> str:
    if seconds is None:
        return "a minute"
    whole = max(1, math.ceil(seconds))
    if whole < 90:
        return f"{whole} second{'s' if whole != 1 else ''}"
    return f"{math.ceil(whole / 60)} minutes"
