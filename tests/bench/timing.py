"""Where a request's time goes: a Server-Timing header, for the benchmark's diagnosis only.

Active only in a server started with BENCH_TIMING=1 (tests/bench/settings.py then adds the
middleware); the measured servers never load it. It wraps a few app functions with timers
that add up, per request, the time spent in them on the request's own thread. Functions
that have been renamed or removed are skipped, never an error.
"""

from __future__ import annotations

import functools
import importlib
import threading
import time
from collections.abc import Callable

from django.db import connections

# (label, module, attribute path): the steps of the panel and the create workflow.
SPANS = [
    ("form", "customers.views.create", "identifiers_from_form_data"),
    ("ratelimit", "customers.ratelimit", "count_search_over_limit"),
    ("dupcheck", "customers.views.create", "duplicate_check"),
    ("search", "customers.creating.duplicates", "search_terms"),
    ("audit_begin", "customers.revcent.exchange", "begin_many"),
    ("audit_settle", "customers.revcent.exchange", "settle_many"),
    ("exchange", "customers.revcent.exchange", "send"),
    ("recent", "customers.creating.duplicates", "recent_like"),
    ("match", "customers.creating.duplicates", "match_all"),
    ("claim", "customers.creating.attempts", "attempt_claim"),
    ("create", "customers.creating.attempts", "attempt_create"),
    ("verify", "customers.creating.attempts", "attempt_verify"),
    ("timeline", "customers.audit", "customer_timeline_lines"),
    ("render", "django.shortcuts", "render"),
    ("render", "customers.views.create", "render"),
    ("render", "customers.views.customer", "render"),
]

# Summed over every thread, the search pool's included: right when one request runs at a time,
# as in the benchmark's diagnosis. The sandbox's own work, and new database connections.
SHARED_SPANS = [
    ("sandbox", "customers.sandbox.transport", "SandboxTransport.handle_request"),
    ("db_connect", "django.db.backends.base.base", "BaseDatabaseWrapper.connect"),
]

_local = threading.local()
_shared: dict[str, float] = {}
_shared_lock = threading.Lock()
_patched = False


def _timed_shared(label: str, func: Callable[..., object]) -> Callable[..., object]:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            with _shared_lock:
                _shared[label] = _shared.get(label, 0.0) + time.perf_counter() - start

    return wrapper


def _timed(label: str, func: Callable[..., object]) -> Callable[..., object]:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        spans = getattr(_local, "spans", None)
        if spans is None or label in _local.open:
            return func(*args, **kwargs)
        _local.open.add(label)
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spans[label] = spans.get(label, 0.0) + time.perf_counter() - start
            _local.open.discard(label)

    return wrapper


def _patch() -> None:
    global _patched
    if _patched:
        return
    _patched = True
    for spans, wrap in ((SPANS, _timed), (SHARED_SPANS, _timed_shared)):
        for label, module_name, path in spans:
            try:
                owner = importlib.import_module(module_name)
                *parents, name = path.split(".")
                for parent in parents:
                    owner = getattr(owner, parent)
                setattr(owner, name, wrap(label, getattr(owner, name)))
            except (ImportError, AttributeError):
                continue


class ServerTimingMiddleware:
    def __init__(self, get_response) -> None:
        _patch()
        self.get_response = get_response

    def __call__(self, request):
        _local.spans, _local.open = {}, set()
        with _shared_lock:
            _shared.clear()
        connection = connections["default"]
        connection.force_debug_cursor = True  # this thread's queries, with their times
        connection.queries_log.clear()
        start = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            spans, _local.spans = _local.spans, None
        spans["total"] = time.perf_counter() - start
        with _shared_lock:
            spans.update(_shared)
        queries = list(connection.queries_log)
        spans["sql"] = sum(float(query["time"]) for query in queries)
        entries = [f"{label};dur={seconds * 1000:.2f}" for label, seconds in spans.items()]
        entries.append(f"queries;desc={len(queries)}")
        response["Server-Timing"] = ", ".join(entries)
        return response
