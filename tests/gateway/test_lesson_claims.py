"""Every claim lesson 1 makes, asserted against the library; each test names the claim id the lesson marks.

The lesson shows one seed; these tests check the claim on other inputs too, so a claim that holds
only by luck of the lesson's numbers fails here.
"""

import itertools
from collections import Counter

import pytest

from course.gateway import (
    AddHeader,
    Authenticator,
    Cache,
    FixedWindow,
    Gateway,
    GatewayScenario,
    Request,
    Route,
    RouteTable,
    SlidingWindowCounter,
    SlidingWindowLog,
    StripPrefix,
    TokenBucket,
    busiest_window,
    compare_limiters,
    simulate,
)
from course.labs.gateway import UNTIL
from course.sim import Poisson, TimeVarying, arrival_times, mmc_theory, utilization_sweep

ROUTES = RouteTable(
    [
        Route("/users/{id}", "users-service"),
        Route("/orders/{id}", "orders-service"),
        Route("/orders", "orders-service", methods=("POST",)),
        Route("/admin/*", "admin-service"),
    ]
)
AUTH = Authenticator(
    keys={"key-alice": "alice", "key-bob": "bob"},
    allowed={"alice": {"users-service", "orders-service", "admin-service"}, "bob": {"users-service", "orders-service"}},
)


@pytest.mark.claim("gateway.route-by-path")
@pytest.mark.parametrize("user", ["123", "7", "alice"])
def test_a_path_goes_to_the_service_its_most_specific_route_names(user):
    match = ROUTES.match("GET", f"/users/{user}")
    assert (match.service, match.params) == ("users-service", {"id": user})
    assert ROUTES.match("GET", f"/admin/stats/{user}").service == "admin-service"  # a final * takes the rest


@pytest.mark.claim("gateway.404-vs-405")
def test_no_route_is_a_404_and_a_route_without_the_method_is_a_405():
    assert ROUTES.match("GET", "/products/9") is None and ROUTES.status("GET", "/products/9") == 404
    assert ROUTES.status("DELETE", "/users/123") == 405 and ROUTES.status("POST", "/orders") == 200
    response = Gateway(ROUTES).handle(Request("DELETE", "/users/1", "alice"), now=0.0)
    assert (response.status, response.headers["Allow"]) == (405, "GET")


@pytest.mark.claim("gateway.401-vs-403")
def test_no_or_an_unknown_key_is_a_401_and_a_known_client_without_the_right_is_a_403():
    gateway = Gateway(ROUTES, auth=AUTH)
    alice, bob = {"X-Api-Key": "key-alice"}, {"X-Api-Key": "key-bob"}
    statuses = [
        gateway.handle(Request("GET", "/users/123", "alice", alice), 0.0).status,
        gateway.handle(Request("GET", "/users/123", "mallory"), 0.0).status,
        gateway.handle(Request("GET", "/users/123", "mallory", {"X-Api-Key": "stolen?"}), 0.0).status,
        gateway.handle(Request("GET", "/admin/stats", "bob", bob), 0.0).status,
        gateway.handle(Request("GET", "/admin/stats", "alice", alice), 0.0).status,
    ]
    assert statuses == [200, 401, 401, 403, 200]


@pytest.mark.claim("gateway.route-before-auth")
def test_routing_runs_before_auth_so_an_unknown_path_is_a_404_even_without_a_key():
    gateway = Gateway(ROUTES, auth=AUTH)
    assert gateway.stages.index("route") < gateway.stages.index("auth")
    assert gateway.handle(Request("GET", "/products/9", "mallory"), 0.0).status == 404


@pytest.mark.claim("gateway.token-bucket-burst")
@pytest.mark.parametrize(("capacity", "burst"), [(20, 50), (5, 6), (20, 20)])
def test_a_burst_against_a_full_bucket_gets_capacity_through_and_the_rest_429(capacity, burst):
    gw = Gateway([Route("/users/{id}", "users-service")], limiter=TokenBucket(capacity=capacity, rate=100))
    statuses = [gw.handle(Request("GET", "/users/123", "alice"), now=0.0).status for _ in range(burst)]
    assert statuses.count(200) == capacity and statuses.count(429) == burst - capacity


@pytest.mark.claim("gateway.retry-after")
@pytest.mark.parametrize("rate", [100, 40, 3])
def test_retry_after_is_when_the_next_token_exists_and_a_retry_then_succeeds(rate):
    gw = Gateway([Route("/users/{id}", "users-service")], limiter=TokenBucket(capacity=20, rate=rate))
    responses = [gw.handle(Request("GET", "/users/123", "alice"), now=0.0) for _ in range(21)]
    refused = responses[-1]
    assert refused.status == 429 and refused.retry_after == pytest.approx(1 / rate)
    assert gw.handle(Request("GET", "/users/123", "alice"), now=refused.retry_after).status == 200


