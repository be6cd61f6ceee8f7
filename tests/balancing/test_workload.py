import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.balancing import BalancerScenario, Workload, simulate
from course.sim import LogNormal


def test_requests_arrive_at_the_rate_in_order_with_ids_in_order():
    reqs = Workload(rate=200).arrivals(until=50, seed=1)
    assert len(reqs) == pytest.approx(10_000, rel=0.04)
    assert [r.id for r in reqs] == list(range(len(reqs)))
    assert [r.arrival for r in reqs] == sorted(r.arrival for r in reqs)
    assert 0 <= reqs[0].arrival and reqs[-1].arrival < 50


def test_the_mix_keeps_its_rate_and_its_websocket_share_on_average():
    mix = Workload.websocket_heavy(rate=200, share=0.7)
    runs = [mix.arrivals(until=20, seed=s) for s in range(10)]
    assert statistics.mean(len(r) for r in runs) == pytest.approx(4000, rel=0.1)
    share = sum(q.websocket for r in runs for q in r) / sum(len(r) for r in runs)
    assert share == pytest.approx(0.7, abs=0.05)


@pytest.mark.parametrize("protocol", ["websocket", "http2"])
def test_a_few_long_lived_connections_carry_most_of_the_traffic(protocol):
    share = {"websocket_share": 0.8} if protocol == "websocket" else {"http2_share": 0.8}
    reqs = Workload(rate=300, long_rate=10, **share).arrivals(until=20, seed=0)
    per_connection = Counter(r.connection for r in reqs if r.protocol == protocol)
    top = sum(n for _, n in per_connection.most_common(5))
    assert len(per_connection) < 60
    assert top > 0.3 * sum(per_connection.values())
    assert {r.protocol for r in reqs} == {"http1", protocol}


def test_websockets_and_http2_mix_with_short_connections_in_their_shares():
    reqs = Workload(rate=400, websocket_share=0.3, http2_share=0.5).arrivals(until=60, seed=4)
    count = Counter(r.protocol for r in reqs)
    assert count["websocket"] / len(reqs) == pytest.approx(0.3, abs=0.08)
    assert count["http2"] / len(reqs) == pytest.approx(0.5, abs=0.08)
    connections = {p: {r.connection for r in reqs if r.protocol == p} for p in count}
    assert not connections["http1"] & connections["http2"] and not connections["http2"] & connections["websocket"]


def test_methods_are_drawn_by_weight_and_only_some_are_idempotent():
    reqs = Workload(rate=500, methods={"GET": 3, "POST": 1}).arrivals(until=20, seed=3)
    assert Counter(r.method for r in reqs)["POST"] / len(reqs) == pytest.approx(0.25, abs=0.02)
    assert {r.method for r in reqs if r.idempotent} == {"GET"}
    plain = Workload(rate=500).arrivals(until=20, seed=3)
    assert {r.method for r in plain} == {"GET"}
    assert [r[:10] for r in plain] == [r[:10] for r in reqs]  # methods have their own stream: nothing else moves


def test_keep_alive_connections_carry_several_requests_with_first_and_last_marked():
    reqs = Workload(rate=100, requests_per_connection=5, gap=0.05).arrivals(until=60, seed=2)
    by_connection = Counter(r.connection for r in reqs)
    assert statistics.mean(by_connection.values()) == pytest.approx(5, rel=0.1)
    assert sum(r.first for r in reqs) == sum(r.last for r in reqs) == len(by_connection)
    firsts = {r.connection: r.id for r in reqs if r.first}
    assert all(firsts[r.connection] <= r.id for r in reqs)
    assert sorted(firsts.values()) == [firsts[c] for c in sorted(firsts)]  # numbered by first request


def test_costs_paths_headers_and_keys_follow_their_settings():
    w = Workload(rate=500, service=LogNormal(mean=0.02, cv=2.0), paths={"/a": 3, "/b": 1}, headers={"x": 1}, keys=7)
    reqs = w.arrivals(until=20, seed=3)
    assert statistics.mean(r.cost for r in reqs) == pytest.approx(0.02, rel=0.12)
    assert Counter(r.path for r in reqs)["/a"] / len(reqs) == pytest.approx(0.75, abs=0.02)
    assert {r.header for r in reqs} == {"x"}
    assert {r.key for r in reqs} == {f"key-{k}" for k in range(7)}
    assert all(r.key == f"client-{r.client}" for r in Workload(rate=10).arrivals(5))


@given(seed=st.integers(0, 10_000))
def test_the_same_seed_draws_the_same_traffic(seed):
    w = Workload(rate=30, websocket_share=0.5)
    assert w._draw(5.0, seed) == w._draw(5.0, seed)  # drawn twice, not remembered
    assert w._draw(5.0, seed) != w._draw(5.0, seed + 1)
    assert w.arrivals(5, seed=seed) == w._draw(5.0, seed)


def test_remembered_traffic_cannot_be_spoiled_by_the_caller():
    w = Workload(rate=30)
    first = w.arrivals(5, seed=1)
    first.clear()
    assert len(w.arrivals(5, seed=1)) > 100


def test_silence_is_allowed_and_simulates_to_an_empty_run():
    assert Workload(rate=0).arrivals(10) == []
    res = simulate(BalancerScenario(workload=Workload(rate=0)), until=10)
    assert res.records == [] and res.summary().requests == 0
    assert "p99=n/a" in repr(res.summary())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Workload(rate=-1), "rate must be a number from 0 to 1e\\+07"),
        (lambda: Workload(websocket_share=1.5), "websocket_share must be a number from 0 to 1"),
        (lambda: Workload(requests_per_connection=0), "requests_per_connection must be"),
        (lambda: Workload(clients=0), "clients must be a whole number of at least 1"),
        (lambda: Workload(paths={"/a": 0}), "paths must have a weight above zero"),
        (lambda: Workload(service="fast"), "service must be a positive number .*Exponential"),
        (lambda: Workload(rate=1e6).arrivals(until=60), "more than the 1,000,000 this toy simulates"),
        (lambda: Workload(websocket_share=1.0, long_rate=0.01, rate=3000).arrivals(60), "lower the rate"),
        (lambda: Workload(long_rate=0), "long_rate must be a number from 0.01 to"),
        (lambda: Workload(websocket_share=0.5, http2_share=0.6), "websocket_share \\+ http2_share must be at most 1"),
        (lambda: Workload(methods={"FETCH": 1}), "methods must be one of 'GET', 'HEAD'"),
    ],
)
def test_bad_workloads_are_refused_with_the_fix(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()
