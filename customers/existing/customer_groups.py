"""RevCent's customer groups, as agents may pick them: enabled ones, cached for minutes."""

from __future__ import annotations

from django.core.cache import cache

from customers.audit import Actor
from customers.cardguard.guard import any_card_number
from customers.revcent import PAGE_LIMIT_MAX, CustomerGroup, RevCentClient

CUSTOMER_GROUPS_CACHE_KEY = "revcent-customer-groups:v1"
CUSTOMER_GROUPS_CACHE_SECONDS = 300
CUSTOMER_GROUPS_MAX_PAGES = 8  # 200 groups; more would not fit a list an agent can read anyway


def customer_groups_enabled(*, client: RevCentClient, actor: Actor) -> list[CustomerGroup]:
    """RevCent's enabled customer groups, from the shared cache for a few minutes."""
    groups = cache.get(CUSTOMER_GROUPS_CACHE_KEY)
    if groups is None:
        groups = []
        for page in range(1, CUSTOMER_GROUPS_MAX_PAGES + 1):
            batch = client.get_customer_groups(actor=actor, page=page)
            groups += batch
            if len(batch) < PAGE_LIMIT_MAX:
                break
        if not any_card_number(groups):  # a group named with a card number is not kept
            cache.set(CUSTOMER_GROUPS_CACHE_KEY, groups, timeout=CUSTOMER_GROUPS_CACHE_SECONDS)
    return [group for group in groups if group.enabled]