@pytest.mark.claim("gateway.fixed-window-boundary")
@pytest.mark.parametrize(("limit", "boundary"), [(100, 1.0), (10, 3.0), (50, 7.0)])
def test_a_fixed_window_admits_twice_its_limit_around_a_boundary_and_the_sliding_ones_do_not(limit, boundary):
    edge = [boundary - 0.001] * limit + [boundary] * limit
    window = [FixedWindow(limit, 1.0), SlidingWindowLog(limit, 1.0), SlidingWindowCounter(limit, 1.0)]
    outcomes = compare_limiters(edge, window)
    assert [o.admitted for o in outcomes] == [2 * limit, limit, limit]
    assert outcomes[0].busiest == 2 * limit  # all within one millisecond


# bursts of 300 requests/s lasting 1 s, starting half-way through a window, every 3 s (4 bursts in 12 s)
STRADDLING = TimeVarying(lambda t: 300.0 if 0.5 <= t % 3 < 1.5 else 0.0, peak=300)


@pytest.mark.claim("gateway.four-limiters-on-bursts")
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_four_algorithms_at_100_per_second_on_bursts_that_straddle_window_boundaries(seed):
    times = arrival_times(STRADDLING, until=12, seed=seed)
    four = compare_limiters(
        times,
        [TokenBucket(100, 100), FixedWindow(100, 1.0), SlidingWindowLog(100, 1.0), SlidingWindowCounter(100, 1.0)],
    )
    results = {o.name: (o.admitted, o.busiest) for o in four}
    assert results["fixed_window"] == (800, 200)  # 100 on each side of every boundary
    assert results["sliding_log"] == (400, 100)  # exactly the limit in every window
    assert results["sliding_counter"] == (600, 150)  # the estimate lets half a window through twice
    admitted, most = results["token_bucket"]
    assert 780 <= admitted <= 800 and most <= 100 + 100 * 1.0  # capacity + rate * T


@pytest.mark.claim("gateway.token-bucket-bound")
@pytest.mark.parametrize(("capacity", "rate", "span"), [(100, 100, 1.0), (20, 100, 0.5), (5, 2, 3.0)])
def test_a_token_bucket_never_admits_more_than_capacity_plus_rate_times_t(capacity, rate, span):
    times = sorted(arrival_times(Poisson(4 * rate + 50), until=10, seed=capacity))
    admitted = compare_limiters(times, [TokenBucket(capacity, rate)])[0].accepted
    assert busiest_window(list(admitted), window=span) <= capacity + rate * span


@pytest.mark.claim("gateway.hit-ratio-formula")
@pytest.mark.parametrize(("rate", "ttl", "seed"), [(1.0, 1, 0), (1.0, 4, 1), (1.0, 9, 2), (5.0, 0.2, 3), (0.5, 6, 4)])
def test_the_hit_ratio_of_one_key_requested_at_rate_r_is_rt_over_one_plus_rt(rate, ttl, seed):
    cache = Cache(capacity=10, ttl=ttl)
    for now in arrival_times(Poisson(rate), until=20_000 / rate, seed=seed):
        if cache.get("user:123", now) is None:
            cache.put("user:123", "profile", now)
    assert cache.stats.hit_ratio == pytest.approx(rate * ttl / (1 + rate * ttl), abs=0.02)


@pytest.mark.claim("gateway.longer-ttl-unloads-services")
def test_a_longer_ttl_raises_the_hit_ratio_and_unloads_the_users_service():
    runs = [simulate(GatewayScenario.example(ttl=ttl, algorithm="off"), until=10) for ttl in (0.5, 1, 2, 5, 10)]
    hit = [r.summary().hit_ratio for r in runs]
    busy = [r.utilization["users-service"] for r in runs]
    assert hit == sorted(hit) and busy == sorted(busy, reverse=True)
    assert hit[0] < 0.35 and hit[-1] > 0.65
    assert busy[0] > 2.5 * busy[-1]


@pytest.mark.claim("gateway.transforms-then-cache")
def test_a_stripped_prefix_reaches_the_same_route_the_log_keeps_what_was_asked_and_a_repeat_hits_the_cache():
    gateway = Gateway(
        ROUTES,
        auth=AUTH,
        cache=Cache(capacity=500, ttl=2.0),
        transforms=StripPrefix("/api/v1") + AddHeader("X-Request-Id", "req-{n}"),
    )
    alice = {"X-Api-Key": "key-alice"}
    for path in ["/api/v1/users/7", "/users/7", "/users/7"]:
        gateway.handle(Request("GET", path, "alice", alice), now=1.0)
    first, second, third = gateway.log
    assert first.path == "/api/v1/users/7" and first.service == "users-service" and first.stage == "backend"
    assert (second.cache_hit, third.cache_hit) == (True, True)  # /api/v1/users/7 filled the entry for /users/7
    counts = gateway.counts()
    assert all(after.arrived == before.passed for before, after in itertools.pairwise(counts))


