"""Per-agent limits kept in the shared cache: duplicate searches, wrong caller-check answers,
and the counter they use.

The duplicate panel is for checking one customer, not for browsing RevCent: about one
search a second is plenty while typing, and far too few to page through customers.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches

from customers.web.cache import SharedRedisCache


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
    a race harmlessly: the other request's counter is incremented instead). On Redis, in one
    round trip (customers/web/cache.py)."""
    backend = caches[DEFAULT_CACHE_ALIAS]  # the backend itself: `cache` is a proxy
    if isinstance(backend, SharedRedisCache):
        return backend.count_up(key, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)


# --- A window of tries: wrong caller-check answers (customers/existing/callers.py) -------------
# A window opens at the first try and lasts `window` seconds; its counter is keyed by the
# window's start, so an old count never leaks into a new window. The window is read from the
# stored start and the caller's clock, not from the cache's expiry (which only tidies up), so
# tests can move the clock.
@dataclass(frozen=True)
class Reservation:
    key: str
    retry_at: float | None  # set when the try is refused: when the agent may try again


def reserve(base: str, *, limit: int, window: int, now: float) -> Reservation:
    """Count one try under base before it is made; refused (retry_at set) over the limit."""
    ttl = window + 60
    since = cache.get(f"{base}:since")
    if since is None or now - since >= window:
        if since is None:
            cache.add(f"{base}:since", now, timeout=ttl)
        else:
            cache.set(f"{base}:since", now, timeout=ttl)
        since = cache.get(f"{base}:since", now)
    key = f"{base}:{since!r}"
    if count_up(key, timeout=ttl) > limit:
        return Reservation(key, since + window)
    return Reservation(key, None)


def release(reservation: Reservation) -> None:
    """Give a try's place back (a right answer does not count against the limit)."""
    # The window may have been tidied away meanwhile: then there is nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(reservation.key)
