"""Where concurrent searches run: one bounded thread pool per process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings

# Searches of every request share one bounded pool: threads (and, in sandbox mode, their
# database connections) are reused instead of made for each refresh of the panel.
SEARCH_THREADS = 16


@functools.cache
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="revcent-search")


def search_pool() -> ThreadPoolExecutor | Inline:
    """The process's search pool; with REVCENT_SEARCH_INLINE (tests), this thread."""
    if getattr(settings, "REVCENT_SEARCH_INLINE", False):
        return Inline()
    return _thread_pool()


class Inline:
    """A stand-in for a thread pool that runs each task at once, in this thread."""

    @staticmethod
    def submit(function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future
