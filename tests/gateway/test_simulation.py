import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.gateway import (
    ALGORITHMS,
    Cache,
    Client,
    Endpoint,
    GatewayScenario,
    Route,
    Service,
    make_limiter,
    simulate,
)
from course.gateway.simulation import MAX_REQUESTS
from course.sim import OUTCOMES, ConstantRate, Exponential, Poisson


def one_service(**changes):
    settings = dict(
        clients=[Client("alice", ConstantRate(100), key="k")],
        mix=[Endpoint("GET", "/users/{id}", ids=1)],
        routes=[Route("/users/{id}", "users-service")],
        auth=None,
        limiter=None,
        cache=None,
        transforms=(),
        services={"users-service": Service(servers=1, service_time=0.1, queue_capacity=1000)},
        anonymous_share=0.0,
    )
    return GatewayScenario(**{**settings, **changes})


def test_the_default_scenario_is_the_lab_example():
    scenario = GatewayScenario()
    assert scenario.rate == 200.0
    assert scenario == GatewayScenario.example()
    assert [c.name for c in scenario.clients] == ["alice", "bob", "carol"]
    assert scenario.gateway().stages == ("transform", "route", "auth", "rate_limit", "cache", "backend")


def test_the_example_knobs_set_the_limiter_the_cache_and_the_traffic():
    assert GatewayScenario.example(algorithm="off").limiter is None
    assert repr(GatewayScenario.example(algorithm="token_bucket", limit=50, bucket=7).limiter) == (
        "TokenBucket(capacity=7, rate=50)"
    )
    for name in ALGORITHMS[1:-1]:
        assert GatewayScenario.example(algorithm=name, limit=30).limiter.limit == 30
    assert GatewayScenario.example(ttl=0).cache is None and GatewayScenario.example(ttl=5).cache.ttl == 5
    assert GatewayScenario.example(rate=300, burstiness=3).rate == pytest.approx(300)
    assert GatewayScenario.example(anonymous_share=0.2).anonymous_share == 0.2
    cache = Cache(10, 1.0)
    assert GatewayScenario.example(ttl=5, cache=cache).cache is cache  # a field given by name wins over a knob


def test_a_run_has_one_record_per_request_and_every_outcome_of_the_lesson():
    res = simulate(GatewayScenario.example(rate=400, burstiness=3), until=20, seed=1)
    s = res.summary()
    assert set(s.outcomes) == {"served", "rate_limited", "unauthorized", "forbidden", "not_found", "rejected"}
    assert s.requests == len(res.records) == sum(s.outcomes.values())
    assert res.outcomes() == dict(sorted(s.outcomes.items(), key=lambda kv: -kv[1]))
    assert res.records == sorted(res.records, key=lambda r: r.time)
    assert all(0 <= r.time < 20 for r in res.records)
    assert set(res.log.by_status()) == {200, 401, 403, 404, 429, 503}  # HTTP statuses stay on the records


def test_the_summary_has_a_one_line_repr_and_says_what_matters_first_in_words():
    s = simulate(GatewayScenario(), until=5, seed=2).summary()
    assert "\n" not in repr(s) and repr(s).startswith(f"GatewaySummary(requests={s.requests}, served={s.served},")
    lines = str(s).splitlines()
    assert 2 <= len(s.lines()) <= 3 and all(len(line) <= 80 for line in lines)
    assert lines[0].startswith(f"{s.served:,} of {s.requests:,} requests served")
    assert f"{s.rate_limited:,} rate limited (429)" in str(s).replace("\n", " ")
    flood = simulate(GatewayScenario.example(rate=400, burstiness=3, algorithm="off"), until=5).summary()
    assert flood.rejected and f"{flood.rejected:,} hit a full queue (503)" in " ".join(flood.lines())
    assert "dropped" not in str(s) + repr(s)
    assert s.share_of("rate_limited") == s.rate_limited / s.requests and s.share_of("lost") == 0.0


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b = simulate(GatewayScenario(), until=5, seed=7), simulate(GatewayScenario(), until=5, seed=7)
    assert a.records == b.records and a.utilization == b.utilization
    assert simulate(GatewayScenario(), until=5, seed=8).records != a.records


def test_a_run_does_not_change_the_scenario_it_was_given():
    scenario = GatewayScenario()
    first = simulate(scenario, until=3, seed=1).records
    assert scenario.limiter.keys == [] and len(scenario.cache) == 0
    assert simulate(scenario, until=3, seed=1).records == first


