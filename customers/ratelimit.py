"""Per-agent limits kept in the shared cache: duplicate searches, and the counter they use.

The duplicate panel is for checking one customer, not for browsing RevCent: about one
search a second is plenty while typing, and far too few to page through customers.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def count_search_over_limit(
    user_id: int, *, limit: int | None = None, now: float | None = None
) -> bool:
    """Count one search; True if this agent is over the limit for the current minute."""
    limit = limit or settings.DUPLICATE_SEARCHES_PER_MINUTE
    window = int((now if now is not None else time.time()) // 60)
    return count_up(f"dup-search-rate:{user_id}:{window}", timeout=120) > limit


def count_up(key: str, *, timeout: int) -> int:
    """Add one to a counter in the shared cache and return the new count, atomically across
    app servers. incr() is atomic on Redis; the first count creates the counter (add() loses
    a race harmlessly: the other request's counter is incremented instead)."""
    try:
        return cache.incr(key)
    except ValueError:
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)
