"""Thin views: read the request, call one action, render or redirect.

The work happens in plain functions without a request: the actions in customers/actions/,
which check their own rules and call the services in customers/creating/ and
customers/existing/.
"""

from __future__ import annotations

from customers.views.account import account_settings
from customers.views.create import (
    attempt_detail,
    attempt_note,
    attempt_reconcile,
    customer_create,
    customer_duplicates,
    home,
)
from customers.views.customer import (
    caller_verify,
    card_link_create,
    card_link_expire,
    customer_detail,
    customer_groups,
)
from customers.views.lookup import customer_search
from customers.views.overview import team_overview, team_overview_csv

__all__ = [
    "account_settings",
    "attempt_detail",
    "attempt_note",
    "attempt_reconcile",
    "card_link_create",
    "card_link_expire",
    "caller_verify",
    "customer_create",
    "customer_detail",
    "customer_duplicates",
    "customer_groups",
    "customer_search",
    "home",
    "team_overview",
    "team_overview_csv",
]
