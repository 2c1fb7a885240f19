"""One service per agent action: the seam every way in goes through.

The web views (customers/views/) and the assistant channel are adapters over these
functions: they read their input, call one action with an Actor (who acts, and through which
channel), and present its result or its refusal. Each action checks its own rules (role,
caller check, limits, card numbers in its inputs; customers/actions/rules.py), so a second
way in cannot skip one.
"""

from __future__ import annotations

from customers.actions.creating import (
    PersonBusy,
    attempt_check_again,
    attempt_note_add,
    attempt_own,
    attempt_status,
    customer_create,
    duplicate_match_used,
    duplicates_find,
)
from customers.actions.existing import (
    CustomerGroupsOffer,
    CustomerPage,
    CustomerUnavailable,
    caller_verify,
    card_link_expire,
    card_link_send,
    customer_groups_add,
    customer_groups_list,
    customer_groups_offer,
    customer_page,
    customer_search,
)
from customers.actions.overview import overview_digest, overview_read
from customers.actions.rules import (
    ActionRefused,
    CallerNotVerified,
    CardNumberInInput,
    NotFound,
    NotPermitted,
    OverLimit,
)

__all__ = [
    "ActionRefused",
    "CallerNotVerified",
    "CardNumberInInput",
    "CustomerPage",
    "CustomerUnavailable",
    "CustomerGroupsOffer",
    "NotFound",
    "NotPermitted",
    "OverLimit",
    "PersonBusy",
    "attempt_check_again",
    "attempt_note_add",
    "attempt_own",
    "attempt_status",
    "caller_verify",
    "card_link_expire",
    "card_link_send",
    "customer_create",
    "customer_groups_add",
    "customer_groups_list",
    "customer_groups_offer",
    "customer_page",
    "customer_search",
    "duplicate_match_used",
    "duplicates_find",
    "overview_digest",
    "overview_read",
]
