"""Numbers lesson 1 may quote, each asserted against the library (see the lesson's text)."""

from bisect import bisect_right

import pytest

from course.gateway import (
    Cache,
    FixedWindow,
    Gateway,
    GatewayScenario,
    Request,
    Route,
    SlidingWindowCounter,
    SlidingWindowLog,
    TokenBucket,
    simulate,
)
from course.sim import TimeVarying, arrival_times


def test_a_burst_of_50_against_a_bucket_of_20_at_100_per_second_gets_30_429s_and_retry_after_10_ms():
    gw = Gateway([Route("/users/{id}", "users-service")], limiter=TokenBucket(capacity=20, rate=100))
    responses = [gw.handle(Request("GET", "/users/123", "alice"), now=0.0) for _ in range(50)]
    assert [r.status for r in responses].count(429) == 30
    assert responses[-1].retry_after == 0.01
    assert gw.handle(Request("GET", "/users/123", "alice"), now=0.01).status == 200


def test_at_a_window_boundary_a_fixed_window_admits_twice_its_limit_within_a_millisecond():
    admitted = {}
    for limiter in (FixedWindow(100, 1.0), SlidingWindowLog(100, 1.0), SlidingWindowCounter(100, 1.0)):
        admitted[limiter.name] = sum(limiter.allow(t) for t in [0.999] * 100 + [1.0] * 100)
    assert admitted == {"fixed_window": 200, "sliding_log": 100, "sliding_counter": 100}


# bursts of 300 requests/s lasting 1 s, starting half-way through a window, every 3 s (4 bursts in 12 s)
STRADDLING = TimeVarying(lambda t: 300.0 if 0.5 <= t % 3 < 1.5 else 0.0, peak=300)


def most_in_any_window(accepted, window=1.0):
    return max((bisect_right(accepted, t) - bisect_right(accepted, t - window) for t in accepted), default=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_four_algorithms_at_100_per_second_on_bursts_that_straddle_window_boundaries(seed):
    times = arrival_times(STRADDLING, until=12, seed=seed)
    results = {}
    for limiter in (
        TokenBucket(100, 100),
        FixedWindow(100, 1.0),
        SlidingWindowLog(100, 1.0),
        SlidingWindowCounter(100, 1.0),
    ):
        accepted = [t for t in times if limiter.allow(t)]
        results[limiter.name] = (len(accepted), most_in_any_window(accepted))
    assert results["fixed_window"] == (800, 200)  # 100 on each side of every boundary
    assert results["sliding_log"] == (400, 100)  # exactly the limit in every window
    assert results["sliding_counter"] == (600, 150)  # the estimate lets half a window through twice
    admitted, most = results["token_bucket"]
    assert 780 <= admitted <= 800 and most <= 100 + 100 * 1.0  # capacity + rate * T


@pytest.mark.parametrize("seed", range(5))
def test_in_the_lab_default_the_limiter_trades_503s_and_a_high_p99_for_429s(seed):
    limited = simulate(GatewayScenario(), seed=seed).summary()
    unlimited = simulate(GatewayScenario(limiter=None), seed=seed).summary()
    assert limited.by_status.get(503, 0) <= 3 < 15 <= unlimited.by_status[503]
    assert 0.10 < limited.share(429) < 0.20 and 429 not in unlimited.by_status
    assert limited.p99 < unlimited.p99


def test_a_longer_ttl_raises_the_hit_ratio_and_unloads_the_users_service():
    runs = [simulate(GatewayScenario(cache=Cache(500, ttl), limiter=None), until=10) for ttl in (0.5, 1, 2, 5, 10)]
    hit = [r.summary().hit_ratio for r in runs]
    busy = [r.utilization["users-service"] for r in runs]
    assert hit == sorted(hit) and busy == sorted(busy, reverse=True)
    assert hit[0] < 0.35 and hit[-1] > 0.65
    assert busy[0] > 2.5 * busy[-1]


def test_the_share_of_401s_follows_the_share_of_requests_without_a_key():
    for share in (0.1, 0.5):
        s = simulate(GatewayScenario(anonymous_share=share), seed=0).summary()
        assert s.share(401) == pytest.approx(0.95 * share, abs=0.02)  # 5 % of the mix has no route: 404 first
    assert 401 not in simulate(GatewayScenario(anonymous_share=0.0), seed=0).summary().by_status