def test_the_cache_fills_when_the_service_answers():
    # one resource, asked for every 10 ms; the service takes 100 ms, so ~10 requests miss before the first answer
    res = simulate(one_service(cache=Cache(capacity=10, ttl=60)), until=1, seed=0)
    stats = res.cache_stats
    assert 10 <= stats.misses <= 11
    assert stats.hits == len(res.records) - stats.misses
    assert stats.misses == res.summary().served - stats.hits  # every miss went to the service


def test_a_full_service_queue_rejects_at_once():
    res = simulate(one_service(services={"users-service": Service(1, 0.1, queue_capacity=0)}), until=1)
    rejected = res.log.where(outcome="rejected")
    assert len(rejected) > 0 and all(r.stage == "backend" and r.status == 503 for r in rejected)
    assert all(r.latency == 0.001 for r in rejected)  # only the gateway's own time: nobody waited
    assert res.summary().served == 10  # one every 0.1 s


def test_services_finish_what_they_hold_after_the_arrivals_stop():
    res = simulate(one_service(), until=1)
    assert res.summary().outcomes == {"served": 99}
    assert max(r.latency for r in res.records) == pytest.approx(0.001 + 0.1 * 99 - 0.01 * 98, abs=1e-6)


def test_utilization_matches_the_offered_load():
    scenario = one_service(
        clients=[Client("alice", Poisson(50), key="k")],
        services={"users-service": Service(servers=1, service_time=Exponential(100), queue_capacity=1000)},
    )
    res = simulate(scenario, until=200, seed=3)
    assert res.utilization["users-service"] == pytest.approx(0.5, abs=0.03)


def test_a_service_capacity_is_its_servers_over_the_mean_service_time():
    # the lesson's users-service: 4 workers at 20 ms each answer 200 requests per second; the simulation agrees
    assert Service(servers=4, service_time=Exponential(50)).capacity == pytest.approx(200)
    scenario = one_service(
        clients=[Client("alice", Poisson(400), key="k")],
        services={"users-service": Service(servers=4, service_time=Exponential(50), queue_capacity=20)},
    )
    served = simulate(scenario, until=50, seed=1).summary().served
    assert served / 50 == pytest.approx(200, rel=0.05)


def test_timeseries_bins_add_up_to_the_summary():
    res = simulate(GatewayScenario(), until=10, seed=1)
    ts = res.timeseries(bin=2)
    s = res.summary()
    assert ts.t == [0, 2, 4, 6, 8]
    assert sum(ts.requests) == s.requests
    assert {word: sum(counts) for word, counts in ts.by_outcome.items()} == s.outcomes
    assert all(p50 <= p95 <= p99 for p50, p95, p99 in zip(ts.p50, ts.p95, ts.p99, strict=True) if p50 == p50)


@pytest.mark.parametrize("bin", [0, -1, 1e-6, True, float("nan"), float("inf"), "1"])
def test_timeseries_refuses_a_bin_that_is_not_a_sensible_width(bin):
    res = simulate(GatewayScenario.example(rate=50), until=10)
    with pytest.raises(ValueError, match="bin must be"):
        res.timeseries(bin=bin)


def test_flows_describe_every_edge_with_the_shared_flow_and_outcome_words():
    res = simulate(GatewayScenario.example(rate=400, burstiness=3), until=20, seed=1)
    flows = res.flows()
    n = len(res.records)
    assert sum(f.count for f in flows if f.target == "gateway") == n
    assert sum(f.count for f in flows if f.source == "gateway") == n  # forwarded + cached + refused
    s = res.summary()
    refused = {f.target: f.count for f in flows if f.source == "gateway" and f.outcome}
    assert refused == {w: n for w, n in s.outcomes.items() if w not in ("served", "rejected")}
    assert all(f.target == f.outcome for f in flows if f.outcome)
    assert {f.outcome for f in flows} <= {None, *OUTCOMES}
    assert sum(f.count for f in flows if f.outcome == "rejected") == s.rejected


def test_zero_traffic_gives_an_empty_but_sensible_run():
    res = simulate(GatewayScenario.example(rate=0), until=10)
    s = res.summary()
    assert s.requests == 0 and s.outcomes == {} and math.isnan(s.p99)
    assert "p99=n/a" in repr(s) and str(s).startswith("No requests")
    assert res.timeseries().requests == [0] * 10


def test_a_flood_beyond_the_bound_is_refused_before_it_runs_with_the_fix():
    with pytest.raises(ValueError, match=r"until must be at most 0.1 s at 1,000,000 requests per second \(got 60\)"):
        simulate(GatewayScenario.example(rate=1_000_000, burstiness=1), until=60)
    just_under = MAX_REQUESTS * 0.9 / 20
    assert simulate(GatewayScenario.example(rate=just_under, burstiness=1), until=0.5).summary().requests > 0


