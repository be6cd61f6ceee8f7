import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.balancing import (
    BACKEND_STATES,
    L4,
    L7,
    STRATEGIES,
    TLS,
    Autoscaler,
    BalancerScenario,
    HealthCheck,
    Outage,
    PassiveCheck,
    Scale,
    Slowdown,
    Workload,
    backend_pool,
    simulate,
)


def test_same_seed_same_run_and_another_seed_another():
    sc = BalancerScenario(strategy="power_of_two")
    assert simulate(sc, until=5, seed=1).records == simulate(sc, until=5, seed=1).records
    assert simulate(sc, until=5, seed=1).records != simulate(sc, until=5, seed=2).records


def test_records_are_flat_one_per_request_in_arrival_order():
    res = simulate(BalancerScenario(), until=5)
    assert [r.request for r in res.records] == list(range(len(res.records)))
    r = res.records[0]
    assert (r.outcome, r.http_status, r.attempts, r.note) == ("served", 200, 1, "")
    assert r.latency == pytest.approx(r.end - r.arrival) and r.wait == r.start - r.arrival


def test_summary_prints_on_one_line_and_adds_up():
    res = simulate(BalancerScenario(backends=2, workload=Workload(rate=200)), until=10)
    s = res.summary()
    assert "\n" not in repr(s) and repr(s).startswith("BalancerSummary(requests=")
    assert s.requests == s.served + s.failed + s.rejected + s.timed_out + s.unfinished
    assert s.rejected > 0  # 200 req/s on two backends of 80 req/s: the queues fill up
    assert {r.note for r in res.records if r.outcome == "rejected"} == {"queue full"}
    assert "\n" not in repr(res) and "\n" not in repr(res.backends[0])


def test_timeseries_bins_add_up_and_show_the_outage():
    sc = BalancerScenario(workload=Workload(rate=200), failures=(Outage("b2", at=10.0, until=15.0, kind="crash"),))
    res = simulate(sc, until=20)
    ts = res.timeseries(bin=5.0)
    s = res.summary()
    assert ts.t == [0.0, 5.0, 10.0, 15.0]
    assert (sum(ts.arrivals), sum(ts.served), sum(ts.failed), sum(ts.rejected), sum(ts.timed_out)) == (
        s.requests,
        s.served,
        s.failed,
        s.rejected,
        s.timed_out,
    )
    assert ts.failed[0] == ts.failed[1] == ts.failed[3] == 0 < ts.failed[2]
    silent = simulate(
        BalancerScenario(workload=Workload(rate=200), failures=(Outage("b2", at=10.0, until=15.0),)), until=20
    )
    late = silent.timeseries(bin=5.0).timed_out
    assert late[0] == late[1] == 0 < late[2] and late[3] > 0  # the last connections time out after 15 s
    assert ts.per_backend["b2"][2] == 0 < ts.per_backend["b2"][3]
    assert sum(sum(v) for v in ts.per_backend.values()) == s.served
    assert all(a <= b for a, b in zip(ts.p50, ts.p99, strict=True))


def test_per_backend_stats_add_up():
    res = simulate(BalancerScenario(backends=backend_pool(4, spread=0.5), strategy="least_connections"), until=20)
    assert sum(res.shares().values()) == pytest.approx(1.0)
    assert sum(b.served for b in res.backends) == res.summary().served
    for b in res.backends:
        assert 0 < b.utilization <= 1
        assert 0 < b.mean_in_flight <= b.max_in_flight
        assert b.timeline == ((0.0, "up"),)
    assert [b.speed for b in res.backends] == [0.5, 0.833333333333, 1.166666666667, 1.5]


schedule = st.lists(
    st.tuples(
        st.sampled_from(["crash", "unreachable", "slowdown"]),
        st.integers(0, 3),
        st.floats(0.0, 6.0),
        st.one_of(st.none(), st.floats(0.1, 4.0)),
    ),
    max_size=5,
)