@pytest.mark.claim("gateway.example-scenario")
def test_the_example_sends_200_per_second_in_bursts_twice_as_intense_and_5_percent_without_a_key():
    scenario = GatewayScenario.example()
    assert scenario.rate == 200 and scenario.anonymous_share == 0.05
    assert [c.source.on_rate for c in scenario.clients] == [200, 120, 80]  # twice each client's mean
    records = simulate(scenario, until=20, seed=5).records
    assert len(records) == pytest.approx(200 * 20, rel=0.05)
    assert Counter(r.client for r in records)["anonymous"] / len(records) == pytest.approx(0.05, abs=0.01)


@pytest.mark.claim("gateway.limiter-trades-503s-for-429s")
@pytest.mark.parametrize("seed", range(5))
def test_in_the_example_the_limiter_trades_503s_and_a_high_p99_for_429s(seed):
    limited = simulate(GatewayScenario.example(), until=20, seed=seed).summary()
    unlimited = simulate(GatewayScenario.example(algorithm="off"), until=20, seed=seed).summary()
    assert limited.rejected <= 3 < 15 <= unlimited.rejected
    assert 0.10 < limited.share_of("rate_limited") < 0.20 and unlimited.rate_limited == 0
    assert limited.p99 < unlimited.p99


@pytest.mark.claim("gateway.429s-fall-on-the-heaviest-client")
@pytest.mark.parametrize("seed", range(3))
def test_the_429s_fall_on_the_heaviest_client_and_the_lightest_gets_none(seed):
    records = simulate(GatewayScenario.example(), until=20, seed=seed).records
    limited = Counter(r.client for r in records if r.outcome == "rate_limited")
    assert limited["alice"] > 0.8 * sum(limited.values()) and limited["carol"] == 0


@pytest.mark.claim("gateway.503s-hit-every-client")
def test_without_a_limiter_the_503s_hit_every_client_about_alike():
    sent, rejected = Counter(), Counter()
    for seed in range(5):
        for r in simulate(GatewayScenario.example(algorithm="off"), until=20, seed=seed).records:
            sent[r.client] += 1
            rejected[r.client] += r.outcome == "rejected"
    overall = sum(rejected.values()) / sum(sent.values())
    for client in ("alice", "bob", "carol"):
        assert overall / 2 < rejected[client] / sent[client] < overall * 2


@pytest.mark.claim("gateway.lab-lower-limit-clears-503s")
@pytest.mark.parametrize("seed", range(3))
def test_in_the_lab_much_traffic_brings_503s_and_a_lower_limit_clears_them(seed):
    def rejected(**knobs):
        return simulate(GatewayScenario.example(**knobs), until=UNTIL, seed=seed).summary().rejected

    assert rejected(rate=500, limit=300) > 0  # a loose limit lets the bursts overflow orders-service
    assert rejected(rate=500, limit=50) == 0


@pytest.mark.claim("gateway.anonymous-share-drives-401s")
@pytest.mark.parametrize("share", [0.0, 0.1, 0.5])
def test_the_share_of_401s_follows_the_share_of_requests_without_a_key(share):
    s = simulate(GatewayScenario.example(anonymous_share=share), until=20, seed=0).summary()
    # a request without a key but with no route is a 404 first: 5 % of the mix has no route
    assert s.share_of("unauthorized") == pytest.approx(0.95 * share, abs=0.02)


@pytest.mark.claim("gateway.erlang-c")
def test_a_simulated_pool_agrees_with_erlang_c_and_the_wait_grows_like_one_over_one_minus_rho():
    for seed in (1, 2):
        for p in utilization_sweep([0.5, 0.8, 0.9], servers=4, customers=20_000, seed=seed):
            assert p.simulated == pytest.approx(p.predicted, rel=0.1)
    in_service_times = {rho: mmc_theory(4 * rho, 1.0, 4).mean_sojourn for rho in (0.5, 0.9, 0.95)}
    assert in_service_times[0.5] < 1.1  # barely more than the service time
    assert 2.8 < in_service_times[0.9] < 3.2 and 5.0 < in_service_times[0.95] < 5.8  # about three and five times
    assert in_service_times[0.95] > 4 * in_service_times[0.5]


@pytest.mark.claim("gateway.lab-fixed-window-edges")
@pytest.mark.parametrize("seed", range(3))
def test_in_the_lab_a_fixed_window_lets_more_through_than_a_sliding_log_only_across_window_edges(seed):
    def limited(burstiness, algorithm):
        scenario = GatewayScenario.example(rate=150, burstiness=burstiness, limit=60, algorithm=algorithm)
        return simulate(scenario, until=UNTIL, seed=seed).summary().rate_limited

    assert 25 <= limited(1, "sliding_log") - limited(1, "fixed_window") <= 45  # "about 35 more"
    assert limited(4, "sliding_log") == limited(4, "fixed_window")  # each burst fills exactly one window
