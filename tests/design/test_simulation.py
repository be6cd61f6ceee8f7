"""Every request ends in exactly one outcome, on random designs and seeds; backpressure keeps memory bounded."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from course.balancing import HealthCheck
from course.design import Design, EventStream, Failure, Link, Tier, WorkQueue, simulate
from course.gateway import Authenticator, Cache, Client, Endpoint, Route, TokenBucket
from course.gateway.admission import LoadShedder
from course.messaging import RetryPolicy
from course.messaging.dependency import CircuitBreaker
from course.sim import OUTCOMES, Poisson


@st.composite
def designs(draw):
    """A random design: 1-3 tiers with random sync links (no cycles), maybe a queue and a stream, a gateway
    with some of its stages or none, random failures and client retries."""
    n = draw(st.integers(1, 3))
    tiers = [
        Tier(
            f"t{i}",
            instances=draw(st.integers(1, 3)),
            workers=(w := draw(st.integers(1, 3))),
            service_time=draw(st.sampled_from([0.005, 0.05, 0.3])),
            concurrency=w + draw(st.integers(0, 6)),
            strategy=draw(st.sampled_from(["round_robin", "least_connections", "power_of_two", "peak_ewma", "random"])),
            health=draw(st.sampled_from([None, HealthCheck(interval=0.5, fall=1, rise=1, timeout=0.2)])),
            pin=draw(st.booleans()),
        )
        for i in range(n)
    ]
    links = []
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.booleans()):
                breaker = draw(st.sampled_from([None, CircuitBreaker(failures=2, cooldown=0.5)]))
                links.append(
                    Link(
                        f"t{i}",
                        f"t{j}",
                        share=draw(st.sampled_from([1.0, 0.5])),
                        timeout=draw(st.sampled_from([None, 0.05, 0.5])),
                        retries=draw(st.integers(0, 2)),
                        retry_budget=draw(st.sampled_from([None, 0.5])),
                        breaker=breaker,
                        fallback=draw(st.booleans()),
                    )
                )
    queues, streams = [], []
    if draw(st.booleans()):
        capacity = draw(st.sampled_from([None, 1, 5, 20]))
        queues.append(
            WorkQueue(
                "q",
                workers=draw(st.integers(0, 3)),
                processing=draw(st.sampled_from([0.01, 0.2, 1.0])),
                capacity=capacity,
                when_full=draw(st.sampled_from(["reject", "block", "drop_oldest"])),
                retry=RetryPolicy(base=0.1, cap=0.5, max_attempts=draw(st.integers(1, 3))),
                visibility_timeout=draw(st.sampled_from([0.5, 30.0])),
            )
        )
        links.append(Link(f"t{draw(st.integers(0, n - 1))}", "q", mode="async"))
    if draw(st.booleans()):
        streams.append(
            EventStream(
                "s",
                partitions=draw(st.integers(1, 4)),
                groups={"g1": draw(st.integers(1, 3)), "g2": 1},
                processing=draw(st.sampled_from([0.001, 0.05])),
                batch=draw(st.integers(1, 5)),
            )
        )
        links.append(Link(f"t{draw(st.integers(0, n - 1))}", "s", mode="async"))
    routes = [Route("/a/{id}", "t0", methods=("GET", "POST"))] + [Route(f"/r{i}", f"t{i}") for i in range(1, n)]
    mix = [Endpoint("GET", "/a/{id}", ids=20), Endpoint("POST", "/a/{id}", ids=20), Endpoint("GET", "/missing")]
    mix += [Endpoint("GET", f"/r{i}") for i in range(1, n)]
    kinds = {"tier": [f"t{i}" for i in range(n)], "queue": ["q"] if queues else [], "stream": ["s"] if streams else []}
    failures = []
    for kind, target_kind in (
        ("instance_dies", "tier"),
        ("slow", "tier"),
        ("workers_fail", "queue"),
        ("consumer_crashes", "stream"),
        ("broker_fails", "stream"),
    ):
        if kinds[target_kind] and draw(st.booleans()):
            at = draw(st.sampled_from([0.0, 1.0, 3.0]))
            until = draw(st.sampled_from([None, at + 2.0]))
            failures.append(Failure(kind, draw(st.sampled_from(kinds[target_kind])), at=at, until=until, factor=5))
    clients = (
        Client("a", Poisson(draw(st.sampled_from([0, 5, 40, 150]))), key="key-a"),
        Client("b", Poisson(draw(st.sampled_from([0, 20]))), key=None),
    )
    gateway = draw(st.booleans())
    return Design(
        clients=clients,
        mix=tuple(mix),
        routes=tuple(routes),
        tiers=tuple(tiers),
        queues=tuple(queues),
        streams=tuple(streams),
        links=tuple(links),
        gateway=gateway,
        auth=draw(st.sampled_from([None, Authenticator(keys={"key-a": "a"})])),
        limiter=draw(st.sampled_from([None, TokenBucket(capacity=5, rate=20)])),
        cache=draw(st.sampled_from([None, Cache(capacity=10, ttl=0.5)])),
        admission=draw(st.sampled_from([None, LoadShedder(max_in_flight=3)])),
        gateway_timeout=draw(st.sampled_from([0.1, 2.0])),
        failures=tuple(failures),
        client_retry=draw(st.sampled_from([None, RetryPolicy(backoff="none", max_attempts=3)])),
        anonymous_share=draw(st.sampled_from([0.0, 0.2])),
    )


@settings(max_examples=60)
@given(design=designs(), seed=st.integers(0, 10**6), until=st.sampled_from([2.0, 7.5]))
def test_every_request_ends_in_exactly_one_outcome(design, seed, until):
    results = simulate(design, until=until, seed=seed)
    summary = results.summary()
    assert sum(summary.outcomes.values()) == summary.requests == len(results.records)
    assert set(summary.outcomes) <= set(OUTCOMES)
    assert summary.attempts >= summary.requests
    for r in results.records:
        assert r.outcome in OUTCOMES and r.attempts >= 1
        assert (r.status == 0) == math.isnan(r.latency)
        if r.outcome == "served":
            assert r.status == 200 and r.latency >= 0 and r.finished >= r.arrival + r.latency - 1e-9
        if r.status == 0:
            assert r.outcome == "unfinished"
    for part in results.parts():
        if part.kind == "tier":  # every call a tier took is answered once, or still held at the end
            assert part.ok + part.refused + part.failed + part.timed_out + part.backlog_end == part.arrived
        if part.kind == "queue" and design.part(part.name).capacity is not None:
            assert part.backlog_max <= design.part(part.name).capacity


@settings(max_examples=20)
@given(seed=st.integers(0, 10**6))
def test_the_same_seed_gives_the_same_run(seed):
    design = Design.example("rides", failure="a dependency slows", client_retries=2, backoff=True)
    first, second = simulate(design, until=12, seed=seed), simulate(design, until=12, seed=seed)
    assert repr(first.records) == repr(second.records)  # NaN latencies compare unequal, their text does not
    assert repr(first.summary()) == repr(second.summary())


def _blocking(capacity):
    """A producer tier that hands every request to a slow queue; when it is full, the producer waits."""
    return Design(
        clients=(Client("app", Poisson(60), key="k"),),
        mix=(Endpoint("POST", "/jobs"),),
        routes=(Route("/jobs", "api", methods=("POST",)),),
        tiers=(Tier("api", instances=2, workers=2, service_time=0.005, concurrency=8),),
        queues=(WorkQueue("jobs", workers=2, processing=0.5, capacity=capacity, when_full="block"),),
        links=(Link("api", "jobs", mode="async"),),
        gateway_timeout=1.0,
        keep_records=False,
    )


def test_backpressure_keeps_memory_bounded_when_a_queue_fills():
    short = simulate(_blocking(20), until=30, seed=1)
    long = simulate(_blocking(20), until=120, seed=1)
    for results in (short, long):
        queue = results.part("jobs")
        assert queue.backlog_max <= 20  # the queue never holds more than its capacity
        api = results.part("api")
        assert api.backlog_max <= 8  # each instance holds at most its concurrency, blocked producers included
        outcomes = results.summary().outcomes
        assert outcomes.get("rejected", 0) > 0 and outcomes.get("timed_out", 0) > 0  # the gateway says no
    assert long.part("jobs").backlog_max == short.part("jobs").backlog_max  # bounded: a longer run holds no more


def test_an_unbounded_queue_grows_with_the_run_instead():
    short = simulate(_blocking(None), until=30, seed=1)
    long = simulate(_blocking(None), until=120, seed=1)
    assert long.part("jobs").backlog_max > 3 * short.part("jobs").backlog_max > 3 * 20


def test_pausing_the_collector_during_a_run_costs_no_memory(monkeypatch):
    """No request leaves a reference cycle behind, so the paused collector would have had nothing to free."""
    import contextlib
    import gc
    import tracemalloc

    import course.design.simulation as simulation

    design = Design.example("rides", rate=400, spike=1.0, keep_records=False)

    def peak_bytes():
        gc.collect()
        tracemalloc.start()
        try:
            simulate(design, until=30, seed=0)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    paused = peak_bytes()
    monkeypatch.setattr(simulation, "collector_paused", contextlib.nullcontext)
    assert paused <= 1.1 * peak_bytes()  # about 12,000 requests: a cycle each would add megabytes