def test_every_stage_can_be_switched_off():
    scenario = GatewayScenario(auth=None, limiter=None, cache=None, transforms=())
    res = simulate(scenario, until=5)
    assert scenario.gateway().stages == ("route", "backend")
    assert set(res.summary().outcomes) <= {"served", "not_found", "rejected"}
    assert math.isnan(res.summary().hit_ratio) and "No cache" in str(res.summary())


@settings(max_examples=40, deadline=None)
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
        services={
            s: Service(servers=1, service_time=Exponential(100), queue_capacity=queue)
            for s in GatewayScenario().services
        },
    )
    res = simulate(scenario, until=1.5, seed=seed)
    s = res.summary()
    assert s.requests == len(res.records) == sum(s.outcomes.values())
    assert all(r.outcome in OUTCOMES for r in res.records)
    counts = res.counts
    assert counts[0].arrived == s.requests
    for before, after in itertools.pairwise(counts):
        assert after.arrived == before.passed
    assert counts[-1].passed == 0  # nothing left in flight
    assert sum(f.count for f in res.flows() if f.target == "gateway") == s.requests
    assert all(0 <= u <= 1 + 1e-9 for u in s.utilization.values())


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: GatewayScenario(services={}), "services must include every service a route leads to.*users-service"),
        (lambda: GatewayScenario(clients=[]), "clients must be a non-empty list of Client"),
        (
            lambda: GatewayScenario(clients=[Client("a", Poisson(1)), Client("a", Poisson(1))]),
            "clients must have different names",
        ),
        (lambda: GatewayScenario(mix=[]), "mix must be a non-empty list of Endpoint"),
        (lambda: GatewayScenario(anonymous_share=1.5), "anonymous_share must be a number from 0 to 1"),
        (lambda: GatewayScenario(limiter="token_bucket"), "limiter must be a RateLimiter"),
        (lambda: GatewayScenario.example(rate=-1), "rate must be a number from 0"),
        (lambda: GatewayScenario.example(burstiness=0.5), "burstiness must be a number from 1 to 100"),
        (lambda: GatewayScenario.example(algorithm="leaky"), "algorithm must be one of 'token_bucket'"),
        (lambda: GatewayScenario.example(rat=100), "rat is neither a knob of example"),
        (lambda: Client("gateway", Poisson(1)), "name must not be one of gateway, cache, anonymous"),
        (lambda: Client("rate_limited", Poisson(1)), "name must not be one of"),
        (lambda: Client("alice", 50), "source must be a Source"),
        (lambda: Endpoint("GET", "/users/{name}"), "path may hold one placeholder, {id}"),
        (lambda: Endpoint("GET", "/users", weight=0), "weight must be a positive number"),
        (lambda: Endpoint("GET", "/users/{id}", ids=0), "ids must be a whole number of at least 1"),
        (lambda: Service(servers=0), "servers must be a whole number of at least 1"),
        (lambda: Service(queue_capacity=None), "queue_capacity must be a whole number.*simulated queues are bounded"),
        (lambda: Service(service_time=-1), "service_time must be a positive number"),
        (lambda: simulate("scenario", until=1), "scenario must be a GatewayScenario"),
        (lambda: simulate(GatewayScenario(), until=0), "until must be a positive number"),
        (lambda: simulate(GatewayScenario(), until=float("inf")), "until must be a positive number of at most"),
        (lambda: simulate(GatewayScenario(), until=1, seed=1.5), "seed must be a whole number"),
    ],
)
def test_bad_scenarios_and_runs_are_refused_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_until_is_a_required_keyword_and_the_only_other_argument_is_seed():
    import inspect

    params = inspect.signature(simulate).parameters
    assert list(params) == ["scenario", "until", "seed"]
    assert params["until"].kind is inspect.Parameter.KEYWORD_ONLY and params["until"].default is inspect.Parameter.empty
    with pytest.raises(TypeError):
        simulate(GatewayScenario(), 5)


def test_a_scenario_prints_on_one_line_naming_its_traffic_limiter_and_services():
    text = repr(GatewayScenario.example(rate=120, algorithm="sliding_log", limit=40))
    assert "\n" not in text and text.startswith("GatewayScenario(120 req/s from alice, bob, carol")
    assert "limiter=SlidingWindowLog(limit=40, window=1)" in text and "users-service x4" in text
