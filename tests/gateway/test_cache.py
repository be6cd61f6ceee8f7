import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.gateway import Cache
from course.sim import Poisson, arrival_times
from course.sim.validate import MAX_UNTIL


def test_an_entry_is_fresh_until_exactly_t_plus_ttl():
    cache = Cache(capacity=10, ttl=5)
    cache.put("k", "v", now=1.0)
    assert cache.expires_at("k") == 6.0
    assert cache.get("k", now=5.999999999) == "v"
    assert cache.get("k", now=6.0) is None  # at exactly t + ttl it has expired
    assert "k" not in cache
    assert cache.stats.hits == 1 and cache.stats.misses == 1 and cache.stats.expired == 1


def test_ttl_boundaries_are_exact_for_decimal_times():
    cache = Cache(capacity=10, ttl=0.2)
    cache.put("k", "v", now=0.1)
    assert cache.get("k", now=0.3) is None  # 0.1 + 0.2 is 0.30000000000000004 in floats; here it is 0.3


def test_ttl_zero_caches_nothing_and_the_longest_ttl_outlasts_any_run():
    off = Cache(capacity=10, ttl=0)
    off.put("k", "v", now=0.0)
    assert off.get("k", now=0.0) is None and len(off) == 0 and off.stats.expired == 0
    forever = Cache(capacity=10, ttl=MAX_UNTIL)  # runs end by MAX_UNTIL seconds, so this entry never expires in one
    forever.put("k", "v", now=0.0)
    assert forever.get("k", now=MAX_UNTIL - 1e-3) == "v"


def test_a_time_or_key_that_cannot_be_one_is_refused_even_on_a_miss():
    cache = Cache(capacity=2, ttl=1)
    with pytest.raises(ValueError, match="now must be a number from 0"):
        cache.get("never-stored", now=float("nan"))
    with pytest.raises(ValueError, match="key must be hashable"):
        cache.put(["a", "list"], "v", now=0.0)


def test_the_least_recently_used_entry_is_evicted():
    cache = Cache(capacity=2, ttl=100)
    cache.put("a", 1, now=0)
    cache.put("b", 2, now=1)
    assert cache.get("a", now=2) == 1  # a is now more recent than b
    cache.put("c", 3, now=3)
    assert cache.keys() == ["a", "c"]
    assert cache.get("b", now=4) is None
    assert cache.stats.evictions == 1


def test_putting_an_existing_key_refreshes_it_without_evicting():
    cache = Cache(capacity=2, ttl=10)
    cache.put("a", 1, now=0)
    cache.put("b", 2, now=0)
    cache.put("a", 10, now=5)
    assert cache.keys() == ["b", "a"] and cache.stats.evictions == 0
    assert cache.get("a", now=14) == 10  # fresh from t=5


def test_stats_and_hit_ratio():
    cache = Cache(capacity=10, ttl=10)
    assert cache.stats.hit_ratio == 0.0
    cache.put("a", 1, now=0)
    for t in (1, 2, 3):
        cache.get("a", now=t)
    cache.get("b", now=4)
    assert repr(cache.stats) == "CacheStats(hits=3, misses=1, expired=0, evictions=0, hit_ratio=75%)"
    assert repr(cache) == "Cache(capacity=10, ttl=10) holding 1, hit ratio 75%"


def test_get_returns_a_default_on_a_miss():
    assert Cache(capacity=1, ttl=1).get("nope", now=0, default="-") == "-"


def test_fresh_is_an_empty_cache_with_the_same_settings():
    cache = Cache(capacity=3, ttl=2)
    cache.put("a", 1, now=0)
    copy = cache.fresh()
    assert (copy.capacity, copy.ttl, len(copy), copy.stats.lookups) == (3, 2, 0, 0)


def test_hit_ratio_for_poisson_requests_to_one_key_is_rt_over_one_plus_rt():
    # each miss fills the entry for ttl seconds, during which r * ttl requests hit on average
    for rate, ttl in ((1.0, 1.0), (2.0, 2.0), (0.5, 1.0)):
        cache = Cache(capacity=1, ttl=ttl)
        for t in arrival_times(Poisson(rate), until=20_000 / rate, seed=3):
            if cache.get("k", now=t) is None:
                cache.put("k", "v", now=t)
        expected = rate * ttl / (1 + rate * ttl)
        assert cache.stats.hit_ratio == pytest.approx(expected, abs=0.01)


@given(
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 5), st.integers(0, 3)), max_size=80),
    capacity=st.integers(1, 4),
    ttl=st.integers(0, 5),
)
def test_the_cache_matches_a_plain_model(ops, capacity, ttl):
    cache, model, now = Cache(capacity=capacity, ttl=ttl), [], 0  # model: [key, stored_at], LRU first
    for is_put, key, gap in ops:
        now += gap
        entry = next((e for e in model if e[0] == key), None)
        if is_put:
            if ttl == 0:
                pass
            elif entry is not None:
                model.remove(entry)
                model.append([key, now])
            else:
                if len(model) >= capacity:
                    model.pop(0)
                model.append([key, now])
            cache.put(key, now, now=now)
        else:
            fresh = entry is not None and now < entry[1] + ttl
            if entry is not None:
                model.remove(entry)
                if fresh:
                    model.append(entry)
            assert cache.get(key, now=now) == (entry[1] if fresh else None)
        assert len(cache) <= capacity
        assert cache.keys() == [e[0] for e in model]
    s = cache.stats
    assert s.hits + s.misses == sum(1 for is_put, _, _ in ops if not is_put)
    assert s.expired <= s.misses


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(capacity=0, ttl=1), "capacity must be a whole number of at least 1 .*entries"),
        (dict(capacity=2.5, ttl=1), "capacity must be a whole number"),
        (dict(capacity=10, ttl=-1), "ttl must be a number from 0 "),
        (dict(capacity=10, ttl="5"), "ttl must be a number from 0 "),
        (dict(capacity=10, ttl=float("nan")), "ttl must be a number from 0 "),
        (dict(capacity=10, ttl=float("inf")), "ttl must be a number from 0 to 1e\\+06"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Cache(**kwargs)
