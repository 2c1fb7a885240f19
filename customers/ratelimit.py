"""A per-agent limit on duplicate searches, kept in the shared cache.

The duplicate panel is for checking one customer, not for browsing RevCent: about one
search a second is plenty while typing, and far too few to page through customers.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def rate_limit_hit(user_id: int, *, limit: int | None = None, now: float | None = None) -> bool:
    """Count one search; True if this agent is over the limit for the current minute."""
    limit = limit or settings.DUPLICATE_SEARCHES_PER_MINUTE
    window = int((now if now is not None else time.time()) // 60)
    key = f"dup-search-rate:{user_id}:{window}"
    # add() then incr() is atomic on Redis and per-process safe on local memory.
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > limit
