import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.gateway import (
    Backend,
    Cache,
    Client,
    Endpoint,
    GatewayScenario,
    Route,
    TokenBucket,
    make_limiter,
    simulate,
)
from course.sim import ConstantRate, Exponential, Poisson


def one_service(**changes):
    settings = dict(
        clients=[Client("alice", ConstantRate(100), key="k")],
        mix=[Endpoint("GET", "/users/{id}", ids=1)],
        routes=[Route("/users/{id}", "users-service")],
        auth=None,
        limiter=None,
        cache=None,
        transforms=(),
        backends={"users-service": Backend(servers=1, service=0.1, queue_capacity=1000)},
        anonymous_share=0.0,
    )
    return GatewayScenario(**{**settings, **changes})


def test_the_default_scenario_is_the_lab_example():
    scenario = GatewayScenario()
    assert scenario.rate == 200.0
    assert scenario == GatewayScenario.example()
    assert [c.name for c in scenario.clients] == ["alice", "bob", "carol"]
    assert scenario.gateway().stages == ("transform", "route", "auth", "rate_limit", "cache", "backend")


def test_a_run_has_one_record_per_request_and_every_status_of_the_lesson():
    res = simulate(GatewayScenario.example(rate=400, burstiness=3), until=20, seed=1)
    s = res.summary()
    assert set(s.by_status) == {200, 401, 403, 404, 429, 503}
    assert s.requests == len(res.records) == sum(s.by_status.values())
    assert res.records == sorted(res.records, key=lambda r: r.time)
    assert all(0 <= r.time < 20 for r in res.records)


def test_the_summary_prints_on_one_line():
    text = repr(simulate(GatewayScenario(), until=5, seed=2).summary())
    assert "\n" not in text
    assert text.startswith("GatewaySummary(requests=") and "status 200=" in text and "cache hit ratio=" in text
    assert "utilization users-service=" in text


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b = simulate(GatewayScenario(), until=5, seed=7), simulate(GatewayScenario(), until=5, seed=7)
    assert a.records == b.records and a.utilization == b.utilization
    assert simulate(GatewayScenario(), until=5, seed=8).records != a.records


def test_a_run_does_not_change_the_scenario_it_was_given():
    scenario = GatewayScenario()
    first = simulate(scenario, until=3, seed=1).records
    assert scenario.limiter.keys == [] and len(scenario.cache) == 0
    assert simulate(scenario, until=3, seed=1).records == first


def test_the_cache_fills_when_the_backend_answers():
    # one resource, asked for every 10 ms; the backend takes 100 ms, so ~10 requests miss before the first answer
    res = simulate(one_service(cache=Cache(capacity=10, ttl=60)), until=1, seed=0)
    stats = res.cache_stats
    assert 10 <= stats.misses <= 11
    assert stats.hits == len(res.records) - stats.misses
    assert stats.misses == res.summary().by_status[200] - stats.hits  # every miss went to the backend


def test_a_full_backend_queue_answers_503_at_once():
    res = simulate(one_service(backends={"users-service": Backend(servers=1, service=0.1, queue_capacity=0)}), until=1)
    dropped = res.log.where(status=503)
    assert len(dropped) > 0 and all(r.stage == "backend" and r.latency == 0.001 for r in dropped)
    assert res.summary().by_status[200] == 10  # one every 0.1 s, nobody waits


def test_backends_finish_what_they_hold_after_the_arrivals_stop():
    res = simulate(one_service(), until=1)
    assert res.summary().by_status == {200: 99}
    assert max(r.latency for r in res.records) == pytest.approx(0.001 + 0.1 * 99 - 0.01 * 98, abs=1e-6)


def test_utilization_matches_the_offered_load():
    scenario = one_service(
        clients=[Client("alice", Poisson(50), key="k")],
        backends={"users-service": Backend(servers=1, service=Exponential(100), queue_capacity=1000)},
    )
    res = simulate(scenario, until=200, seed=3)
    assert res.utilization["users-service"] == pytest.approx(0.5, abs=0.03)


def test_timeseries_bins_add_up_to_the_summary():
    res = simulate(GatewayScenario(), until=10, seed=1)
    ts = res.timeseries(bin=2)
    s = res.summary()
    assert ts.t == [0, 2, 4, 6, 8]
    assert sum(ts.requests) == s.requests
    assert {status: sum(counts) for status, counts in ts.by_status.items()} == s.by_status
    assert all(p50 <= p95 <= p99 for p50, p95, p99 in zip(ts.p50, ts.p95, ts.p99, strict=True) if p50 == p50)


def test_flows_and_the_graph_describe_every_edge():
    res = simulate(GatewayScenario.example(rate=400, burstiness=3), until=20, seed=1)
    flows = res.flows()
    n = len(res.records)
    assert sum(f.count for f in flows if f.kind == "request") == n
    assert sum(f.count for f in flows if f.source == "gateway") == n  # forwarded + cached + rejected
    s = res.summary()
    rejected = {f.status: f.count for f in flows if f.kind == "rejected"}
    assert rejected == {k: v for k, v in s.by_status.items() if k in (401, 403, 404, 429)}
    assert sum(f.count for f in flows if f.kind == "dropped") == s.by_status[503]
    g = res.graph()
    kinds = {node: data["kind"] for node, data in g.nodes(data=True)}
    assert kinds["alice"] == kinds["anonymous"] == "client" and kinds["gateway"] == "gateway"
    assert kinds["users-service"] == "service" and kinds["429"] == "rejected" and kinds["cache"] == "cache"
    assert g.nodes["orders-service"]["utilization"] == res.utilization["orders-service"]
    assert g.edges["gateway", "429"]["count"] == s.by_status[429]


