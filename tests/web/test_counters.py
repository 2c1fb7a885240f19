"""The limits' counters (customers/ratelimit.py): one shared count across app servers, a
window that starts at the first count and ends with its timeout."""

from __future__ import annotations

import pytest
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches

from customers import ratelimit
from customers.web.cache import SharedRedisCache

on_redis = pytest.mark.skipif(
    not isinstance(caches[DEFAULT_CACHE_ALIAS], SharedRedisCache),
    reason="the Redis path (CACHE_URL=redis://…, as in CI's second run)",
)


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()
    yield
    cache.clear()


def test_each_count_adds_one_and_the_count_reads_back_as_a_number():
    assert [ratelimit.count_up("limit:a", timeout=60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("limit:a") == 3
    assert ratelimit.count_up("limit:b", timeout=60) == 1


@on_redis
def test_on_redis_a_new_counter_gets_its_timeout_and_a_later_count_keeps_it():
    backend = caches[DEFAULT_CACHE_ALIAS]
    assert isinstance(backend, SharedRedisCache)
    ratelimit.count_up("limit:c", timeout=90)
    client = backend._cache.get_client("limit:c")
    key = backend.make_and_validate_key("limit:c")
    assert 0 < client.ttl(key) <= 90
    client.expire(key, 30)  # as if 60 seconds had passed
    ratelimit.count_up("limit:c", timeout=90)
    assert 0 < client.ttl(key) <= 30  # the window is not stretched by later counts


@on_redis
def test_on_redis_a_count_is_one_round_trip(monkeypatch):
    backend = caches[DEFAULT_CACHE_ALIAS]
    assert isinstance(backend, SharedRedisCache)
    sent: list[int] = []
    pipeline = type(backend._cache.get_client("x").pipeline())
    execute = pipeline.execute

    def counted(self, *args, **kwargs):
        sent.append(len(self.command_stack))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(pipeline, "execute", counted)
    assert ratelimit.count_up("limit:d", timeout=60) == 1
    assert ratelimit.count_up("limit:d", timeout=60) == 2
    assert sent == [2, 2]  # SET NX with the timeout and INCR, sent together