@settings(max_examples=80)
@given(
    failures=schedule,
    strategy=st.sampled_from(sorted(STRATEGIES)),
    layer=st.sampled_from([L4(), L7(), L7(cache_ttl=1.0)]),
    health=st.one_of(st.none(), st.just(HealthCheck(interval=1.0, fall=2, rise=1, timeout=0.5))),
    passive=st.one_of(st.none(), st.just(PassiveCheck(failures=2, ejection=1.0))),
    retries=st.integers(0, 2),
    connect_timeout=st.sampled_from([0.0, 0.2]),
    response_timeout=st.sampled_from([0.5, 5.0]),
    methods=st.sampled_from([{"GET": 1}, {"GET": 1, "POST": 1}]),
    scale=st.one_of(st.none(), st.tuples(st.floats(0.0, 7.0), st.integers(1, 6))),
    tls=st.booleans(),
    seed=st.integers(0, 50),
)
def test_every_request_ends_in_exactly_one_outcome_and_every_attempt_is_counted_once(
    failures, strategy, layer, health, passive, retries, connect_timeout, response_timeout, methods, scale, tls, seed
):
    events = []
    for kind, backend, at, length in failures:
        until = None if length is None else at + length
        events.append(Slowdown(backend, at, 3.0, until) if kind == "slowdown" else Outage(backend, at, until, kind))
    workload = Workload(
        rate=120,
        requests_per_connection=3,
        paths={"/api": 0.7, "/static": 0.3},
        keys=30,
        websocket_share=0.2,
        http2_share=0.2,
        long_rate=5.0,
        methods=methods,
    )
    sc = BalancerScenario(
        backends=4,
        strategy=strategy,
        layer=layer,
        workload=workload,
        health=health,
        passive=passive,
        failures=events,
        retries=retries,
        connect_timeout=connect_timeout,
        response_timeout=response_timeout,
        scaling=() if scale is None else (Scale(*scale),),
        tls=TLS() if tls else None,
    )
    until = 8.0
    res = simulate(sc, until=until, seed=seed)
    requests = sc.workload.arrivals(until, seed=seed)
    assert [r.request for r in res.records] == [q.id for q in requests]
    counts = res.counts()
    assert sum(counts.values()) == len(requests)
    for r in res.records:
        assert r.outcome in ("served", "failed", "rejected", "timed_out", "unfinished")
        assert r.arrival <= r.start <= r.end <= until
        assert 0 <= r.attempts <= 1 + retries
    # Backends account for every attempt sent to them.
    on_backends = sum(1 for r in res.records if r.outcome == "unfinished" and r.backend)
    sent = sum(b.sent for b in res.backends)
    assert sent == sum(b.served + b.failed + b.rejected for b in res.backends) + on_backends
    assert sum(b.served for b in res.backends) == sum(
        1 for r in res.records if r.outcome == "served" and r.backend != "cache"
    )
    assert sum(b.rejected for b in res.backends) == sum(1 for r in res.records if r.note == "queue full")
    assert sum(o.sent_while_dead for o in res.outages) == sum(b.sent_while_dead for b in res.backends)
    for b in res.backends:
        times = [t for t, _ in b.timeline]
        assert times == sorted(times) and all(s in BACKEND_STATES for _, s in b.timeline)
    assert sum(res.shares().values()) == pytest.approx(1.0 if sent else 0.0)


def test_default_lab_scenario_runs_every_strategy_without_loss():
    for name in STRATEGIES:
        s = simulate(BalancerScenario(strategy=name), until=20).summary()
        assert s.failed == s.rejected == 0
        assert s.unfinished < 30


# The claims lesson 2 makes, on the same traffic (5 backends, 80% load, exponential request costs).


@pytest.fixture(scope="module")
def heterogeneous():
    backends = backend_pool(5, spread=0.6)  # speeds 0.4, 0.7, 1.0, 1.3, 1.6; total capacity 400 req/s
    return {
        name: simulate(BalancerScenario(backends=backends, strategy=name), until=60, seed=0).summary()
        for name in ("round_robin", "random", "least_connections", "power_of_two", "peak_ewma")
    }


@pytest.mark.claim("balancing.round-robin-saturates-the-slowest")
def test_on_heterogeneous_backends_round_robin_overloads_the_slowest(heterogeneous):
    rr, lc = heterogeneous["round_robin"], heterogeneous["least_connections"]
    assert rr.p99 > 1.5 and rr.rejected > 0.1 * rr.requests
    assert lc.p99 < 0.2 and lc.rejected == 0


@pytest.mark.claim("balancing.tail-ranking")
def test_on_heterogeneous_backends_the_tail_ranks_ewma_lc_p2c_then_rr_and_random(heterogeneous):
    p99 = {name: s.p99 for name, s in heterogeneous.items()}
    assert p99["peak_ewma"] < p99["least_connections"] < p99["power_of_two"] < 0.3 < 1.5 < p99["round_robin"]
    assert p99["random"] > 1.5


@pytest.mark.claim("balancing.weights-fix-round-robin")
def test_weights_fix_round_robin_when_they_match_the_speeds():
    backends = backend_pool(5, spread=0.6, weighted=True)
    assert [b.weight for b in backends] == [b.speed for b in backends] == [0.4, 0.7, 1.0, 1.3, 1.6]
    s = simulate(BalancerScenario(backends=backends, strategy="weighted_round_robin"), until=60).summary()
    assert s.rejected == 0 and s.p99 < 0.3
    unweighted = simulate(
        BalancerScenario(backends=backend_pool(5, spread=0.6), strategy="weighted_round_robin"), until=60
    )
    assert unweighted.summary().p99 > 1.5  # equal weights are round robin again


def test_on_identical_backends_least_connections_beats_round_robin_which_beats_random():
    p99 = {
        name: simulate(BalancerScenario(strategy=name), until=60).summary().p99
        for name in ("random", "round_robin", "least_connections")
    }
    assert p99["least_connections"] < 0.7 * p99["round_robin"] < 0.7 * p99["random"]


@pytest.mark.claim("balancing.autoscaler-grows-the-pool")
def test_autoscaler_adds_instances_when_busy_and_lowers_latency():
    busy = Workload(rate=150)
    fixed = simulate(BalancerScenario(backends=2, strategy="least_connections", workload=busy), until=30)
    auto = Autoscaler(target=0.6, interval=2.0, startup=1.0)
    scaled = simulate(
        BalancerScenario(backends=2, strategy="least_connections", workload=busy, autoscaler=auto), until=30
    )
    assert scaled.instances[0] == (0.0, 2) and scaled.instances[-1][1] == 4
    assert scaled.scaling[0].reason == "autoscaler" and scaled.scaling[0].time == 2.0
    assert scaled.summary().p99 < fixed.summary().p99 / 2