def test_zero_traffic_gives_an_empty_but_sensible_run():
    res = simulate(GatewayScenario.example(rate=0), until=10)
    s = res.summary()
    assert s.requests == 0 and s.by_status == {} and math.isnan(s.p99)
    assert "p99=n/a" in repr(s)
    assert set(res.graph().nodes) >= {"alice", "gateway", "users-service"}
    assert res.timeseries().requests == [0] * 10


def test_a_flood_far_above_capacity_stays_bounded():
    res = simulate(GatewayScenario.example(rate=1_000_000, burstiness=1), until=60, max_requests=2_000)
    assert res.truncated and len(res.records) <= 2_000
    assert res.until < 0.01 and "stopped early" in repr(res)
    assert 503 in res.summary().by_status or 429 in res.summary().by_status


def test_every_stage_can_be_switched_off():
    scenario = GatewayScenario(auth=None, limiter=None, cache=None, transforms=())
    res = simulate(scenario, until=5)
    assert scenario.gateway().stages == ("route", "backend")
    assert set(res.summary().by_status) <= {200, 404, 503} and res.summary().hit_ratio is None
    assert "cache hit ratio=off" in repr(res.summary())


@settings(max_examples=40)
@given(
    rate=st.sampled_from([0, 5, 50, 300, 2000]),
    burstiness=st.sampled_from([1, 2, 5]),
    algorithm=st.sampled_from([None, "token_bucket", "fixed_window", "sliding_log", "sliding_counter"]),
    ttl=st.sampled_from([None, 0, 1.0]),
    share=st.sampled_from([0.0, 0.3, 1.0]),
    queue=st.sampled_from([0, 5]),
    seed=st.integers(0, 1000),
)
def test_every_simulated_request_gets_exactly_one_outcome(rate, burstiness, algorithm, ttl, share, queue, seed):
    params = {"token_bucket": dict(capacity=5, rate=20)}.get(algorithm, dict(limit=5, window=0.25))
    scenario = GatewayScenario.example(
        rate=rate,
        burstiness=burstiness,
        limiter=None if algorithm is None else make_limiter(algorithm, **params),
        cache=None if ttl is None else Cache(capacity=50, ttl=ttl),
        anonymous_share=share,
        backends={
            s: Backend(servers=1, service=Exponential(100), queue_capacity=queue) for s in GatewayScenario().backends
        },
    )
    res = simulate(scenario, until=2, seed=seed, max_requests=3_000)
    s = res.summary()
    assert s.requests == len(res.records) == sum(s.by_status.values())
    assert set(s.by_status) <= {200, 401, 403, 404, 429, 503}
    counts = res.counts
    assert counts[0].arrived == s.requests
    for before, after in itertools.pairwise(counts):
        assert after.arrived == before.passed
    assert counts[-1].passed == 0  # nothing left in flight
    assert sum(f.count for f in res.flows() if f.kind == "request") == s.requests
    assert all(0 <= u <= 1 + 1e-9 for u in s.utilization.values())


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: GatewayScenario(backends={}), "no backend for .*users-service.*add backends="),
        (lambda: GatewayScenario(clients=[]), "clients must be a list of Client"),
        (
            lambda: GatewayScenario(clients=[Client("a", Poisson(1)), Client("a", Poisson(1))]),
            "client names must be unique",
        ),
        (lambda: GatewayScenario(mix=[]), "mix must be a list of Endpoint"),
        (lambda: GatewayScenario(anonymous_share=1.5), "anonymous_share must be between 0 and 1"),
        (lambda: GatewayScenario(limiter="token_bucket"), "limiter must be None or like TokenBucket"),
        (lambda: GatewayScenario.example(rate=-1), "rate must be zero or more requests per second"),
        (lambda: GatewayScenario.example(burstiness=0.5), "burstiness must be between 1"),
        (lambda: Client("gateway", Poisson(1)), "gateway, cache, anonymous are reserved"),
        (lambda: Client("alice", 50), "source must be a traffic source such as Poisson"),
        (lambda: Endpoint("GET", "/users/{name}"), "the only placeholder a path may hold is {id}"),
        (lambda: Endpoint("GET", "/users", weight=0), "weight must be a positive number"),
        (lambda: Endpoint("GET", "/users/{id}", ids=0), "ids must be a whole number of at least 1"),
        (lambda: Backend(servers=0), "servers must be a whole number of at least 1"),
        (lambda: Backend(queue_capacity=None), "simulated queues are bounded"),
        (lambda: Backend(service=-1), "value must be a positive number"),
        (lambda: simulate("scenario"), "simulate takes a GatewayScenario"),
        (lambda: simulate(GatewayScenario(), until=0), "until must be a positive number of seconds"),
        (lambda: simulate(GatewayScenario(), max_requests=0), "max_requests must be a whole number"),
        (lambda: simulate(GatewayScenario(), until=1).timeseries(bin=0), "bin must be a positive number"),
    ],
)
def test_bad_scenarios_are_refused_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_seed_that_is_not_a_whole_number_is_refused():
    with pytest.raises(TypeError, match="seed must be an int"):
        simulate(GatewayScenario(), until=1, seed=1.5)


def test_backend_capacity_is_servers_over_mean_service_time():
    assert Backend(servers=4, service=Exponential(50)).capacity == 200
    assert TokenBucket(1, 1) == TokenBucket(1, 1)


def test_a_scenario_prints_on_one_line():
    assert repr(GatewayScenario()) == (
        "GatewayScenario(200 req/s from alice, bob, carol, 5% without a key; "
        "limiter=TokenBucket(capacity=20, rate=100), cache=Cache(capacity=500, ttl=2); "
        "backends users-service x4, orders-service x2, admin-service x1)"
    )
